import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import {
  CheckoutError,
  expireOrder,
  markOrderPaid,
  markPaymentFailed,
  refundOrder,
  startCheckout,
  type StartCheckoutInput,
} from "../../app/services/checkout";
import { expireVoucher } from "../../app/services/ledger";
import { describeEachEngine } from "../helpers/db";
import { asActor, asBuyer, createMarket, footprint, listedResult, voucherFor, type Market } from "./checkout-fixtures";
import { createTestProgramme, issueVoucher } from "./ledger-fixtures";

// The issue's "Bad input": each refusal names what is wrong and changes nothing at all.

describeEachEngine("checkout bad input", (db) => {
  let m: Market;
  let resultId: number;
  let voucherId: number;

  beforeAll(async () => {
    m = await createMarket(db());
    resultId = await listedResult(db(), m, [
      { mode: "nonexclusive_license", price_fen: 10_000_000 },
      { mode: "assignment", price_fen: 100_000_000 },
      { mode: "development", price_fen: null },
    ]);
    voucherId = (await voucherFor(db(), m, m.buyer)).voucherId;
  });

  /** Expects the call to throw a CheckoutError like `expected` and the database to be exactly as before. */
  async function refused(call: () => Promise<unknown>, expected: Partial<Pick<CheckoutError, "kind" | "key" | "field">> & { params?: object }) {
    const before = await footprint(db());
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, `expected a refusal ${JSON.stringify(expected)}`).toBeInstanceOf(CheckoutError);
    expect(error).toMatchObject(expected);
    expect(await footprint(db())).toEqual(before);
  }

  const buy = (input: Partial<StartCheckoutInput>, who = m.buyer) =>
    startCheckout(db(), asBuyer(who), { resultId, mode: "nonexclusive_license", method: "card", cardEnabled: true, voucherIds: [voucherId], ...input });

  it("voucher amounts that are negative, zero, fractional fen or not a number", async () => {
    await refused(() => buy({ voucherAmountFen: -100 }), { kind: "invalid", key: "checkout.error.amountNegative", field: "voucherAmount" });
    await refused(() => buy({ voucherAmountFen: 0 }), { kind: "invalid", key: "checkout.error.amountZero", field: "voucherAmount" });
    await refused(() => buy({ voucherAmountFen: 100.5 }), { kind: "invalid", key: "checkout.error.amountFraction", field: "voucherAmount" });
    await refused(() => buy({ voucherAmountFen: Number.NaN }), { kind: "invalid", key: "checkout.error.amountNotNumber", field: "voucherAmount" });
    await refused(() => buy({ voucherAmountFen: 100, voucherIds: [] }), { kind: "invalid", key: "vouchers.error.noVoucherChosen" });
  });

  it("voucher amounts above the voucher's balance, the yearly cap or the coverage ratio", async () => {
    // Price 10万, coverage 50%: the ratio allows 5万; the voucher holds 10万.
    await refused(() => buy({ voucherAmountFen: 5_000_001 }), { key: "checkout.error.aboveCoverage", params: { max: 5_000_000 }, field: "voucherAmount" });
    // Price 100万: the ratio allows 50万, the yearly cap 20万, the voucher 10万.
    await refused(() => buy({ mode: "assignment", voucherAmountFen: 10_000_001 }), { key: "checkout.error.aboveBalance", params: { max: 10_000_000 } });
    // A second voucher makes the balance 20万 and a tight programme's cap decides.
    const tight = await createTestProgramme(db(), asActor(m.bureau), { yearlyCap: "150000", voucherAmount: "100000", qualifyingModes: ["assignment"] });
    const a = await issueVoucher(db(), tight, asActor(m.otherBuyer), asActor(m.bureau));
    const b = await issueVoucher(db(), tight, asActor(m.otherBuyer), asActor(m.bureau));
    await refused(
      () => buy({ mode: "assignment", voucherIds: [a.voucherId, b.voucherId], voucherAmountFen: 15_000_001 }, m.otherBuyer),
      { key: "checkout.error.aboveCap", params: { max: 15_000_000 } },
    );
  });

  it("expired, foreign and used-up vouchers", async () => {
    // A programme whose last day is today: its voucher has expired tomorrow.
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const shortLived = await createTestProgramme(db(), asActor(m.bureau), { validTo: today });
    const old = await issueVoucher(db(), shortLived, asActor(m.buyer), asActor(m.bureau));
    const tomorrow = new Date(Date.now() + 86_400_000);
    await refused(() => buy({ voucherIds: [old.voucherId], now: tomorrow }), { kind: "invalid", key: "vouchers.error.voucherExpired", field: "vouchers" });
    await expireVoucher(db(), { voucherId: old.voucherId, now: tomorrow });
    await refused(() => buy({ voucherIds: [old.voucherId] }), { key: "vouchers.error.voucherExpired" });

    const foreign = await voucherFor(db(), m, m.otherBuyer);
    await refused(() => buy({ voucherIds: [foreign.voucherId] }), { kind: "invalid", key: "vouchers.error.voucherNotYours" });
    await refused(() => buy({ voucherIds: [999_999_999] }), { key: "vouchers.error.voucherNotYours" });
    await refused(() => buy({ voucherIds: [voucherId, voucherId] }), { key: "vouchers.error.duplicateVoucher" });
    await refused(() => buy({ voucherIds: [voucherId, foreign.voucherId] }), { key: "vouchers.error.voucherNotYours" });

    // Spend a voucher completely (50% of 40万 is more than its 10万), then try it again.
    const spender = m.otherBuyer;
    const full = await voucherFor(db(), m, spender);
    const big = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 40_000_000 }]);
    const spent = await startCheckout(db(), asBuyer(spender), { resultId: big, mode: "nonexclusive_license", voucherIds: [full.voucherId], method: "bank_transfer", cardEnabled: false });
    expect(spent.voucherPartFen).toBe(10_000_000);
    await refused(() => buy({ voucherIds: [full.voucherId] }, spender), { kind: "invalid", key: "vouchers.error.voucherUsedUp", field: "vouchers" });
    await markOrderPaid(db(), { orderId: spent.orderId, method: "bank_transfer", amountFen: 30_000_000, externalRef: "B-1", idempotencyKey: "confirm-spent" });
    await refused(() => buy({ voucherIds: [full.voucherId] }, spender), { key: "vouchers.error.voucherUsedUp" });
  });

  it("a second checkout of a reserved result, and what is not on sale", async () => {
    const exclusive = await listedResult(db(), m, [{ mode: "exclusive_license", price_fen: 2_000_000 }]);
    await startCheckout(db(), asBuyer(m.otherBuyer), { resultId: exclusive, mode: "exclusive_license", method: "card", cardEnabled: true });
    await refused(() => buy({ resultId: exclusive, mode: "exclusive_license", voucherIds: [] }), { kind: "conflict", key: "checkout.error.reserved", field: "resultId" });
    await refused(() => buy({ resultId: 999_999_999, voucherIds: [] }), { kind: "not_found", key: "checkout.error.resultNotFound" });
    await refused(() => buy({ resultId: -1, voucherIds: [] }), { kind: "not_found" });
    await refused(() => buy({ mode: "equity", voucherIds: [] }), { kind: "invalid", key: "checkout.error.modeNotOffered", field: "mode" });
    await refused(() => buy({ mode: "development", voucherIds: [] }), { kind: "invalid", key: "checkout.error.negotiable" });
    await refused(() => buy({ mode: "barter" as never, voucherIds: [] }), { kind: "invalid", key: "checkout.error.modeUnknown" });
    await refused(() => buy({ method: "cash" as never, voucherIds: [] }), { kind: "invalid", key: "checkout.error.methodUnknown" });
    await refused(() => buy({ cardEnabled: false, voucherIds: [] }), { kind: "invalid", key: "checkout.error.cardUnavailable", field: "method" });

    // Publicity: a state-funded result with a negotiated price is not sold in its first 15 days.
    const publicised = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 1_000_000 }, { mode: "service", price_fen: null }], { stateFunded: true });
    await refused(() => buy({ resultId: publicised, voucherIds: [] }), { kind: "conflict", key: "checkout.error.publicity" });
    const later = await buy({ resultId: publicised, voucherIds: [], now: new Date(Date.now() + 16 * 86_400_000) });
    expect(later.status).toBe("pending");
    await expireOrder(db(), { orderId: later.orderId, reason: "cancelled", idempotencyKey: "cancel-later" });

    // Stale: not re-confirmed for 180 days.
    await refused(() => buy({ voucherIds: [], now: new Date(Date.now() + 181 * 86_400_000) }), { kind: "conflict", key: "checkout.error.stale" });
    // Withdrawn.
    const withdrawn = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 1_000_000 }]);
    await sql`update technology_results set status = 'withdrawn' where id = ${withdrawn}`.execute(db());
    await refused(() => buy({ resultId: withdrawn, voucherIds: [] }), { kind: "conflict", key: "checkout.error.notListed" });
  });

  it("payment reports: unknown orders, wrong amounts and methods, bad keys", async () => {
    const key = { externalRef: "pi_x", idempotencyKey: "evt-bad-1" };
    await refused(() => markOrderPaid(db(), { orderId: 987_654_321, method: "card", amountFen: 100, ...key }), { kind: "not_found", key: "checkout.error.orderNotFound" });
    await refused(() => markOrderPaid(db(), { orderId: 0, method: "card", amountFen: 100, ...key }), { kind: "not_found" });
    await refused(() => markPaymentFailed(db(), { orderId: 987_654_321, ...key }), { kind: "not_found" });
    await refused(() => expireOrder(db(), { orderId: 987_654_321, reason: "checkout_expired", idempotencyKey: "x" }), { kind: "not_found" });
    await refused(() => refundOrder(db(), { orderId: 987_654_321, ...key }), { kind: "not_found" });

    const order = await buy({ voucherIds: [voucherId] });
    expect(order.cashDueFen).toBe(5_000_000);
    const pay = (over: Partial<Parameters<typeof markOrderPaid>[1]>) =>
      markOrderPaid(db(), { orderId: order.orderId, method: "card", amountFen: 5_000_000, ...key, ...over });
    await refused(() => pay({ amountFen: -5_000_000 }), { kind: "invalid", key: "checkout.error.amountNegative", field: "amountFen" });
    await refused(() => pay({ amountFen: 0 }), { kind: "invalid", key: "checkout.error.amountZero" });
    await refused(() => pay({ amountFen: 4_999_999.5 }), { kind: "invalid", key: "checkout.error.amountFraction" });
    await refused(() => pay({ amountFen: 5_000_001 }), { kind: "invalid", key: "checkout.error.amountMismatch", params: { expected: 5_000_000, got: 5_000_001 } });
    await refused(() => pay({ method: "bank_transfer" }), { kind: "invalid", key: "checkout.error.methodMismatch" });
    await refused(() => pay({ externalRef: "  " }), { kind: "invalid", field: "externalRef" });
    await refused(() => pay({ idempotencyKey: "" }), { kind: "invalid", field: "idempotencyKey" });
    await refused(() => refundOrder(db(), { orderId: order.orderId, ...key }), { kind: "conflict", key: "checkout.error.notRefundable" });
    await refused(() => expireOrder(db(), { orderId: order.orderId, reason: "bored" as never, idempotencyKey: "x" }), { kind: "invalid", key: "checkout.error.reasonUnknown" });

    await pay({});
    // The key of this payment reused for another order is a caller's bug, refused.
    const other = await buy({ voucherIds: [] });
    await refused(() => markOrderPaid(db(), { orderId: other.orderId, method: "card", amountFen: 10_000_000, ...key }), {
      kind: "invalid",
      key: "checkout.error.keyOfOtherOrder",
    });
  });
});
