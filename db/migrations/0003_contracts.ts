import { type Kysely, sql } from "kysely";

// The technology contract registry (技术合同登记) and the rollups the turnover dashboard reads.
//
// Rollups are maintained by statement-level triggers with transition tables, so they change in the same transaction as
// the contracts (a registration or a void that rolls back leaves them untouched) and a bulk INSERT of 1,000 rows costs
// one grouped upsert per rollup table instead of 1,000. Statistics count contracts by signing date and only while
// status = 'registered'. See docs/decisions/0003-contract-statistics-rollups.md.
//
// Only voiding may change a contract, and nothing deletes one: a correction is a void plus a new registration.

const ROLLUP_TABLES = `
    -- day × type × field × seller type × buyer region: the edges of a date range that are not whole months.
    create table contract_stats_daily (
      day date not null,
      type text not null,
      field text not null,
      seller_type text not null,
      buyer_region text not null,
      contracts bigint not null,
      amount_fen bigint not null,
      technical_income_fen bigint not null,
      primary key (day, type, field, seller_type, buyer_region)
    );

    -- The same keys by calendar month: the whole months of a range.
    create table contract_stats_monthly (
      month date not null check (extract(day from month) = 1),
      type text not null,
      field text not null,
      seller_type text not null,
      buyer_region text not null,
      contracts bigint not null,
      amount_fen bigint not null,
      technical_income_fen bigint not null,
      primary key (month, type, field, seller_type, buyer_region)
    );

    -- Per seller and month, for the "by seller" table (edge days come from the contracts' covering index).
    create table contract_seller_monthly (
      month date not null check (extract(day from month) = 1),
      seller text not null,
      seller_type text not null,
      contracts bigint not null,
      amount_fen bigint not null,
      technical_income_fen bigint not null,
      primary key (month, seller, seller_type)
    );
`;

/**
 * The upserts that add a grouped delta to each rollup. `source` is a query yielding signed rows
 * (signed_on, type, field, seller_type, buyer_region, seller, n, amount_fen, technical_income_fen).
 * Groups are upserted in key order so concurrent transactions lock rollup rows in the same order (no deadlocks).
 */
function applyDelta(source: string): string {
  const add = (t: string) =>
    `contracts = ${t}.contracts + excluded.contracts, amount_fen = ${t}.amount_fen + excluded.amount_fen,
        technical_income_fen = ${t}.technical_income_fen + excluded.technical_income_fen`;
  return `
      insert into contract_stats_daily as r (day, type, field, seller_type, buyer_region, contracts, amount_fen,
          technical_income_fen)
        select signed_on, type, field, seller_type, buyer_region, sum(n), sum(amount_fen), sum(technical_income_fen)
        from (${source}) d group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
      on conflict (day, type, field, seller_type, buyer_region) do update set ${add("r")};

      insert into contract_stats_monthly as r (month, type, field, seller_type, buyer_region, contracts, amount_fen,
          technical_income_fen)
        select date_trunc('month', signed_on)::date, type, field, seller_type, buyer_region, sum(n), sum(amount_fen),
          sum(technical_income_fen)
        from (${source}) d group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
      on conflict (month, type, field, seller_type, buyer_region) do update set ${add("r")};

      insert into contract_seller_monthly as r (month, seller, seller_type, contracts, amount_fen, technical_income_fen)
        select date_trunc('month', signed_on)::date, seller, seller_type, sum(n), sum(amount_fen),
          sum(technical_income_fen)
        from (${source}) d group by 1, 2, 3 order by 1, 2, 3
      on conflict (month, seller, seller_type) do update set ${add("r")};`;
}

