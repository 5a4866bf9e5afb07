import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import {
  createReimbursementBatch,
  disallowVoucherPart,
  drawSpotCheck,
  getProgramme,
  getSpotCheck,
  listApplications,
  listSpotChecks,
  recordRelatedParty,
  reimbursementOverview,
  reviewSpotCheckItem,
  revokeVoucher,
  type Actor,
} from "../../app/services/vouchers";
import { refundOrder, startCheckout } from "../../app/services/checkout";
import { ledgerCheck } from "../../app/services/ledger";
import type { Database } from "../../db/client";
import { describeEachEngine } from "../helpers/db";
import { createParty, createTestProgramme, holdThroughCheckout, issueVoucher, listedLicence, payByTransfer } from "./ledger-fixtures";

const DAY = 86_400_000;
const chinaDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

async function count(db: Database, table: "spot_checks" | "spot_check_items"): Promise<number> {
  return Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
}

describeEachEngine("voucher spot checks (抽查)", (db) => {
  let bureau: Actor;
  let seller: Actor;
  beforeAll(async () => {
    bureau = await createParty(db(), "bureau");
    seller = await createParty(db(), "institution");
  });

  /** A programme with completed voucher purchases: `related` of them by a buyer recorded as related to the seller. */
  async function programmeWithSales(sales: number, related: number) {
    const programmeId = await createTestProgramme(db(), bureau);
    const orders: number[] = [];
    const relatedBuyer = await createParty(db(), "enterprise");
    const relatedVoucher = await issueVoucher(db(), programmeId, relatedBuyer, bureau);
    for (let i = 0; i < related; i++) {
      const order = await holdThroughCheckout(db(), { bureau, enterprise: relatedBuyer, institution: seller }, relatedVoucher.voucherId, 100_000);
      await payByTransfer(db(), order);
      orders.push(order.orderId);
    }
    const recorded = await recordRelatedParty(db(), bureau, { enterpriseId: relatedBuyer.organisationId, institutionId: seller.organisationId, relation: "spin_off" });
    expect(recorded.ok).toBe(true);
    const others: number[] = [];
    for (let i = 0; i < sales - related; i++) {
      const buyer = await createParty(db(), "enterprise");
      const voucher = await issueVoucher(db(), programmeId, buyer, bureau);
      const order = await holdThroughCheckout(db(), { bureau, enterprise: buyer, institution: seller }, voucher.voucherId, 100_000);
      await payByTransfer(db(), order);
      others.push(order.orderId);
    }
    return { programmeId, relatedOrders: orders, otherOrders: others, relatedBuyer };
  }

  it("draws every related-party purchase of the period and a random rest that its recorded seed reproduces", async () => {
    const { programmeId, relatedOrders, otherOrders, relatedBuyer } = await programmeWithSales(8, 2);
    // Not in the population: a purchase still awaiting payment, one without a voucher, one paid before the period.
    const waitingBuyer = await createParty(db(), "enterprise");
    await holdThroughCheckout(db(), { bureau, enterprise: waitingBuyer, institution: seller }, (await issueVoucher(db(), programmeId, waitingBuyer, bureau)).voucherId, 100_000);
    const cashResult = await listedLicence(db(), seller, bureau, 400_000);
    const cash = await startCheckout(db(), relatedBuyer, { resultId: cashResult, mode: "nonexclusive_license", method: "bank_transfer", cardEnabled: false });
    await payByTransfer(db(), cash);
    const earlyBuyer = await createParty(db(), "enterprise");
    const early = await holdThroughCheckout(db(), { bureau, enterprise: earlyBuyer, institution: seller }, (await issueVoucher(db(), programmeId, earlyBuyer, bureau)).voucherId, 100_000);
    await payByTransfer(db(), early, new Date(Date.now() - 40 * DAY));

    const period = { programmeId: String(programmeId), from: chinaDay(new Date(Date.now() - 30 * DAY)), to: chinaDay(new Date()) };
    const drawn = await drawSpotCheck(db(), bureau, { ...period, sampleSize: "3" });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn));
    expect(drawn).toMatchObject({ population: 8, drawn: 3 });
    const check = await getSpotCheck(db(), bureau.organisationId, drawn.spotCheckId);
    expect(check).toMatchObject({ programmeId, sampleSize: 3, population: 8, drawn: 3, reviewed: 0, irregular: 0 });
    const suspected = check!.items.filter((i) => i.drawnBecause === "suspected").map((i) => i.orderId);
    const random = check!.items.filter((i) => i.drawnBecause === "random").map((i) => i.orderId);
    expect(suspected.sort()).toEqual([...relatedOrders].sort());
    expect(random).toHaveLength(1);

    // Anyone can repeat the draw: the other purchases ordered by md5(seed:order id), the first taken.
    const { rows } = await sql<{ id: number }>`select id from orders where id = any(${sql.val(otherOrders)}::bigint[])
      order by md5(${check!.seed} || ':' || id) limit 1`.execute(db());
    expect(random).toEqual([rows[0].id]);
    expect(check!.items.every((i) => i.outcome === "pending" && i.contractNo?.startsWith("PLT-") && i.vouchers.length === 1 && !i.vouchers[0].revoked)).toBe(true);

    const audit = await db().selectFrom("audit_log").select("detail").where("action", "=", "spot_check.draw").where("subject_id", "=", String(drawn.spotCheckId)).executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ population: 8, suspected: 2, random: 1, seed: check!.seed });

    // A sample larger than the population takes all of it; each draw has its own seed.
    const all = await drawSpotCheck(db(), bureau, { ...period, sampleSize: "50" });
    expect(all).toMatchObject({ ok: true, population: 8, drawn: 8 });
    const listed = await listSpotChecks(db(), bureau.organisationId);
    expect(listed.slice(0, 2).map((c) => c.drawn)).toEqual([8, 3]);
    expect(new Set(listed.map((c) => c.seed)).size).toBe(listed.length);
  });

  it("refuses bad input, another bureau's programme and an empty period, writing nothing", async () => {
    const { programmeId } = await programmeWithSales(1, 0);
    const otherBureau = await createParty(db(), "bureau");
    const today = chinaDay(new Date());
    const draw = (input: Record<string, unknown>, actor = bureau) =>
      drawSpotCheck(db(), actor, { programmeId: String(programmeId), from: today, to: today, sampleSize: "10", ...input });
    const before = [await count(db(), "spot_checks"), await count(db(), "spot_check_items")];

    expect(await draw({ programmeId: "" })).toEqual({ ok: false, fieldErrors: { programmeId: "vouchers.spot.error.programme" } });
    expect(await draw({ from: "2026-02-30" })).toMatchObject({ fieldErrors: { from: "vouchers.error.date" } });
    expect(await draw({ to: "" })).toMatchObject({ fieldErrors: { to: "vouchers.error.required" } });
    expect(await draw({ from: today, to: "2020-01-01" })).toMatchObject({ fieldErrors: { to: "vouchers.spot.error.range" } });
    for (const sampleSize of ["0", "201", "2.5", "abc", "-3"]) {
      expect(await draw({ sampleSize })).toMatchObject({ fieldErrors: { sampleSize: "vouchers.spot.error.sampleSize" } });
    }
    expect(await draw({}, otherBureau)).toMatchObject({ fieldErrors: { programmeId: "vouchers.spot.error.programme" } });
    expect(await draw({ programmeId: "999999999" })).toMatchObject({ fieldErrors: { programmeId: "vouchers.spot.error.programme" } });
    expect(await draw({ from: "2020-01-01", to: "2020-12-31" })).toMatchObject({ formError: { key: "vouchers.spot.error.nothingToDraw" } });
    expect([await count(db(), "spot_checks"), await count(db(), "spot_check_items")]).toEqual(before);
  });

  it("records each finding once, an irregular one with what was found; the database keeps findings and draws as given", async () => {
    const { programmeId } = await programmeWithSales(3, 0);
    const today = chinaDay(new Date());
    const drawn = await drawSpotCheck(db(), bureau, { programmeId: String(programmeId), from: today, to: today, sampleSize: "3" });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn));
    const [first, second, third] = (await getSpotCheck(db(), bureau.organisationId, drawn.spotCheckId))!.items.map((i) => i.orderId);
    const review = (orderId: number, outcome: unknown, finding?: unknown, actor = bureau) =>
      reviewSpotCheckItem(db(), actor, { spotCheckId: drawn.spotCheckId, orderId, outcome, finding });

    expect(await review(first, "fine")).toEqual({ ok: false, fieldErrors: { outcome: "vouchers.spot.error.outcome" } });
    expect(await review(first, "irregular", "   ")).toEqual({ ok: false, fieldErrors: { finding: "vouchers.spot.error.findingRequired" } });
    expect(await review(first, "irregular", "证".repeat(201))).toMatchObject({ fieldErrors: { finding: "vouchers.error.tooLong" } });
    expect(await review(first, "compliant", undefined, await createParty(db(), "bureau"))).toMatchObject({ formError: { key: "vouchers.spot.error.notFound" } });
    expect(await review(999_999_999, "compliant")).toMatchObject({ formError: { key: "vouchers.spot.error.notFound" } });

    expect(await review(first, "compliant")).toEqual({ ok: true });
    expect(await review(first, "irregular", "补充")).toMatchObject({ formError: { key: "vouchers.spot.error.alreadyReviewed" } });
    expect(await review(second, "irregular", "  未能提供技术交付证明 ")).toEqual({ ok: true });
    const check = (await getSpotCheck(db(), bureau.organisationId, drawn.spotCheckId))!;
    expect(check).toMatchObject({ reviewed: 2, irregular: 1 });
    expect(check.items.find((i) => i.orderId === second)).toMatchObject({ outcome: "irregular", finding: "未能提供技术交付证明", reviewedBy: expect.any(String) });
    expect(check.items.find((i) => i.orderId === third)).toMatchObject({ outcome: "pending", finding: null, reviewedBy: null, reviewedAt: null });
    // The bureau sees the finding when the buyer next applies for a voucher.
    const buyerOf = (orderId: number) => check.items.find((i) => i.orderId === orderId)!.enterpriseId;
    expect((await listApplications(db(), { enterpriseId: buyerOf(second) })).map((a) => a.enterpriseIrregularFindings)).toEqual([1]);
    expect((await listApplications(db(), { enterpriseId: buyerOf(first) })).map((a) => a.enterpriseIrregularFindings)).toEqual([0]);
    expect(await getSpotCheck(db(), (await createParty(db(), "bureau")).organisationId, drawn.spotCheckId)).toBeNull();

    // Below the services: a finding given is not changed, a drawn purchase not removed, a draw not edited.
    const refused = (statement: ReturnType<typeof sql>) => statement.execute(db()).then(() => "changed", () => "refused");
    expect(await refused(sql`update spot_check_items set outcome = 'compliant', finding = null where spot_check_id = ${drawn.spotCheckId} and order_id = ${second}`)).toBe("refused");
    expect(await refused(sql`delete from spot_check_items where spot_check_id = ${drawn.spotCheckId} and order_id = ${third}`)).toBe("refused");
    expect(await refused(sql`update spot_checks set sample_size = 1 where id = ${drawn.spotCheckId}`)).toBe("refused");
    expect(await refused(sql`update spot_check_items set outcome = 'irregular', reviewed_by = ${bureau.userId}, reviewed_at = now() where spot_check_id = ${drawn.spotCheckId} and order_id = ${third}`)).toBe("refused");
    expect(await review(third, "compliant")).toEqual({ ok: true });

    // The finding's next step, revoking the voucher that paid, shows as done once it is.
    const { serial } = check.items.find((i) => i.orderId === second)!.vouchers[0];
    const voucher = await db().selectFrom("vouchers").select("id").where("serial", "=", serial).executeTakeFirstOrThrow();
    expect((await revokeVoucher(db(), bureau, { voucherId: voucher.id, reason: "抽查不合规" })).ok).toBe(true);
    expect((await getSpotCheck(db(), bureau.organisationId, drawn.spotCheckId))!.items.find((i) => i.orderId === second)!.vouchers).toEqual([{ serial, revoked: true }]);
  });

  it("disallows (核减) only the part of a voucher part found irregular when the bureau gives an amount; a refund still undoes it exactly", async () => {
    const { programmeId } = await programmeWithSales(1, 0);
    const today = chinaDay(new Date());
    const drawn = await drawSpotCheck(db(), bureau, { programmeId: String(programmeId), from: today, to: today, sampleSize: "1" });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn));
    const [orderId] = (await getSpotCheck(db(), bureau.organisationId, drawn.spotCheckId))!.items.map((i) => i.orderId);
    expect(await reviewSpotCheckItem(db(), bureau, { spotCheckId: drawn.spotCheckId, orderId, outcome: "irregular", finding: "合同金额虚高" })).toEqual({ ok: true });
    const disallow = (amount: unknown) => disallowVoucherPart(db(), bureau, { spotCheckId: drawn.spotCheckId, orderId, reason: "合同金额虚高，核减虚高部分", amount });
    const line = async () => (await reimbursementOverview(db(), bureau.organisationId)).find((r) => r.programmeId === programmeId && r.institutionId === seller.organisationId)!;
    const budgetLeft = async () => (await getProgramme(db(), programmeId))!.remainingBudgetFen;
    const [owedBefore, budgetBefore] = [(await line()).owedFen, await budgetLeft()];

    expect(await disallow("12.345")).toEqual({ ok: false, fieldErrors: { amount: "vouchers.error.amount.tooManyDecimals" } });
    expect(await disallow(7)).toEqual({ ok: false, fieldErrors: { amount: "vouchers.error.required" } });
    expect(await disallow("0")).toEqual({ ok: false, fieldErrors: { amount: "vouchers.error.amount.notPositive" } });
    expect(await disallow("1000.01")).toEqual({ ok: false, fieldErrors: {}, formError: { key: "vouchers.spot.error.aboveVoucherPart", params: { max: 100_000 } } });
    expect(await db().selectFrom("voucher_disallowances").select("order_id").where("order_id", "=", orderId).execute()).toEqual([]);

    expect(await disallow("300")).toEqual({ ok: true, amountFen: 30_000 });
    expect(await line()).toMatchObject({ owedFen: owedBefore - 30_000, disallowedFen: 30_000 });
    expect(await budgetLeft()).toBe(budgetBefore + 30_000);
    expect(await disallow("100")).toMatchObject({ formError: { key: "vouchers.spot.error.alreadyDisallowed" } });
    expect((await ledgerCheck(db())).violations).toEqual([]);

    expect(await refundOrder(db(), { orderId, externalRef: "REFUND-P", idempotencyKey: `test:${orderId}:refund` })).toMatchObject({ status: "refunded" });
    expect(await budgetLeft()).toBe(budgetBefore);
    expect(await line()).toMatchObject({ owedFen: owedBefore - 100_000, disallowedFen: 0 });
    expect((await ledgerCheck(db())).violations).toEqual([]);
  });

  it("disallows (核减) the voucher part of an irregular purchase before reimbursement: owed back to the programme, once, and not after a batch", async () => {
    const { programmeId } = await programmeWithSales(3, 0);
    const today = chinaDay(new Date());
    const drawn = await drawSpotCheck(db(), bureau, { programmeId: String(programmeId), from: today, to: today, sampleSize: "3" });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn));
    const [first, second, third] = (await getSpotCheck(db(), bureau.organisationId, drawn.spotCheckId))!.items.map((i) => i.orderId);
    for (const [orderId, outcome] of [[first, "irregular"], [second, "irregular"], [third, "compliant"]] as const) {
      expect(await reviewSpotCheckItem(db(), bureau, { spotCheckId: drawn.spotCheckId, orderId, outcome, finding: outcome === "irregular" ? "无交付证明" : undefined })).toEqual({ ok: true });
    }
    const disallow = (orderId: number, reason: unknown = "未能提供技术交付证明，核减券额", actor = bureau) =>
      disallowVoucherPart(db(), actor, { spotCheckId: drawn.spotCheckId, orderId, reason });
    const line = async () => (await reimbursementOverview(db(), bureau.organisationId)).find((r) => r.programmeId === programmeId && r.institutionId === seller.organisationId)!;
    const budgetLeft = async () => (await getProgramme(db(), programmeId))!.remainingBudgetFen;
    expect(await line()).toMatchObject({ owedFen: 300_000, irregularFindings: 2, disallowedFen: 0 });
    const budgetBefore = await budgetLeft();

    expect(await disallow(third)).toMatchObject({ ok: false, formError: { key: "vouchers.spot.error.notIrregular" } });
    expect(await disallow(first, "  ")).toEqual({ ok: false, fieldErrors: { reason: "vouchers.spot.error.reasonRequired" } });
    expect(await disallow(first, undefined, await createParty(db(), "bureau"))).toMatchObject({ formError: { key: "vouchers.spot.error.notFound" } });
    expect(await disallow(first)).toEqual({ ok: true, amountFen: 100_000 });
    expect(await disallow(first)).toMatchObject({ formError: { key: "vouchers.spot.error.alreadyDisallowed" } });
    expect(await line()).toMatchObject({ owedFen: 200_000, irregularFindings: 1, disallowedFen: 100_000 });
    expect(await budgetLeft()).toBe(budgetBefore + 100_000);
    expect((await getSpotCheck(db(), bureau.organisationId, drawn.spotCheckId))!.items.find((i) => i.orderId === first)!.disallowed).toMatchObject({
      amountFen: 100_000,
      reason: "未能提供技术交付证明，核减券额",
    });

    // Once the rest is in a reimbursement batch, nothing is owed to take the other irregular purchase's part from.
    expect((await createReimbursementBatch(db(), bureau, { programmeId, institutionIds: [seller.organisationId] })).ok).toBe(true);
    expect(await disallow(second)).toMatchObject({ formError: { key: "vouchers.spot.error.owedTooLittle" } });
    expect(await db().selectFrom("voucher_disallowances").select("order_id").where("order_id", "=", second).execute()).toEqual([]);
    expect((await ledgerCheck(db())).violations).toEqual([]);

    const refused = (statement: ReturnType<typeof sql>) => statement.execute(db()).then(() => "changed", () => "refused");
    expect(await refused(sql`update voucher_disallowances set amount_fen = 1 where order_id = ${first}`)).toBe("refused");
    expect(await refused(sql`delete from voucher_disallowances where order_id = ${first}`)).toBe("refused");

    // Refunding a disallowed purchase undoes the disallowance first: the voucher gets its part back from the
    // programme, and what is owed for the institution's other purchases is untouched.
    const voucherOf = async (orderId: number) =>
      (await db().selectFrom("ledger_transactions").select("voucher_id").where("order_id", "=", orderId).where("kind", "=", "voucher_post").executeTakeFirstOrThrow()).voucher_id as number;
    const available = async (voucherId: number) =>
      (await db().selectFrom("ledger_accounts").select("balance").where("voucher_id", "=", voucherId).where("purpose", "=", "voucher_available").executeTakeFirstOrThrow()).balance;
    const voucherId = await voucherOf(first);
    const [availableBefore, budgetBeforeRefund, inPaymentBefore] = [await available(voucherId), await budgetLeft(), (await line()).inPaymentFen];
    expect(await refundOrder(db(), { orderId: first, externalRef: "REFUND-1", idempotencyKey: `test:${first}:refund` })).toMatchObject({ status: "refunded" });
    expect(await available(voucherId)).toBe(availableBefore + 100_000);
    expect(await budgetLeft()).toBe(budgetBeforeRefund - 100_000);
    expect(await line()).toMatchObject({ owedFen: 0, inPaymentFen: inPaymentBefore, disallowedFen: 0 });

    // An irregular purchase already reimbursed is disallowed out of what the programme owes the seller later.
    const later = await createParty(db(), "enterprise");
    const laterVoucher = await issueVoucher(db(), programmeId, later, bureau);
    await payByTransfer(db(), await holdThroughCheckout(db(), { bureau, enterprise: later, institution: seller }, laterVoucher.voucherId, 150_000));
    expect(await disallow(second)).toEqual({ ok: true, amountFen: 100_000 });
    expect(await line()).toMatchObject({ owedFen: 50_000, inPaymentFen: inPaymentBefore, disallowedFen: 100_000 });
    expect((await ledgerCheck(db())).violations).toEqual([]);
  });
});
