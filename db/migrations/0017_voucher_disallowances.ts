import { type Kysely, sql } from "kysely";

// 核减: the bureau disallows the voucher part of a purchase a spot check found irregular (docs/decisions/0017). What
// the programme owed the institution for it goes back to the programme's budget, under its own ledger kind, before
// it is reimbursed; a purchase is disallowed once, with who, when and why, and the record is never changed.
const RULE_FROM = `'voucher_expiry', 'voucher_revocation', 'card_payment',`;
const RULE_TO = `'voucher_expiry', 'voucher_revocation', 'voucher_disallowance', 'card_payment',`;

async function editRule(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  const { rows } = await sql<{ definition: string }>`
    select pg_get_functiondef('ledger_transactions_rule_broken(ledger_transactions)'::regprocedure) as definition`.execute(db);
  if (rows[0].definition.split(from).length !== 2) throw new Error("ledger_transactions_rule_broken does not read as this migration expects");
  await sql.raw(rows[0].definition.replace(from, to)).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await editRule(db, RULE_FROM, RULE_TO);
  await sql`
    create table voucher_disallowances (
      order_id bigint primary key references orders(id),
      spot_check_id bigint not null,
      amount_fen bigint not null check (amount_fen > 0),
      reason text not null check (reason = btrim(reason) and length(reason) between 1 and 200),
      decided_by bigint not null references users(id),
      decided_at timestamptz not null default now(),
      foreign key (spot_check_id, order_id) references spot_check_items (spot_check_id, order_id)
    );
    create index voucher_disallowances_spot_check_idx on voucher_disallowances (spot_check_id);
    create trigger voucher_disallowances_append_only before update or delete on voucher_disallowances
      for each row execute function ledger_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table voucher_disallowances`.execute(db);
  await editRule(db, RULE_TO, RULE_FROM);
}
