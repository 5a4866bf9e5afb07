import { type Kysely, sql } from "kysely";

// The checkout's functions and the ledger's commit check run on cached generic plans (docs/decisions/0010). Under the
// default plan_cache_mode a statement with parameters is planned afresh whenever its generic plan looks dearer than the
// custom ones, and with enable_seqscan off (0006) that comparison went to custom plans for good: measured with
// pg_stat_statements, the balance check at commit was planned on 95% of its runs, the cap query and completion's
// hold lookup on most of theirs, together a quarter of the database's CPU in the checkout bench. Every statement in
// these functions looks rows up by key, so one plan per session serves every call.
const FUNCTIONS = [
  "order_settle(bigint, text, bigint, text, text, bigint, timestamptz, date, boolean, jsonb)",
  "voucher_cap_used(bigint, bigint, timestamptz)",
  "ledger_transactions_check()",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const fn of FUNCTIONS) await sql.raw(`alter function ${fn} set plan_cache_mode = force_generic_plan`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const fn of FUNCTIONS) await sql.raw(`alter function ${fn} reset plan_cache_mode`).execute(db);
}
