import { type Kysely, sql } from "kysely";

// The checkout's ledger postings take effect when the business event happened, not when the database heard of it: a
// voucher hold when the order was placed, a redemption and its payment when the money arrived (the Stripe event, or
// the day on the bank statement the operator confirms from). The bureau's voucher statistics count redemptions by
// their effective time, so a transfer received on the 30th and confirmed on the 2nd belongs to the month it arrived
// in. order_place and order_settle passed no effective time (so: now()); only those arguments change, the rest of each
// function is kept exactly as the database holds it (as in 0011).
const EDITS: { fn: string; from: string; to: string }[] = [
  {
    fn: "order_place",
    from: "h.voucher_id, h.programme_id, null, null, null, array[h.available, h.held]",
    to: "h.voucher_id, h.programme_id, null, null, p_now, array[h.available, h.held]",
  },
  {
    fn: "order_settle",
    from: "h.voucher_id, h.programme_id, null, null, null,\n            array[h.held_account",
    to: "h.voucher_id, h.programme_id, null, null, p_now,\n            array[h.held_account",
  },
  {
    fn: "order_settle",
    from: "case when p_method = 'bank_transfer' then 'bank transfer ' || p_external_ref end, null,",
    to: "case when p_method = 'bank_transfer' then 'bank transfer ' || p_external_ref end, p_now,",
  },
];

async function edit(db: Kysely<unknown>, fn: string, from: string, to: string): Promise<void> {
  const { rows } = await sql<{ definition: string }>`select pg_get_functiondef(${fn}::regproc) as definition`.execute(db);
  const definition = rows[0].definition;
  if (definition.split(from).length !== 2) throw new Error(`${fn} does not post to the ledger as this migration expects`);
  await sql.raw(definition.replace(from, to)).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const e of EDITS) await edit(db, e.fn, e.from, e.to);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const e of [...EDITS].reverse()) await edit(db, e.fn, e.to, e.from);
}
