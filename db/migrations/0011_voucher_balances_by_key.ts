import { type Kysely, sql } from "kysely";

// order_place reads the chosen vouchers' balances again under their locks. Written as a join of the chosen ids to the
// accounts, its generic plan fetched the available-balance account of every voucher in the market and hashed them, so
// each checkout cost more the more vouchers the bureau had issued. It now looks each chosen voucher's account up by
// key. Only that statement changes: the rest of order_place is kept exactly as the database holds it.
const JOINED = `select array_agg(coalesce(a.balance, 0) order by c.ord) into v_now_balances
          from unnest(p_vouchers) with ordinality as c(voucher_id, ord)
          left join ledger_accounts a on a.voucher_id = c.voucher_id and a.purpose = 'voucher_available';`;

const BY_KEY = `select array_agg(coalesce((select a.balance from ledger_accounts a
                                    where a.voucher_id = c.voucher_id and a.purpose = 'voucher_available'), 0)
                         order by c.ord) into v_now_balances
          from unnest(p_vouchers) with ordinality as c(voucher_id, ord);`;

async function replaceInOrderPlace(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  const { rows } = await sql<{ definition: string }>`select pg_get_functiondef('order_place'::regproc) as definition`.execute(db);
  const definition = rows[0].definition;
  if (!definition.includes(from)) throw new Error("order_place does not read the voucher balances as this migration expects");
  await sql.raw(definition.replace(from, to)).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceInOrderPlace(db, JOINED, BY_KEY);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await replaceInOrderPlace(db, BY_KEY, JOINED);
}
