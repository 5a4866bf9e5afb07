import { type Kysely, sql } from "kysely";

// 机构结算: the operator pays each institution what the platform collected for it (its institution_payable account:
// card and bank payments less the platform fee). A payout is a record of money sent from the platform's bank account,
// with the bank's reference; the ledger posts it in the same database transaction (key institution-payout:<id>).
// Like the ledger, payouts are never changed or deleted: money sent by mistake comes back as a payment, not an edit.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table institution_payouts (
      id bigint generated always as identity primary key,
      institution_id bigint not null references organisations(id),
      amount_fen bigint not null check (amount_fen > 0),
      bank_reference text not null
        check (bank_reference = btrim(bank_reference) and length(bank_reference) between 1 and 64),
      note text check (note is null or length(note) between 1 and 500),
      paid_by bigint not null references users(id),
      paid_at timestamptz not null default now(),
      constraint institution_payouts_bank_reference_key unique (bank_reference)
    );
    create index institution_payouts_institution_idx on institution_payouts (institution_id, paid_at desc, id desc);
    create trigger institution_payouts_append_only before update or delete on institution_payouts
      for each row execute function ledger_refuse_change();
    create trigger institution_payouts_no_truncate before truncate on institution_payouts
      for each statement execute function ledger_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table institution_payouts`.execute(db);
}
