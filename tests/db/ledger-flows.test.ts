import { beforeAll, expect, it } from "vitest";
import { env } from "../../app/env.server";
import { CheckoutError, expireOrder, markOrderPaid, refundOrder, startCheckout } from "../../app/services/checkout";
import { ensureAccount, ledgerCheck, outstandingHolds, platformBalance, PLATFORM_BUCKETS } from "../../app/services/ledger";
import { createReimbursementBatch, expireDueVouchers, getProgramme, getWallet, markBatchPaid } from "../../app/services/vouchers";
import { describeEachEngine } from "../helpers/db";
import {
  balanceByCode,
  createParties,
  createTestProgramme,
  holdThroughCheckout,
  issueVoucher,
  listedLicence,
  payByTransfer,
  type Parties,
} from "./ledger-fixtures";

// Each money flow end to end through the services the market runs on (checkout, payment confirmation, refund, expiry,
// reimbursement), looking at the ledger's accounts, with ledgerCheck after every scenario.

describeEachEngine("ledger flows", (db) => {
  let p: Parties;
  let programmeId: number;
  const inst = () => p.institution.organisationId;
  const payableCode = () => `org:${inst()}:institution_payable`;
  const owedCode = () => `programme:${programmeId}:org:${inst()}:voucher_reimbursable`;

  beforeAll(async () => {
    p = await createParties(db());
    // Budget ¥1,000,000; vouchers of ¥100,000; 50% coverage; cap ¥200,000 a year.
    programmeId = await createTestProgramme(db(), p.bureau);
  });

  async function expectLedgerOk() {
    const report = await ledgerCheck(db());
    expect(report.violations).toEqual([]);
  }

  it("voucher + bank transfer: held, then redeemed; the institution is owed the cash less the fee (floored to the fen) and the voucher part by the bureau", async () => {
    const voucher = await issueVoucher(db(), programmeId, p.enterprise, p.bureau);
    expect(voucher.serial).toMatch(/^CXQ-\d{4}-\d{6}$/);
    const payableBefore = await balanceByCode(db(), payableCode());
    const feeBefore = await platformBalance(db(), "platform_fee_revenue");
    // ¥1,111.11 by voucher, ¥3,333.33 by transfer: a 1% fee of 333,333 fen is 3,333.33, floored to 3,333.
    const order = await holdThroughCheckout(db(), p, voucher.voucherId, 111_111);
    expect(order).toMatchObject({ status: "pending", voucherPartFen: 111_111, cashDueFen: 333_333 });
    expect(await outstandingHolds(db(), order.orderId)).toEqual([{ voucherId: voucher.voucherId, amountFen: 111_111 }]);

    await payByTransfer(db(), order);
    const fee = Math.floor((333_333 * env().PLATFORM_FEE_BPS) / 10_000);
    expect(await platformBalance(db(), "platform_fee_revenue")).toBe(feeBefore + fee);
    expect(await balanceByCode(db(), payableCode())).toBe(payableBefore + 333_333 - fee);
    expect(await balanceByCode(db(), owedCode())).toBe(111_111);
    expect(await outstandingHolds(db(), order.orderId)).toEqual([]);
    const wallet = await getWallet(db(), p.enterprise.organisationId);
    const inWallet = wallet.vouchers.find((v) => v.voucherId === voucher.voucherId);
    expect(inWallet).toMatchObject({ availableFen: 10_000_000 - 111_111, heldFen: 0, redeemedFen: 111_111, state: "active" });
    expect(wallet.history.filter((h) => h.voucherId === voucher.voucherId).map((h) => h.kind)).toEqual([
      "voucher_post",
      "voucher_hold",
      "voucher_issue",
    ]);
    expect(wallet.caps[0]).toMatchObject({ usedFen: 111_111, remainingFen: 20_000_000 - 111_111 });

    // The same confirmation again changes nothing.
    await payByTransfer(db(), order);
    expect(await balanceByCode(db(), owedCode())).toBe(111_111);
    await expectLedgerOk();
  });

  it("dates the checkout's postings when things happened: the hold when the order was placed, the redemption and payment when the money arrived", async () => {
    const voucher = await issueVoucher(db(), programmeId, p.enterprise, p.bureau);
    const placedAt = new Date(Date.now() - 3 * 86_400_000);
    const arrivedAt = new Date(Date.now() - 2 * 86_400_000);
    const order = await holdThroughCheckout(db(), p, voucher.voucherId, 40_000, placedAt);
    await payByTransfer(db(), order, arrivedAt);
    const postings = await db()
      .selectFrom("ledger_transactions")
      .select(["kind", "effective_at"])
      .where("order_id", "=", order.orderId)
      .orderBy("id")
      .execute();
    expect(postings.map((t) => [t.kind, t.effective_at.toISOString()])).toEqual([
      ["voucher_hold", placedAt.toISOString()],
      ["voucher_post", arrivedAt.toISOString()],
      ["bank_transfer", arrivedAt.toISOString()],
    ]);
    await expectLedgerOk();
  });

  it("dates the voucher's other movements when they happened too, and the wallet lists them by that date", async () => {
    const enterprise = (await createParties(db())).enterprise;
    const today = Date.now();
    const at = (daysAgo: number) => new Date(today - daysAgo * 86_400_000);
    const voucher = await issueVoucher(db(), programmeId, enterprise, p.bureau, at(10));
    const lapsed = await holdThroughCheckout(db(), { ...p, enterprise }, voucher.voucherId, 30_000, at(9));
    await expireOrder(db(), { orderId: lapsed.orderId, reason: "reservation_lapsed", idempotencyKey: `order:${lapsed.orderId}:lapse`, now: at(8) });
    const refunded = await holdThroughCheckout(db(), { ...p, enterprise }, voucher.voucherId, 20_000, at(7));
    await payByTransfer(db(), refunded, at(6));
    await refundOrder(db(), { orderId: refunded.orderId, externalRef: "BANK-BACK", idempotencyKey: `order:${refunded.orderId}:refund`, now: at(5) });

    // Recorded today, in a different order from when they happened: the wallet goes by when they happened.
    const wallet = await getWallet(db(), enterprise.organisationId);
    expect(wallet.history.map((h) => [h.kind, h.orderId, h.at.toISOString()])).toEqual([
      ["voucher_release", refunded.orderId, at(5).toISOString()],
      ["reversal", refunded.orderId, at(5).toISOString()],
      ["voucher_post", refunded.orderId, at(6).toISOString()],
      ["voucher_hold", refunded.orderId, at(7).toISOString()],
      ["voucher_release", lapsed.orderId, at(8).toISOString()],
      ["voucher_hold", lapsed.orderId, at(9).toISOString()],
      ["voucher_issue", null, at(10).toISOString()],
    ]);
    const refundPostings = await db()
      .selectFrom("ledger_transactions")
      .select(["kind", "effective_at"])
      .where("order_id", "=", refunded.orderId)
      .where("kind", "in", ["reversal", "voucher_release"])
      .execute();
    expect(refundPostings.map((t) => t.effective_at.toISOString())).toEqual([at(5).toISOString(), at(5).toISOString(), at(5).toISOString()]);
    const contract = await db().selectFrom("contracts").select(["status", "voided_at"]).where("order_id", "=", refunded.orderId).executeTakeFirstOrThrow();
    expect(contract).toEqual({ status: "voided", voided_at: at(5) });
    await expectLedgerOk();
  });

  it("spreads the platform's accounts over buckets by order id; a refund reverses in the same bucket", async () => {
    const resultId = await listedLicence(db(), p.institution, p.bureau, 200_000);
    const order = await startCheckout(db(), p.otherEnterprise, { resultId, mode: "nonexclusive_license", method: "card", cardEnabled: true });
    const bucket = order.orderId % PLATFORM_BUCKETS;
    const clearingBefore = await balanceByCode(db(), `platform:stripe_clearing:${bucket}`);
    const totalBefore = await platformBalance(db(), "stripe_clearing");
    await markOrderPaid(db(), { orderId: order.orderId, method: "card", amountFen: 200_000, externalRef: `pi_${order.orderId}`, idempotencyKey: `evt-${order.orderId}` });
    expect(await balanceByCode(db(), `platform:stripe_clearing:${bucket}`)).toBe(clearingBefore + 200_000);
    expect(await platformBalance(db(), "stripe_clearing")).toBe(totalBefore + 200_000);
    await refundOrder(db(), { orderId: order.orderId, externalRef: `pi_${order.orderId}`, idempotencyKey: `evt-refund-${order.orderId}` });
    expect(await balanceByCode(db(), `platform:stripe_clearing:${bucket}`)).toBe(clearingBefore);
    await expect(ensureAccount(db(), { kind: "platform", bucket: PLATFORM_BUCKETS }, "stripe_clearing")).rejects.toThrow(/owner.bucket/);
    await expectLedgerOk();
  });

  it("refund after the voucher expired: its part goes back to the programme, not the voucher", async () => {
    const voucher = await issueVoucher(db(), programmeId, p.otherEnterprise, p.bureau);
    const order = await holdThroughCheckout(db(), { ...p, enterprise: p.otherEnterprise }, voucher.voucherId, 700_000);
    await payByTransfer(db(), order);
    const budgetBefore = await balanceByCode(db(), `programme:${programmeId}:programme_budget`);
    const afterExpiry = new Date(voucher.expiresAt.getTime() + 1_000);
    await refundOrder(db(), { orderId: order.orderId, externalRef: "BANK-BACK", idempotencyKey: `order:${order.orderId}:refund`, now: afterExpiry });
    expect(await balanceByCode(db(), `programme:${programmeId}:programme_budget`)).toBe(budgetBefore + 700_000);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(10_000_000 - 700_000);
    await expectLedgerOk();
  });

  it("expiry: unused balances return to the programme, holds stay until released, expired vouchers cannot be spent", async () => {
    const parties = await createParties(db());
    const enterprise = parties.enterprise;
    const voucher = await issueVoucher(db(), programmeId, enterprise, p.bureau);
    const pending = await holdThroughCheckout(db(), { ...p, enterprise }, voucher.voucherId, 300_000);
    const budgetBefore = await balanceByCode(db(), `programme:${programmeId}:programme_budget`);
    const later = new Date(voucher.expiresAt.getTime() + 60_000);

    const run = await expireDueVouchers(db(), { now: later });
    expect(run.serials).toContain(voucher.serial);
    // The money went back when the voucher ran out, not when the job noticed.
    const expiry = await db().selectFrom("ledger_transactions").select("effective_at").where("voucher_id", "=", voucher.voucherId).where("kind", "=", "voucher_expiry").executeTakeFirstOrThrow();
    expect(expiry.effective_at).toEqual(voucher.expiresAt);
    expect(await balanceByCode(db(), `programme:${programmeId}:programme_budget`)).toBe(budgetBefore + run.returnedFen);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(0);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(300_000);
    expect((await expireDueVouchers(db(), { now: later })).expired).toBe(0);

    const refused = await holdThroughCheckout(db(), { ...p, enterprise }, voucher.voucherId, 1, later).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CheckoutError);
    // The payment lapses: its hold goes to the programme, since the voucher has expired.
    await expireOrder(db(), { orderId: pending.orderId, reason: "reservation_lapsed", idempotencyKey: `order:${pending.orderId}:lapse`, now: later });
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(0);
    const wallet = await getWallet(db(), enterprise.organisationId, { now: later });
    expect(wallet.vouchers[0]).toMatchObject({ state: "expired", availableFen: 0, returnedFen: 10_000_000 });
    // Programmes report every fen: issued vouchers cannot leave the programme's books.
    await expectLedgerOk();
  });

  it("reimbursement (兑付): batch, then paid; refunds of batched redemptions and payouts are refused", async () => {
    const owed = await balanceByCode(db(), owedCode());
    expect(owed).toBeGreaterThan(0);
    expect(await createReimbursementBatch(db(), p.bureau, { programmeId: "12abc" })).toMatchObject({
      ok: false,
      formError: { key: "vouchers.error.programmeNotFound" },
    });
    expect(await markBatchPaid(db(), p.bureau, { batchId: -1, paymentReference: "x" })).toMatchObject({
      ok: false,
      formError: { key: "vouchers.error.batchNotFound" },
    });
    const other = await createReimbursementBatch(db(), p.enterprise, { programmeId });
    expect(other).toMatchObject({ ok: false, formError: { key: "vouchers.error.programmeNotFound" } });

    // An order redeemed into the debt that the batch is about to take.
    const enterprise = (await createParties(db())).enterprise;
    const voucher = await issueVoucher(db(), programmeId, enterprise, p.bureau);
    const order = await holdThroughCheckout(db(), { ...p, enterprise }, voucher.voucherId, 500_000);
    await payByTransfer(db(), order);
    const batch = await createReimbursementBatch(db(), p.bureau, { programmeId });
    if (!batch.ok) throw new Error("batch refused");
    const owedNow =
      owed +
      500_000 +
      (await balanceByCode(db(), `programme:${programmeId}:org:${p.otherInstitution.organisationId}:voucher_reimbursable`));
    expect(batch.totalFen).toBe(owedNow);
    expect(await balanceByCode(db(), owedCode())).toBe(0);
    expect(await balanceByCode(db(), `programme:${programmeId}:org:${inst()}:reimbursement_in_payment`)).toBe(owed + 500_000);
    expect(await createReimbursementBatch(db(), p.bureau, { programmeId })).toMatchObject({
      ok: false,
      formError: { key: "vouchers.error.nothingOwed" },
    });

    // The redemption was batched: refunding it would overdraw what the programme owes the institution.
    const refused = await refundOrder(db(), { orderId: order.orderId, externalRef: "BANK-BACK", idempotencyKey: `order:${order.orderId}:refund` }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ key: "checkout.error.alreadyPaidOut" });
    expect((await db().selectFrom("orders").select("status").where("id", "=", order.orderId).executeTakeFirstOrThrow()).status).toBe("completed");

    const fundBefore = await balanceByCode(db(), `programme:${programmeId}:programme_fund`);
    expect(await markBatchPaid(db(), p.bureau, { batchId: batch.batchId, paymentReference: "" })).toMatchObject({
      ok: false,
      fieldErrors: { paymentReference: "vouchers.error.required" },
    });
    expect(await markBatchPaid(db(), p.bureau, { batchId: batch.batchId, paymentReference: "财政支付 2026-118" })).toEqual({ ok: true });
    expect(await markBatchPaid(db(), p.bureau, { batchId: batch.batchId, paymentReference: "again" })).toMatchObject({
      ok: false,
      formError: { key: "vouchers.error.batchAlreadyPaid" },
    });
    expect(await balanceByCode(db(), `programme:${programmeId}:programme_fund`)).toBe(fundBefore - batch.totalFen);
    expect(await balanceByCode(db(), `programme:${programmeId}:org:${inst()}:reimbursement_in_payment`)).toBe(0);
    const programme = await getProgramme(db(), programmeId);
    expect(programme).toMatchObject({ paidFen: batch.totalFen, owedFen: 0, inPaymentFen: 0 });
    // Both steps are dated as the batch records them.
    const steps = await db()
      .selectFrom("ledger_transactions as t")
      .innerJoin("reimbursement_batches as b", "b.id", "t.reimbursement_batch_id")
      .select(["t.kind", "t.effective_at", "b.created_at", "b.paid_at"])
      .where("b.id", "=", batch.batchId)
      .orderBy("t.id")
      .execute();
    expect(steps.map((s) => [s.kind, s.effective_at])).toEqual([
      ["reimbursement_batch", steps[0].created_at],
      ["reimbursement_paid", steps[0].paid_at],
    ]);
    await expectLedgerOk();
  });
});
