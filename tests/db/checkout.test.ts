import { beforeAll, describe, expect, it } from "vitest";
import {
  bankReference,
  cancelOrder,
  CheckoutError,
  expireLapsedOrders,
  expireOrder,
  markOrderPaid,
  markPaymentFailed,
  parseBankReference,
  refundOrder,
  startCheckout,
  attachStripeSession,
  findOrderByStripeSession,
  previewCheckout,
} from "../../app/services/checkout";
import { ledgerCheck } from "../../app/services/ledger";
import { describeEachEngine } from "../helpers/db";
import { outboxVersion } from "../helpers/catalogue";
import { asActor, asBuyer, balance, createMarket, listedResult, orderRow, resultStatus, voucherFor, type Market } from "./checkout-fixtures";
import { createTestProgramme, issueVoucher } from "./ledger-fixtures";

const FEE_BPS = 100; // PLATFORM_FEE_BPS default

describe("bank reference codes", () => {
  it("is KJ + the 8-digit order number + a Luhn check digit, and a typo is caught", () => {
    expect(bankReference(42)).toMatch(/^KJ00000042\d$/);
    expect(parseBankReference(bankReference(42))).toBe(42);
    expect(parseBankReference(` kj-0000 0042${bankReference(42).slice(-1)} `)).toBe(42);
    const ref = bankReference(12345678);
    const typo = ref.slice(0, 5) + String((Number(ref[5]) + 1) % 10) + ref.slice(6);
    expect(parseBankReference(typo)).toBeNull();
    const swapped = `KJ00000024${bankReference(42).slice(-1)}`;
    expect(parseBankReference(swapped)).toBeNull();
    expect(parseBankReference("KJ123")).toBeNull();
  });
});

