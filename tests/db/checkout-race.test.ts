import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../app/services/accounts/types";
import { CheckoutError, markOrderPaid, cancelOrder, startCheckout, type StartedCheckout } from "../../app/services/checkout";
import { ledgerCheck } from "../../app/services/ledger";
import type { Database } from "../../db/client";
import { makeMember } from "../helpers/catalogue";
import { createTestDatabase, testEngines, type TestDatabase } from "../helpers/db";
import { asBuyer, balance, createMarket, listedResult, resultStatus, voucherFor, type Market } from "./checkout-fixtures";

// Races on a PostgreSQL server with real parallel connections (PGlite is one connection, so nothing can race there).

const onServer = testEngines.includes("postgres");

function settle<T>(results: PromiseSettledResult<T>[]) {
  const ok = results.filter((r): r is PromiseFulfilledResult<T> => r.status === "fulfilled").map((r) => r.value);
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as unknown);
  return { ok, errors };
}

describe.skipIf(!onServer)("checkout under concurrency [postgres]", () => {
  let handle: TestDatabase;
  let db: Database;
  let m: Market;
  let buyers: SessionUser[];

  beforeAll(async () => {
    handle = await createTestDatabase("postgres", { maxConnections: 60 });
    db = handle.db;
    m = await createMarket(db);
    buyers = [];
    for (let i = 0; i < 50; i++) buyers.push(await makeMember(db, "enterprise", `竞买企业${i}-${Math.random().toString(36).slice(2, 6)}`));
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
  });

  it("50 buyers race for one exclusive result: exactly one order proceeds, to exactly one contract", async () => {
    const resultId = await listedResult(db, m, [{ mode: "assignment", price_fen: 20_000_000 }]);
    // Half the buyers bring a voucher, so the losers' refusals must also leave their vouchers untouched.
    const vouchers = new Map<number, number>();
    for (const b of buyers.slice(0, 25)) vouchers.set(b.id, (await voucherFor(db, m, b)).voucherId);

    const started = settle(
      await Promise.allSettled(
        buyers.map((b) =>
          startCheckout(db, asBuyer(b), {
            resultId,
            mode: "assignment",
            voucherIds: vouchers.has(b.id) ? [vouchers.get(b.id) as number] : [],
            method: "card",
            cardEnabled: true,
          }),
        ),
      ),
    );
    expect(started.ok).toHaveLength(1);
    expect(started.errors).toHaveLength(49);
    for (const e of started.errors) {
      expect(e).toBeInstanceOf(CheckoutError);
      expect(e).toMatchObject({ kind: "conflict", key: "checkout.error.reserved" });
    }
    const winner = started.ok[0];
    expect(await resultStatus(db, resultId)).toBe("reserved");
    expect(await db.selectFrom("orders").select("id").where("result_id", "=", resultId).execute()).toHaveLength(1);
    expect(await db.selectFrom("result_reservations").select("order_id").where("result_id", "=", resultId).execute()).toHaveLength(1);
    // Losers' vouchers are whole: nothing was held for them.
    const winnerBuyer = (await db.selectFrom("orders").select("buyer_user_id").where("id", "=", winner.orderId).executeTakeFirstOrThrow()).buyer_user_id;
    for (const [userId, voucherId] of vouchers) {
      if (userId !== winnerBuyer) expect(await balance(db, `voucher:${voucherId}:voucher_available`)).toBe(10_000_000);
    }

    // The payment is reported 50 times at once (duplicate and out-of-order webhook deliveries): one completion.
    const paid = settle(
      await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          markOrderPaid(db, { orderId: winner.orderId, method: "card", amountFen: winner.cashDueFen, externalRef: "pi_race", idempotencyKey: `evt-race-${i % 7}` }),
        ),
      ),
    );
    expect(paid.errors).toEqual([]);
    expect(paid.ok.filter((p) => !p.alreadyDone)).toHaveLength(1);
    expect(new Set(paid.ok.map((p) => p.contractId)).size).toBe(1);
    expect(await db.selectFrom("contracts").select("id").where("order_id", "=", winner.orderId).execute()).toHaveLength(1);
    expect(await resultStatus(db, resultId)).toBe("transferred");
    expect((await ledgerCheck(db)).violations).toEqual([]);
  });

  it("50 buyers race through the whole purchase at once: one contract for the exclusive result", async () => {
    const resultId = await listedResult(db, m, [{ mode: "exclusive_license", price_fen: 3_000_000 }]);
    const outcomes = settle(
      await Promise.allSettled(
        buyers.map(async (b, i) => {
          const s = await startCheckout(db, asBuyer(b), { resultId, mode: "exclusive_license", method: "bank_transfer", cardEnabled: false });
          return markOrderPaid(db, { orderId: s.orderId, method: "bank_transfer", amountFen: s.cashDueFen, externalRef: `BANK-${i}`, idempotencyKey: `confirm-${i}` });
        }),
      ),
    );
    expect(outcomes.ok).toHaveLength(1);
    expect(outcomes.errors.filter((e) => !(e instanceof CheckoutError))).toEqual([]);
    expect(outcomes.errors.every((e) => e instanceof CheckoutError && e.kind === "conflict")).toBe(true);
    const contracts = await db
      .selectFrom("contracts as c")
      .innerJoin("orders as o", "o.id", "c.order_id")
      .select("c.id")
      .where("o.result_id", "=", resultId)
      .execute();
    expect(contracts).toHaveLength(1);
    expect(await resultStatus(db, resultId)).toBe("transferred");
  });

  it("50 concurrent checkouts draw on one voucher: it never goes below zero and no more is redeemed than issued", async () => {
    const buyer = buyers[30];
    const voucher = await voucherFor(db, m, buyer); // 10万 = 10,000,000 fen
    const resultIds: number[] = [];
    for (let i = 0; i < 5; i++) resultIds.push(await listedResult(db, m, [{ mode: "nonexclusive_license", price_fen: 1_000_000 + i }]));

    const attempts = settle(
      await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          startCheckout(db, asBuyer(buyer), {
            resultId: resultIds[i % 5],
            mode: "nonexclusive_license",
            voucherIds: [voucher.voucherId],
            voucherAmountFen: 300_000,
            method: "card",
            cardEnabled: true,
          }),
        ),
      ),
    );
    expect(attempts.ok).toHaveLength(33); // floor(10,000,000 / 300,000)
    for (const e of attempts.errors) expect(e).toMatchObject({ kind: "invalid", key: "checkout.error.aboveBalance", params: { max: 100_000 } });
    expect(await balance(db, `voucher:${voucher.voucherId}:voucher_available`)).toBe(100_000);
    expect(await balance(db, `voucher:${voucher.voucherId}:voucher_held`)).toBe(9_900_000);

    // Then, all at once, the rest of the voucher is drawn by "as much as it may pay" checkouts while the first 33 settle:
    // odd ones paid, even ones cancelled.
    const settleAll = attempts.ok.map((s: StartedCheckout, i) =>
      i % 2 === 1
        ? markOrderPaid(db, { orderId: s.orderId, method: "card", amountFen: s.cashDueFen, externalRef: `pi_v_${i}`, idempotencyKey: `evt-v-${i}` })
        : cancelOrder(db, asBuyer(buyer), s.orderId),
    );
    const drains = Array.from({ length: 17 }, (_, i) =>
      startCheckout(db, asBuyer(buyer), { resultId: resultIds[i % 5], mode: "nonexclusive_license", voucherIds: [voucher.voucherId], method: "card", cardEnabled: true }),
    );
    const [settled, drained] = await Promise.all([Promise.allSettled(settleAll), Promise.allSettled(drains)]);
    expect(settle(settled).errors).toEqual([]);
    const drainedOk = settle(drained).ok;
    for (const e of settle(drained).errors) expect(e).toMatchObject({ kind: "invalid", key: "vouchers.error.voucherUsedUp" });

    const entries = await db
      .selectFrom("ledger_entries as e")
      .innerJoin("ledger_accounts as a", "a.id", "e.account_id")
      .select(["e.balance_after"])
      .where("a.voucher_id", "=", voucher.voucherId)
      .execute();
    expect(Math.min(...entries.map((e) => e.balance_after))).toBeGreaterThanOrEqual(0);

    const redeemed = await db
      .selectFrom("orders")
      .select((eb) => eb.fn.sum<number>("voucher_part_fen").as("sum"))
      .where("buyer_organisation_id", "=", buyer.organisationId)
      .where("status", "=", "completed")
      .executeTakeFirstOrThrow();
    expect(Number(redeemed.sum)).toBe(16 * 300_000);
    const held = drainedOk.reduce((s, d) => s + d.voucherPartFen, 0);
    expect(held + Number(redeemed.sum) + (await balance(db, `voucher:${voucher.voucherId}:voucher_available`))).toBe(10_000_000);
    expect(await balance(db, `voucher:${voucher.voucherId}:voucher_held`)).toBe(held);
    expect((await ledgerCheck(db)).violations).toEqual([]);
  });
});
