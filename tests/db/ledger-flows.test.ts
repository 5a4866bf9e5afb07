import { beforeAll, expect, it } from "vitest";
import {
  ensureAccount,
  holdVoucher,
  InsufficientFundsError,
  LedgerError,
  ledgerCheck,
  outstandingHolds,
  payOutInstitution,
  platformBalance,
  platformBucket,
  PLATFORM_BUCKETS,
  recordBankTransfer,
  recordCardPayment,
  redeemOrderHolds,
  redeemVoucherHold,
  refundOrder,
  releaseOrderHolds,
  releaseVoucherHold,
} from "../../app/services/ledger";
import {
  createReimbursementBatch,
  expireDueVouchers,
  getProgramme,
  getWallet,
  holdVouchersForOrder,
  markBatchPaid,
} from "../../app/services/vouchers";
import { describeEachEngine } from "../helpers/db";
import { balanceByCode, createParties, createTestProgramme, issueVoucher, nextOrderId, type Parties } from "./ledger-fixtures";

// Each money flow end to end on a real database, with ledgerCheck after every scenario.

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

  it("voucher + card: hold, pay, redeem; the institution is owed cash less the fee and the voucher part by the bureau", async () => {
    const voucher = await issueVoucher(db(), programmeId, p.enterprise, p.bureau);
    expect(voucher.serial).toMatch(/^CXQ-\d{4}-\d{6}$/);
    const orderId = nextOrderId();
    const { quote, holds } = await holdVouchersForOrder(db(), {
      orderId,
      enterpriseId: p.enterprise.organisationId,
      voucherIds: [voucher.voucherId],
      priceFen: 8_000_000,
      mode: "assignment",
      expectedVoucherPartFen: 4_000_000,
    });
    expect(quote).toMatchObject({ voucherPartFen: 4_000_000, cashPartFen: 4_000_000, limitedBy: "coverage" });
    expect(holds).toHaveLength(1);
    expect(await outstandingHolds(db(), orderId)).toEqual([{ voucherId: voucher.voucherId, amountFen: 4_000_000 }]);

    const payableBefore = await balanceByCode(db(), payableCode());
    const card = await recordCardPayment(db(), {
      orderId,
      institutionId: inst(),
      amountFen: 4_000_000,
      feeBps: 100,
      stripeEventId: "evt_1",
    });
    expect(card.entries.map((e) => e.amountFen).sort((a, b) => a - b)).toEqual([-3_960_000, -40_000, 4_000_000]);
    await redeemOrderHolds(db(), { orderId, institutionId: inst(), contractId: 9 });

    expect(await balanceByCode(db(), payableCode())).toBe(payableBefore + 3_960_000);
    expect(await balanceByCode(db(), owedCode())).toBe(4_000_000);
    expect(await outstandingHolds(db(), orderId)).toEqual([]);
    const wallet = await getWallet(db(), p.enterprise.organisationId);
    const inWallet = wallet.vouchers.find((v) => v.voucherId === voucher.voucherId);
    expect(inWallet).toMatchObject({ availableFen: 6_000_000, heldFen: 0, redeemedFen: 4_000_000, state: "active" });
    expect(wallet.history.filter((h) => h.voucherId === voucher.voucherId).map((h) => h.kind)).toEqual([
      "voucher_post",
      "voucher_hold",
      "voucher_issue",
    ]);
    expect(wallet.caps[0]).toMatchObject({ usedFen: 4_000_000, remainingFen: 16_000_000 });

    // Retries of every step change nothing.
    expect(
      (await recordCardPayment(db(), { orderId, institutionId: inst(), amountFen: 4_000_000, feeBps: 100, stripeEventId: "evt_1" }))
        .replayed,
    ).toBe(true);
    expect((await redeemVoucherHold(db(), { orderId, voucherId: voucher.voucherId, institutionId: inst(), contractId: 9 })).replayed).toBe(
      true,
    );
    expect(await balanceByCode(db(), owedCode())).toBe(4_000_000);
    await expectLedgerOk();
  });

  it("voucher + bank transfer: the fee is floored to the fen and the rounding fen stays with the institution", async () => {
    const orderId = nextOrderId();
    const payableBefore = await balanceByCode(db(), payableCode());
    const feeBefore = await platformBalance(db(), "platform_fee_revenue");
    await recordBankTransfer(db(), { orderId, institutionId: inst(), amountFen: 333_333, feeBps: 100, reference: "KJ2026-0001" });
    expect(await platformBalance(db(), "platform_fee_revenue")).toBe(feeBefore + 3_333);
    expect(await balanceByCode(db(), payableCode())).toBe(payableBefore + 330_000);
    await expect(recordBankTransfer(db(), { orderId, institutionId: inst(), amountFen: 1, reference: " " })).rejects.toThrow(/reference/);
    await expect(recordBankTransfer(db(), { orderId, institutionId: inst(), amountFen: 12.5, reference: "x" })).rejects.toThrow(
      /amountFen/,
    );
    await expect(recordBankTransfer(db(), { orderId, institutionId: inst(), amountFen: -5, reference: "x" })).rejects.toThrow(/amountFen/);
    await expectLedgerOk();
  });

  it("spreads the platform's accounts over buckets by order id; a refund reverses in the same bucket", async () => {
    const orderId = 16 * 1_000 + 5;
    expect(platformBucket(orderId)).toBe(5);
    const clearingBefore = await balanceByCode(db(), "platform:stripe_clearing:5");
    const totalBefore = await platformBalance(db(), "stripe_clearing");
    await recordCardPayment(db(), { orderId, institutionId: inst(), amountFen: 200_000, feeBps: 100 });
    expect(await balanceByCode(db(), "platform:stripe_clearing:5")).toBe(clearingBefore + 200_000);
    expect(await platformBalance(db(), "stripe_clearing")).toBe(totalBefore + 200_000);
    await refundOrder(db(), { orderId });
    expect(await balanceByCode(db(), "platform:stripe_clearing:5")).toBe(clearingBefore);
    await expect(ensureAccount(db(), { kind: "platform", bucket: PLATFORM_BUCKETS }, "stripe_clearing")).rejects.toThrow(/owner.bucket/);
    await expectLedgerOk();
  });

  it("cancel: releasing an order's holds returns the money to the voucher, once", async () => {
    const voucher = await issueVoucher(db(), programmeId, p.otherEnterprise, p.bureau);
    const orderId = nextOrderId();
    await holdVoucher(db(), { voucherId: voucher.voucherId, orderId, amountFen: 1_500_000 });
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(8_500_000);
    const released = await releaseOrderHolds(db(), { orderId });
    expect(released).toHaveLength(1);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(10_000_000);
    expect(await releaseOrderHolds(db(), { orderId })).toEqual([]);
    // The same hold key cannot silently hold again after its release.
    const again = await holdVoucher(db(), { voucherId: voucher.voucherId, orderId, amountFen: 1_500_000 }).catch((e: unknown) => e);
    expect((again as LedgerError).code).toBe("hold_consumed");
    // A new attempt with its own key can.
    await holdVoucher(db(), { voucherId: voucher.voucherId, orderId, amountFen: 1_000, idempotencyKey: `order:${orderId}:attempt:2:hold` });
    await releaseVoucherHold(db(), { voucherId: voucher.voucherId, orderId, idempotencyKey: `order:${orderId}:attempt:2:release` });
    const noHold = await redeemVoucherHold(db(), { voucherId: voucher.voucherId, orderId: nextOrderId(), institutionId: inst() }).catch(
      (e: unknown) => e,
    );
    expect((noHold as LedgerError).code).toBe("no_hold");
    await expectLedgerOk();
  });

  it("refund: reverses the payment and the redemption, the voucher gets its part back, a second refund does nothing", async () => {
    const voucher = await issueVoucher(db(), programmeId, p.enterprise, p.bureau);
    const orderId = nextOrderId();
    const payableBefore = await balanceByCode(db(), payableCode());
    const owedBefore = await balanceByCode(db(), owedCode());
    await holdVoucher(db(), { voucherId: voucher.voucherId, orderId, amountFen: 2_000_000 });
    await recordCardPayment(db(), { orderId, institutionId: inst(), amountFen: 2_000_000, feeBps: 250 });
    await redeemOrderHolds(db(), { orderId, institutionId: inst() });

    const refund = await refundOrder(db(), { orderId, stripeEventId: "evt_refund_1" });
    expect(refund.reversals.map((r) => r.kind)).toEqual(["reversal", "reversal"]);
    expect(refund.reversals.every((r) => r.links.stripeEventId === "evt_refund_1")).toBe(true);
    expect(refund.releases).toHaveLength(1);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(10_000_000);
    expect(await balanceByCode(db(), payableCode())).toBe(payableBefore);
    expect(await balanceByCode(db(), owedCode())).toBe(owedBefore);

    const again = await refundOrder(db(), { orderId, stripeEventId: "evt_refund_1" });
    expect(again).toEqual({ reversals: [], releases: [] });
    await expectLedgerOk();
  });

  it("refund after the voucher expired: its part goes back to the programme, not the voucher", async () => {
    const voucher = await issueVoucher(db(), programmeId, p.otherEnterprise, p.bureau);
    const orderId = nextOrderId();
    await holdVoucher(db(), { voucherId: voucher.voucherId, orderId, amountFen: 700_000 });
    await redeemOrderHolds(db(), { orderId, institutionId: inst() });
    const budgetBefore = await balanceByCode(db(), `programme:${programmeId}:programme_budget`);
    const afterExpiry = new Date(voucher.expiresAt.getTime() + 1_000);
    await refundOrder(db(), { orderId, now: afterExpiry });
    expect(await balanceByCode(db(), `programme:${programmeId}:programme_budget`)).toBe(budgetBefore + 700_000);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(10_000_000 - 700_000);
    await expectLedgerOk();
  });

  it("expiry: unused balances return to the programme, holds stay until released, expired vouchers cannot be held", async () => {
    const enterprise = (await createParties(db())).enterprise;
    const voucher = await issueVoucher(db(), programmeId, enterprise, p.bureau);
    const pendingOrder = nextOrderId();
    await holdVoucher(db(), { voucherId: voucher.voucherId, orderId: pendingOrder, amountFen: 300_000 });
    const budgetBefore = await balanceByCode(db(), `programme:${programmeId}:programme_budget`);
    const later = new Date(voucher.expiresAt.getTime() + 60_000);

    const run = await expireDueVouchers(db(), { now: later });
    expect(run.serials).toContain(voucher.serial);
    expect(await balanceByCode(db(), `programme:${programmeId}:programme_budget`)).toBe(budgetBefore + run.returnedFen);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(0);
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(300_000);
    expect((await expireDueVouchers(db(), { now: later })).expired).toBe(0);

    const refused = await holdVoucher(db(), { voucherId: voucher.voucherId, orderId: nextOrderId(), amountFen: 1, now: later }).catch(
      (e: unknown) => e,
    );
    expect((refused as LedgerError).code).toBe("voucher_expired");
    // The payment lapses: its hold goes to the programme, since the voucher has expired.
    await releaseOrderHolds(db(), { orderId: pendingOrder, now: later });
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
    const voucher = await issueVoucher(db(), programmeId, (await createParties(db())).enterprise, p.bureau);
    const orderId = nextOrderId();
    await holdVoucher(db(), { voucherId: voucher.voucherId, orderId, amountFen: 500_000 });
    await redeemOrderHolds(db(), { orderId, institutionId: inst() });
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
    const refused = await refundOrder(db(), { orderId }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InsufficientFundsError);
    expect(await outstandingHolds(db(), orderId)).toEqual([]);

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
    await expectLedgerOk();
  });

  it("payout to the institution; a refund after it is refused rather than overdrawing the payable", async () => {
    const orderId = nextOrderId();
    const institution = (await createParties(db())).institution.organisationId;
    await recordCardPayment(db(), { orderId, institutionId: institution, amountFen: 100_000, feeBps: 0 });
    await payOutInstitution(db(), { payoutId: orderId, institutionId: institution, amountFen: 100_000, reference: `PO-${orderId}` });
    expect(await balanceByCode(db(), `org:${institution}:institution_payable`)).toBe(0);
    await expect(refundOrder(db(), { orderId })).rejects.toBeInstanceOf(InsufficientFundsError);
    await expectLedgerOk();
  });

  it("a programme that covers everything: the order completes on the voucher alone", async () => {
    const full = await createTestProgramme(db(), p.bureau, {
      coveragePercent: "100",
      voucherAmount: "10000",
      yearlyCap: "20000",
      totalBudget: "50000",
    });
    const enterprise = (await createParties(db())).enterprise;
    const voucher = await issueVoucher(db(), full, enterprise, p.bureau);
    const orderId = nextOrderId();
    const { quote } = await holdVouchersForOrder(db(), {
      orderId,
      enterpriseId: enterprise.organisationId,
      voucherIds: [voucher.voucherId],
      priceFen: 600_000,
      mode: "service",
    });
    expect(quote).toMatchObject({ voucherPartFen: 600_000, cashPartFen: 0 });
    await redeemOrderHolds(db(), { orderId, institutionId: inst() });
    expect(await balanceByCode(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(400_000);
    await expectLedgerOk();
  });
});