describeEachEngine("checkout", (db) => {
  let m: Market;
  beforeAll(async () => {
    m = await createMarket(db());
  });

  it("buy now, non-exclusive, voucher + card: held while pending, completed by the payment into a contract and a balanced ledger", async () => {
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 8_000_000 }]);
    const voucher = await voucherFor(db(), m, m.buyer);
    const outboxBefore = await outboxVersion(db(), resultId);

    const preview = await previewCheckout(db(), asBuyer(m.buyer), { resultId, mode: "nonexclusive_license" });
    expect(preview.block).toBeNull();
    expect(preview.selectedVoucherIds).toEqual([voucher.voucherId]);
    expect(preview.voucherQuote?.voucherPartFen).toBe(4_000_000); // 50% of 8万; the voucher holds 10万

    const started = await startCheckout(db(), asBuyer(m.buyer), {
      resultId,
      mode: "nonexclusive_license",
      voucherIds: [voucher.voucherId],
      method: "card",
      cardEnabled: true,
    });
    expect(started).toMatchObject({ status: "pending", paymentMethod: "card", priceFen: 8_000_000, voucherPartFen: 4_000_000, cashDueFen: 4_000_000 });
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(4_000_000);
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(6_000_000);
    expect(await resultStatus(db(), resultId)).toBe("listed");

    await attachStripeSession(db(), { orderId: started.orderId, sessionId: "cs_test_flow1", url: "https://checkout.stripe.com/c/pay/cs_test_flow1" });
    expect((await findOrderByStripeSession(db(), "cs_test_flow1"))?.id).toBe(started.orderId);

    const paid = await markOrderPaid(db(), {
      orderId: started.orderId,
      method: "card",
      amountFen: 4_000_000,
      externalRef: "pi_test_flow1",
      idempotencyKey: "stripe-evt-flow1",
    });
    expect(paid).toMatchObject({ status: "completed", alreadyDone: false });
    const order = await orderRow(db(), started.orderId);
    expect(order).toMatchObject({ status: "completed", payment_ref: "pi_test_flow1", contract_id: paid.contractId });
    const contract = await db().selectFrom("contracts").selectAll().where("id", "=", paid.contractId as number).executeTakeFirstOrThrow();
    expect(contract).toMatchObject({
      type: "license",
      source: "platform",
      order_id: started.orderId,
      amount_fen: 8_000_000,
      technical_income_fen: 8_000_000,
      seller_organisation_id: m.seller.organisationId,
      buyer_organisation_id: m.buyer.organisationId,
      status: "registered",
    });
    expect(contract.certificate_no).toMatch(/\d/);
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(0);
    expect(await balance(db(), `programme:${m.programmeId}:org:${m.seller.organisationId}:voucher_reimbursable`)).toBe(4_000_000);
    const fee = Math.floor((4_000_000 * FEE_BPS) / 10_000);
    expect(await balance(db(), `org:${m.seller.organisationId}:institution_payable`)).toBe(4_000_000 - fee);
    expect(await resultStatus(db(), resultId)).toBe("listed"); // non-exclusive: still on sale, its document unchanged
    expect(await outboxVersion(db(), resultId)).toBe(outboxBefore);

    // The same webhook again, and another event for the same payment: nothing changes twice.
    const again = await markOrderPaid(db(), {
      orderId: started.orderId,
      method: "card",
      amountFen: 4_000_000,
      externalRef: "pi_test_flow1",
      idempotencyKey: "stripe-evt-flow1",
    });
    expect(again).toMatchObject({ alreadyDone: true, contractId: paid.contractId });
    const late = await expireOrder(db(), { orderId: started.orderId, reason: "checkout_expired", idempotencyKey: "stripe-evt-flow1-expired" });
    expect(late).toMatchObject({ alreadyDone: true, status: "completed" });
    expect(await db().selectFrom("contracts").select("id").where("order_id", "=", started.orderId).execute()).toHaveLength(1);
    expect((await ledgerCheck(db())).violations).toEqual([]);

    // Sold any number of times: a second buyer licenses it too.
    const second = await startCheckout(db(), asBuyer(m.otherBuyer), { resultId, mode: "nonexclusive_license", method: "card", cardEnabled: true });
    expect(second).toMatchObject({ status: "pending", voucherPartFen: 0, cashDueFen: 8_000_000 });
    await cancelOrder(db(), asBuyer(m.otherBuyer), second.orderId);
  });

  it("exclusive, voucher + bank transfer: reserved while the transfer is on its way, transferred once the operator confirms it", async () => {
    const resultId = await listedResult(db(), m, [
      { mode: "assignment", price_fen: 50_000_000 },
      { mode: "nonexclusive_license", price_fen: 8_000_000 },
    ]);
    const buyer = m.otherBuyer;
    const voucher = await voucherFor(db(), m, buyer);
    const now = new Date();
    const started = await startCheckout(db(), asBuyer(buyer), {
      resultId,
      mode: "assignment",
      voucherIds: [voucher.voucherId],
      method: "bank_transfer",
      cardEnabled: false,
      now,
    });
    // coverage 50% of 50万 = 25万, but the voucher has 10万 and the yearly cap 20万: the balance decides.
    expect(started).toMatchObject({ status: "pending", paymentMethod: "bank_transfer", voucherPartFen: 10_000_000, cashDueFen: 40_000_000 });
    expect(started.expiresAt.getTime() - now.getTime()).toBe(3 * 86_400_000);
    expect(await resultStatus(db(), resultId)).toBe("reserved");
    const reservation = await db().selectFrom("result_reservations").selectAll().where("order_id", "=", started.orderId).executeTakeFirstOrThrow();
    expect(reservation).toMatchObject({ state: "active", result_id: resultId });

    // Another buyer cannot start a second checkout of the reserved result, nor buy a licence of it meanwhile.
    for (const mode of ["assignment", "nonexclusive_license"] as const) {
      const refused = await startCheckout(db(), asBuyer(m.buyer), { resultId, mode, method: "bank_transfer", cardEnabled: false }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CheckoutError);
      expect(refused).toMatchObject({ kind: "conflict", key: "checkout.error.reserved" });
    }

    const wrongAmount = await markOrderPaid(db(), {
      orderId: started.orderId,
      method: "bank_transfer",
      amountFen: 39_999_999,
      externalRef: "BANK-20260101-001",
      idempotencyKey: "op-confirm-1",
    }).catch((e: unknown) => e);
    expect(wrongAmount).toMatchObject({ kind: "invalid", key: "checkout.error.amountMismatch", field: "amountFen" });
    expect((await orderRow(db(), started.orderId)).status).toBe("pending");

    const outboxBefore = await outboxVersion(db(), resultId);
    const paid = await markOrderPaid(db(), {
      orderId: started.orderId,
      method: "bank_transfer",
      amountFen: 40_000_000,
      externalRef: "BANK-20260101-001",
      idempotencyKey: "op-confirm-1",
      actorUserId: m.operator.id,
    });
    expect(paid.status).toBe("completed");
    expect(await resultStatus(db(), resultId)).toBe("transferred");
    expect(await outboxVersion(db(), resultId)).toBeGreaterThan(outboxBefore ?? 0); // the storefront hears of the sale
    expect((await db().selectFrom("result_reservations").select("state").where("order_id", "=", started.orderId).executeTakeFirstOrThrow()).state).toBe(
      "converted",
    );
    const contract = await db().selectFrom("contracts").selectAll().where("order_id", "=", started.orderId).executeTakeFirstOrThrow();
    expect(contract).toMatchObject({ type: "transfer", amount_fen: 50_000_000, registered_by: m.operator.id });
    const bankTx = await db().selectFrom("ledger_transactions").select(["kind", "contract_id"]).where("order_id", "=", started.orderId).where("kind", "=", "bank_transfer").execute();
    expect(bankTx).toEqual([{ kind: "bank_transfer", contract_id: contract.id }]);

    const sold = await startCheckout(db(), asBuyer(m.buyer), { resultId, mode: "assignment", method: "bank_transfer", cardEnabled: false }).catch((e: unknown) => e);
    expect(sold).toMatchObject({ kind: "conflict", key: "checkout.error.sold" });
    expect((await ledgerCheck(db())).violations).toEqual([]);
  });

  it("a voucher that covers the whole price completes the order at once, without any payment", async () => {
    const bureau = m.bureau;
    const programmeId = await createTestProgramme(db(), asActor(bureau), { coveragePercent: "100", qualifyingModes: ["service"] });
    const voucher = await issueVoucher(db(), programmeId, asActor(m.buyer), asActor(bureau));
    const resultId = await listedResult(db(), m, [{ mode: "service", price_fen: 3_000_000 }]);
    const started = await startCheckout(db(), asBuyer(m.buyer), {
      resultId,
      mode: "service",
      voucherIds: [voucher.voucherId],
      method: "card",
      cardEnabled: false, // Stripe off does not matter: nothing is due in cash
    });
    expect(started).toMatchObject({ status: "completed", paymentMethod: "voucher", voucherPartFen: 3_000_000, cashDueFen: 0 });
    expect(started.contractId).not.toBeNull();
    const contract = await db().selectFrom("contracts").selectAll().where("id", "=", started.contractId as number).executeTakeFirstOrThrow();
    expect(contract.type).toBe("service");
    expect(await balance(db(), `programme:${programmeId}:org:${m.seller.organisationId}:voucher_reimbursable`)).toBe(3_000_000);
    const kinds = await db().selectFrom("ledger_transactions").select("kind").where("order_id", "=", started.orderId).orderBy("id").execute();
    expect(kinds.map((k) => k.kind)).toEqual(["voucher_hold", "voucher_post"]);
  });

  it("cancel and lapse release the voucher hold and the reservation; a lapsed reservation is freed for the next buyer", async () => {
    const resultId = await listedResult(db(), m, [{ mode: "exclusive_license", price_fen: 2_000_000 }]);
    const voucher = await voucherFor(db(), m, m.buyer);
    const availableBefore = await balance(db(), `voucher:${voucher.voucherId}:voucher_available`);

    // Cancel by the buyer.
    const first = await startCheckout(db(), asBuyer(m.buyer), { resultId, mode: "exclusive_license", voucherIds: [voucher.voucherId], method: "card", cardEnabled: true });
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(availableBefore - 1_000_000);
    const foreign = await cancelOrder(db(), asBuyer(m.otherBuyer), first.orderId).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ kind: "not_found" });
    expect(await cancelOrder(db(), asBuyer(m.buyer), first.orderId)).toMatchObject({ status: "cancelled", alreadyDone: false });
    expect(await cancelOrder(db(), asBuyer(m.buyer), first.orderId)).toMatchObject({ status: "cancelled", alreadyDone: true });
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(availableBefore);
    expect(await resultStatus(db(), resultId)).toBe("listed");
    const late = await markOrderPaid(db(), { orderId: first.orderId, method: "card", amountFen: 1_000_000, externalRef: "pi_late", idempotencyKey: "late-1" }).catch(
      (e: unknown) => e,
    );
    expect(late).toMatchObject({ kind: "conflict", key: "checkout.error.orderClosed" });

    // Lapse through the sweeper.
    const t0 = new Date();
    const second = await startCheckout(db(), asBuyer(m.buyer), { resultId, mode: "exclusive_license", voucherIds: [voucher.voucherId], method: "card", cardEnabled: true, now: t0 });
    expect((await expireLapsedOrders(db(), new Date(t0.getTime() + 29 * 60_000))).expired).toBe(0);
    const swept = await expireLapsedOrders(db(), new Date(t0.getTime() + 32 * 60_000));
    expect(swept).toEqual({ expired: 1, failed: [] });
    expect(await orderRow(db(), second.orderId)).toMatchObject({ status: "expired", close_reason: "reservation_lapsed" });
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(availableBefore);
    expect(await resultStatus(db(), resultId)).toBe("listed");

    // Lapsed but not swept yet: the next buyer's checkout frees it (a card order with a Stripe session gets 15 more minutes).
    const t1 = new Date();
    const third = await startCheckout(db(), asBuyer(m.buyer), { resultId, mode: "exclusive_license", method: "card", cardEnabled: true, now: t1 });
    await attachStripeSession(db(), { orderId: third.orderId, sessionId: "cs_test_lapse" });
    const tooEarly = await startCheckout(db(), asBuyer(m.otherBuyer), {
      resultId,
      mode: "exclusive_license",
      method: "card",
      cardEnabled: true,
      now: new Date(t1.getTime() + 35 * 60_000),
    }).catch((e: unknown) => e);
    expect(tooEarly).toMatchObject({ key: "checkout.error.reserved" });
    const fourth = await startCheckout(db(), asBuyer(m.otherBuyer), {
      resultId,
      mode: "exclusive_license",
      method: "bank_transfer",
      cardEnabled: true,
      now: new Date(t1.getTime() + 47 * 60_000),
    });
    expect(await orderRow(db(), third.orderId)).toMatchObject({ status: "expired", close_reason: "reservation_lapsed" });
    expect(await resultStatus(db(), resultId)).toBe("reserved");
    await cancelOrder(db(), asBuyer(m.otherBuyer), fourth.orderId);
    expect((await ledgerCheck(db())).violations).toEqual([]);
  });

  it("a failed payment releases everything; the order is failed", async () => {
    const resultId = await listedResult(db(), m, [{ mode: "sole_license", price_fen: 1_500_000 }]);
    const voucher = await voucherFor(db(), m, m.otherBuyer);
    const started = await startCheckout(db(), asBuyer(m.otherBuyer), { resultId, mode: "sole_license", voucherIds: [voucher.voucherId], method: "card", cardEnabled: true });
    const failed = await markPaymentFailed(db(), { orderId: started.orderId, externalRef: "pi_failed", idempotencyKey: "evt-failed-1" });
    expect(failed).toMatchObject({ status: "failed", alreadyDone: false });
    expect(await markPaymentFailed(db(), { orderId: started.orderId, externalRef: "pi_failed", idempotencyKey: "evt-failed-1" })).toMatchObject({ alreadyDone: true });
    expect(await orderRow(db(), started.orderId)).toMatchObject({ status: "failed", close_reason: "payment_failed" });
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(0);
    expect(await resultStatus(db(), resultId)).toBe("listed");
  });

  it("refund: the ledger reverses, the voucher part goes back, the contract is voided and an exclusive result is on sale again", async () => {
    const resultId = await listedResult(db(), m, [{ mode: "equity", price_fen: 6_000_000 }]);
    const buyer = m.buyer;
    const voucher = await voucherFor(db(), m, buyer);
    const before = await balance(db(), `voucher:${voucher.voucherId}:voucher_available`);
    const started = await startCheckout(db(), asBuyer(buyer), { resultId, mode: "equity", voucherIds: [voucher.voucherId], voucherAmountFen: 1_234_567, method: "card", cardEnabled: true });
    expect(started).toMatchObject({ voucherPartFen: 1_234_567, cashDueFen: 6_000_000 - 1_234_567 });
    const paid = await markOrderPaid(db(), { orderId: started.orderId, method: "card", amountFen: started.cashDueFen, externalRef: "pi_refund_me", idempotencyKey: "evt-paid-r" });
    expect(await resultStatus(db(), resultId)).toBe("transferred");

    const notPaid = await refundOrder(db(), { orderId: 999_999_999, externalRef: "re_x", idempotencyKey: "evt-refund-unknown" }).catch((e: unknown) => e);
    expect(notPaid).toMatchObject({ kind: "not_found" });

    const refunded = await refundOrder(db(), { orderId: started.orderId, externalRef: "pi_refund_me", idempotencyKey: "evt-refund-r" });
    expect(refunded).toMatchObject({ status: "refunded", alreadyDone: false });
    expect(await refundOrder(db(), { orderId: started.orderId, externalRef: "pi_refund_me", idempotencyKey: "evt-refund-r2" })).toMatchObject({ alreadyDone: true });
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(before);
    const contract = await db().selectFrom("contracts").selectAll().where("id", "=", paid.contractId as number).executeTakeFirstOrThrow();
    expect(contract.status).toBe("voided");
    expect(await resultStatus(db(), resultId)).toBe("listed");
    const reversals = await db().selectFrom("ledger_transactions").select("kind").where("order_id", "=", started.orderId).where("kind", "=", "reversal").execute();
    expect(reversals).toHaveLength(2); // the card payment and the voucher redemption
    expect((await ledgerCheck(db())).violations).toEqual([]);

    // Sold again after the refund.
    const again = await startCheckout(db(), asBuyer(m.otherBuyer), { resultId, mode: "equity", method: "bank_transfer", cardEnabled: false });
    expect(again.status).toBe("pending");
    await cancelOrder(db(), asBuyer(m.otherBuyer), again.orderId);
  });
});
