import { sql, type Kysely } from "kysely";
import { beforeAll, expect, it } from "vitest";
import type { DB } from "../../db/schema";
import { makeMember } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";
import { asBuyer, createMarket, listedResult, voucherFor, type Market } from "./checkout-fixtures";

// A checkout touches the buyer's vouchers and the seller's accounts, never the rest of the market: its cost must not
// grow with the number of vouchers the bureau has issued. Counted with the statistics PostgreSQL keeps for the current
// transaction: the ledger_accounts rows order_place reads.

const PRICE_FEN = 8_000_000;
const VOUCHER_PART_FEN = 100_000;

/** Account rows read so far in this transaction, by sequential and index scans. */
async function accountRowsRead(trx: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select (coalesce(sum(seq_tup_read), 0) + coalesce(sum(idx_tup_fetch), 0))::int8 as n
      from pg_stat_xact_user_tables where relname = 'ledger_accounts'`.execute(trx);
  return rows[0].n;
}

/** Places an order with a voucher part through order_place, as startCheckout does; answers the account rows it read. */
async function rowsReadPlacingOrder(db: Kysely<DB>, market: Market, resultId: number, voucherId: number): Promise<number> {
  const buyer = asBuyer(market.buyer);
  return db.transaction().execute(async (trx) => {
    const basis = await sql<{ balance: number; cap_used: number; seller: number }>`
      select (select balance from ledger_accounts where voucher_id = ${voucherId} and purpose = 'voucher_available') as balance,
             voucher_cap_used(${buyer.organisationId}, ${market.programmeId}, now()) as cap_used,
             (select institution_id from technology_results where id = ${resultId}) as seller`.execute(trx);
    const { balance, cap_used: capUsed, seller } = basis.rows[0];
    const before = await accountRowsRead(trx);
    const placed = await sql<{ outcome: string }>`
      select * from order_place(${resultId}::bigint, 'nonexclusive_license', null, ${buyer.organisationId}::bigint,
        ${buyer.userId}::bigint, ${seller}::bigint, ${PRICE_FEN}::bigint, ${VOUCHER_PART_FEN}::bigint, ${market.programmeId}::bigint,
        'card', now() + interval '30 minutes', now(), array[${voucherId}]::bigint[], array[${balance}]::bigint[],
        ${capUsed}::bigint, array[${voucherId}]::bigint[], array[${VOUCHER_PART_FEN}]::bigint[], null)`.execute(trx);
    expect(placed.rows[0].outcome).toBe("placed");
    return (await accountRowsRead(trx)) - before;
  });
}

describeEachEngine("checkout at the market's scale", (db) => {
  let m: Market;
  beforeAll(async () => {
    m = await createMarket(db());
  });

  it("placing an order reads as many ledger accounts with 40 other vouchers in the market as with none", async () => {
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: PRICE_FEN }]);
    const { voucherId } = await voucherFor(db(), m, m.buyer);
    const alone = await rowsReadPlacingOrder(db(), m, resultId, voucherId);
    expect(alone).toBeGreaterThan(0);

    for (let i = 0; i < 40; i++) await voucherFor(db(), m, await makeMember(db(), "enterprise"));
    const crowded = await rowsReadPlacingOrder(db(), m, resultId, voucherId);
    expect(crowded, `rows read with one voucher in the market: ${alone}`).toBeLessThanOrEqual(alone + 2);
  });
});
