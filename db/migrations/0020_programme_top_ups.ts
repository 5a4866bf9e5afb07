import { type Kysely, sql } from "kysely";

// 追加预算: a bureau adds budget to a programme that is running out (docs/decisions/0021). Each top-up is a record
// (who, when, how much, why) and a programme_funding posting of exactly that amount. The programme's budget, fixed
// once funded (0004), may now grow, and only by what funding postings made in the same transaction brought in, so it
// always equals what the ledger funded (ledger:check's "programmes").
const FIXED_0004 = `
    create or replace function voucher_programmes_before_update() returns trigger language plpgsql as $$
    begin
      if (new.id, new.bureau_id, new.total_budget_fen, new.voucher_amount_fen)
         is distinct from (old.id, old.bureau_id, old.total_budget_fen, old.voucher_amount_fen) then
        raise exception 'voucher programme %: its bureau, budget and voucher amount are fixed once funded', old.id
          using errcode = 'LG002';
      end if;
      return new;
    end $$;`;

const GROWS_BY_FUNDING = `
    create or replace function voucher_programmes_before_update() returns trigger language plpgsql as $$
    declare
      v_funded bigint;
    begin
      if (new.id, new.bureau_id, new.voucher_amount_fen) is distinct from (old.id, old.bureau_id, old.voucher_amount_fen) then
        raise exception 'voucher programme %: its bureau and voucher amount are fixed once funded', old.id
          using errcode = 'LG002';
      end if;
      if new.total_budget_fen is distinct from old.total_budget_fen then
        select coalesce(sum(e.amount), 0) into v_funded
          from ledger_transactions t
          join ledger_entries e on e.transaction_id = t.id
          join ledger_accounts a on a.id = e.account_id and a.purpose = 'programme_fund'
         where t.programme_id = old.id and t.kind = 'programme_funding' and t.created_txid = txid_current();
        if new.total_budget_fen < old.total_budget_fen or new.total_budget_fen - old.total_budget_fen <> v_funded then
          raise exception 'voucher programme %: its budget only grows, by what a funding posting in the same transaction brings in (% now)',
            old.id, v_funded using errcode = 'LG002';
        end if;
      end if;
      return new;
    end $$;`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(GROWS_BY_FUNDING).execute(db);
  await sql`
    create table programme_top_ups (
      id bigint generated always as identity primary key,
      programme_id bigint not null references voucher_programmes(id),
      amount_fen bigint not null check (amount_fen > 0),
      reason text not null check (reason = btrim(reason) and length(reason) between 1 and 200),
      added_by bigint not null references users(id),
      added_at timestamptz not null default now()
    );
    create index programme_top_ups_programme_idx on programme_top_ups (programme_id, id);
    create trigger programme_top_ups_append_only before update or delete on programme_top_ups
      for each row execute function ledger_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table programme_top_ups`.execute(db);
  await sql.raw(FIXED_0004).execute(db);
}
