import { type Kysely, sql } from "kysely";

// 收款账户: the bank account an institution is paid into, for the operator's payouts and the bureau's reimbursements
// (docs/decisions/0019). One current account per organisation, in the organisation's own name; every change is in the
// audit log, and the payers see when it last changed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table payee_accounts (
      organisation_id bigint primary key references organisations(id),
      account_name text not null check (account_name = btrim(account_name) and length(account_name) between 1 and 100),
      bank_name text not null check (bank_name = btrim(bank_name) and length(bank_name) between 2 and 100),
      account_number text not null check (account_number ~ '^[0-9]{8,32}$'),
      updated_by bigint not null references users(id),
      updated_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table payee_accounts`.execute(db);
}