const ROW = "signed_on, type, field, seller_type, buyer_region, seller";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `
    -- Certificate numbers: registration year + area code (410300 = 洛阳市) + a sequence of at least six digits.
    -- A sequence never blocks concurrent registrations; a rolled-back registration leaves a gap, which is allowed.
    create sequence contract_certificate_seq;

    create table contracts (
      id bigint generated always as identity primary key,
      contract_no text not null unique
        check (contract_no = btrim(contract_no) and length(contract_no) between 1 and 64),
      certificate_no text not null unique,
      signed_on date not null,
      type text not null check (type in ('development', 'transfer', 'license', 'consulting', 'service')),
      field text not null check (field in ('electronic_information', 'biomedicine', 'aerospace', 'new_materials',
        'hightech_services', 'new_energy', 'resources_environment', 'advanced_manufacturing', 'modern_agriculture',
        'urban_social')),
      seller text not null check (length(btrim(seller)) between 1 and 200),
      seller_type text not null check (seller_type in ('university', 'institute', 'enterprise', 'other')),
      seller_organisation_id bigint references organisations(id),
      buyer text not null check (length(btrim(buyer)) between 1 and 200),
      buyer_organisation_id bigint references organisations(id),
      buyer_region text not null check (length(btrim(buyer_region)) between 1 and 50),
      amount_fen bigint not null check (amount_fen >= 0),
      technical_income_fen bigint not null check (technical_income_fen >= 0 and technical_income_fen <= amount_fen),
      source text not null check (source in ('platform', 'manual', 'import')),
      -- The order a platform contract came from. No foreign key here: the orders table arrives in 0004_ledger.
      order_id bigint unique,
      status text not null default 'registered' check (status in ('registered', 'voided')),
      void_reason text check (void_reason is null or length(btrim(void_reason)) > 0),
      voided_by bigint references users(id),
      voided_at timestamptz,
      registered_by bigint references users(id),
      registered_at timestamptz not null default now(),
      check ((status = 'voided') = (void_reason is not null)),
      check ((status = 'voided') = (voided_at is not null)),
      check ((source = 'platform') = (order_id is not null))
    );
    create index contracts_signed_on_idx on contracts (signed_on, id);
    -- Covers the "by seller" edge days of a range without touching the heap.
    create index contracts_registered_seller_idx on contracts (signed_on)
      include (seller, seller_type, amount_fen, technical_income_fen) where status = 'registered';
    create index contracts_seller_organisation_idx on contracts (seller_organisation_id)
      where seller_organisation_id is not null;
    create index contracts_buyer_organisation_idx on contracts (buyer_organisation_id)
      where buyer_organisation_id is not null;

    create function contracts_assign_certificate() returns trigger language plpgsql as $$
    declare
      seq text;
    begin
      if new.certificate_no is null then
        seq := nextval('contract_certificate_seq')::text;
        new.certificate_no := to_char(new.registered_at at time zone 'Asia/Shanghai', 'YYYY') || '410300'
          || lpad(seq, greatest(6, length(seq)), '0');
      end if;
      return new;
    end $$;
    create trigger contracts_assign_certificate before insert on contracts
      for each row execute function contracts_assign_certificate();

    create function contracts_guard_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        raise exception 'contract % cannot be deleted: void it instead', old.contract_no using errcode = 'P0001';
      end if;
      if old.status = 'voided' then
        raise exception 'contract % is voided and cannot change', old.contract_no using errcode = 'P0001';
      end if;
      if (new.id, new.contract_no, new.certificate_no, new.signed_on, new.type, new.field, new.seller, new.seller_type,
          new.seller_organisation_id, new.buyer, new.buyer_organisation_id, new.buyer_region, new.amount_fen,
          new.technical_income_fen, new.source, new.order_id, new.registered_by, new.registered_at)
        is distinct from
         (old.id, old.contract_no, old.certificate_no, old.signed_on, old.type, old.field, old.seller, old.seller_type,
          old.seller_organisation_id, old.buyer, old.buyer_organisation_id, old.buyer_region, old.amount_fen,
          old.technical_income_fen, old.source, old.order_id, old.registered_by, old.registered_at) then
        raise exception 'contract % is registered: only voiding may change it', old.contract_no using errcode = 'P0001';
      end if;
      return new;
    end $$;
    create trigger contracts_guard_change before update or delete on contracts
      for each row execute function contracts_guard_change();

    ${ROLLUP_TABLES}

    create function contracts_rollup_insert() returns trigger language plpgsql as $$
    begin
      ${applyDelta(`select ${ROW}, 1::bigint as n, amount_fen, technical_income_fen from new_rows where status = 'registered'`)}
      return null;
    end $$;
    create trigger contracts_rollup_insert after insert on contracts
      referencing new table as new_rows for each statement execute function contracts_rollup_insert();

    -- A void (or any other change) subtracts the old registered rows and adds the new registered ones; rollup rows
    -- left at zero contracts are removed so the rollups hold exactly the keys that have registered contracts.
    create function contracts_rollup_update() returns trigger language plpgsql as $$
    begin
      ${applyDelta(`select ${ROW}, 1::bigint as n, amount_fen, technical_income_fen from new_rows where status = 'registered'
          union all
          select ${ROW}, -1::bigint, -amount_fen, -technical_income_fen from old_rows where status = 'registered'`)}
      delete from contract_stats_daily r using old_rows o
        where o.status = 'registered' and r.day = o.signed_on and r.type = o.type and r.field = o.field
          and r.seller_type = o.seller_type and r.buyer_region = o.buyer_region and r.contracts = 0;
      delete from contract_stats_monthly r using old_rows o
        where o.status = 'registered' and r.month = date_trunc('month', o.signed_on)::date and r.type = o.type
          and r.field = o.field and r.seller_type = o.seller_type and r.buyer_region = o.buyer_region
          and r.contracts = 0;
      delete from contract_seller_monthly r using old_rows o
        where o.status = 'registered' and r.month = date_trunc('month', o.signed_on)::date and r.seller = o.seller
          and r.seller_type = o.seller_type and r.contracts = 0;
      return null;
    end $$;
    create trigger contracts_rollup_update after update on contracts
      referencing old table as old_rows new table as new_rows for each statement
      execute function contracts_rollup_update();

    -- TRUNCATE fires no row triggers; the rollups must empty with the contracts.
    create function contracts_rollup_truncate() returns trigger language plpgsql as $$
    begin
      truncate contract_stats_daily, contract_stats_monthly, contract_seller_monthly;
      return null;
    end $$;
    create trigger contracts_rollup_truncate after truncate on contracts
      for each statement execute function contracts_rollup_truncate();

    -- The listing funnel counts results listed / transferred within a date range.
    create index technology_results_listed_at_idx on technology_results (listed_at) where listed_at is not null;
    create index technology_results_transferred_at_idx on technology_results (transferred_at)
      where transferred_at is not null;
  `,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index technology_results_transferred_at_idx;
    drop index technology_results_listed_at_idx;
    drop table contracts, contract_stats_daily, contract_stats_monthly, contract_seller_monthly;
    drop function contracts_rollup_insert, contracts_rollup_update, contracts_rollup_truncate,
      contracts_assign_certificate, contracts_guard_change;
    drop sequence contract_certificate_seq;
  `.execute(db);
}
