import { type Kysely, sql } from "kysely";

// 抽查: the bureau draws a sample of a programme's voucher-paid purchases in a period and reviews each one's papers.
// The draw is recorded with its random seed, so anyone can repeat it and see that the sample was not picked by hand;
// the orders of suspected related parties are always drawn. Each drawn purchase is reviewed once: compliant, or
// irregular with the finding. A check is never edited or deleted.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table spot_checks (
      id bigint generated always as identity primary key,
      programme_id bigint not null references voucher_programmes(id),
      period_from date not null,
      period_to date not null,
      sample_size integer not null check (sample_size between 1 and 200),
      population integer not null check (population >= 0),
      seed text not null check (seed ~ '^[0-9a-f]{32}$'),
      drawn_by bigint not null references users(id),
      drawn_at timestamptz not null default now(),
      check (period_from <= period_to)
    );
    create index spot_checks_programme_idx on spot_checks (programme_id, drawn_at desc);

    create table spot_check_items (
      spot_check_id bigint not null references spot_checks(id),
      order_id bigint not null references orders(id),
      drawn_because text not null check (drawn_because in ('random', 'suspected')),
      outcome text not null default 'pending' check (outcome in ('pending', 'compliant', 'irregular')),
      finding text check (finding is null or (finding = btrim(finding) and length(finding) between 1 and 200)),
      reviewed_by bigint references users(id),
      reviewed_at timestamptz,
      primary key (spot_check_id, order_id),
      check ((outcome = 'pending') = (reviewed_at is null) and (reviewed_at is null) = (reviewed_by is null)),
      check (outcome <> 'irregular' or finding is not null)
    );
    create index spot_check_items_order_idx on spot_check_items (order_id);

    -- A review is given once; the draw itself never changes.
    create function spot_check_items_review_once() returns trigger language plpgsql as $$
    begin
      if old.outcome <> 'pending' or (new.spot_check_id, new.order_id, new.drawn_because)
           is distinct from (old.spot_check_id, old.order_id, old.drawn_because) then
        raise exception 'spot check %: order % was already reviewed, or its draw was changed', old.spot_check_id, old.order_id
          using errcode = 'SC001';
      end if;
      return new;
    end $$;
    create trigger spot_check_items_review_once before update on spot_check_items
      for each row execute function spot_check_items_review_once();
    create trigger spot_check_items_no_delete before delete on spot_check_items
      for each row execute function ledger_refuse_change();
    create trigger spot_checks_append_only before update or delete on spot_checks
      for each row execute function ledger_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table spot_check_items;
    drop table spot_checks;
    drop function spot_check_items_review_once();
  `.execute(db);
}
