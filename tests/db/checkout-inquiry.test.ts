import { beforeAll, expect, it } from "vitest";
import {
  cancelOrder,
  createInquiry,
  declineInquiry,
  listInquiries,
  markOrderPaid,
  quoteInquiry,
  startCheckout,
  withdrawInquiry,
} from "../../app/services/checkout";
import { chinaDate } from "../../app/services/vouchers/validation";
import { makeMember } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";
import { asBuyer, createMarket, footprint, listedResult, orderRow, voucherFor, type Market } from "./checkout-fixtures";

const DAY = 86_400_000;
const ask = { message: "我们计划在新建产线上使用，年产能约 5 万吨，希望了解许可费用与技术支持。", contactName: "王经理", contactPhone: "0379-6512 3456" };

describeEachEngine("checkout inquiries and quotes", (db) => {
  let m: Market;
  let resultId: number;
  beforeAll(async () => {
    m = await createMarket(db());
    resultId = await listedResult(db(), m, [
      { mode: "exclusive_license", price_fen: null },
      { mode: "nonexclusive_license", price_fen: 3_000_000 },
    ]);
  });

  const seller = () => ({ userId: m.seller.id, organisationId: m.seller.organisationId });
  const today = () => chinaDate(new Date());
  const inDays = (n: number) => chinaDate(new Date(Date.now() + n * DAY));

  it("asks about a negotiable mode only, once at a time, with field errors for bad input", async () => {
    const before = await footprint(db());
    expect(await createInquiry(db(), asBuyer(m.buyer), { resultId, mode: "nonexclusive_license", ...ask })).toEqual({
      ok: false,
      fieldErrors: { mode: "checkout.inquiry.error.fixedPrice" },
    });
    expect(await createInquiry(db(), asBuyer(m.buyer), { resultId, mode: "equity", ...ask })).toMatchObject({ ok: false, fieldErrors: { mode: "checkout.error.modeNotOffered" } });
    expect(await createInquiry(db(), asBuyer(m.buyer), { resultId, mode: "exclusive_license", message: "  ", contactName: "", contactPhone: "call me" })).toEqual({
      ok: false,
      fieldErrors: { message: "checkout.inquiry.error.required", contactName: "checkout.inquiry.error.required", contactPhone: "checkout.inquiry.error.phone" },
    });
    expect(await footprint(db())).toEqual(before);

    const first = await createInquiry(db(), asBuyer(m.buyer), { resultId, mode: "exclusive_license", ...ask });
    expect(first.ok).toBe(true);
    expect(await createInquiry(db(), asBuyer(m.buyer), { resultId, mode: "exclusive_license", ...ask })).toMatchObject({
      ok: false,
      formError: { key: "checkout.inquiry.error.alreadyOpen" },
    });
    const [row] = await listInquiries(db(), { institutionId: m.seller.organisationId });
    expect(row).toMatchObject({ resultId, mode: "exclusive_license", status: "open", quote: null, contactPhone: "0379-6512 3456" });
  });

  it("the institution quotes with a validity date; bad prices and dates are refused and change nothing", async () => {
    const [inquiry] = await listInquiries(db(), { enterpriseId: m.buyer.organisationId });
    const before = await footprint(db());
    const bad = async (input: { price?: string; validUntil?: string; note?: string }, field: string, key: string) => {
      const r = await quoteInquiry(db(), seller(), inquiry.id, { price: "120000", validUntil: inDays(10), ...input });
      expect(r).toMatchObject({ ok: false, fieldErrors: { [field]: key } });
    };
    await bad({ price: "-5" }, "price", "checkout.amount.negativeAmount");
    await bad({ price: "0" }, "price", "checkout.amount.notPositive");
    await bad({ price: "0.00" }, "price", "checkout.amount.notPositive");
    await bad({ price: "1200.005" }, "price", "checkout.amount.tooManyDecimals");
    await bad({ price: "十二万" }, "price", "checkout.amount.badAmount");
    await bad({ price: "" }, "price", "checkout.amount.required");
    await bad({ validUntil: inDays(-1) }, "validUntil", "checkout.inquiry.error.validPast");
    await bad({ validUntil: inDays(91) }, "validUntil", "checkout.inquiry.error.validTooLong");
    await bad({ validUntil: "2026-02-30" }, "validUntil", "checkout.inquiry.error.date");
    await bad({ note: "x".repeat(1001) }, "note", "checkout.inquiry.error.tooLong");
    const stranger = await makeMember(db(), "institution");
    await expect(quoteInquiry(db(), { userId: stranger.id, organisationId: stranger.organisationId }, inquiry.id, { price: "1", validUntil: today() })).rejects.toMatchObject({
      kind: "not_found",
    });
    expect(await footprint(db())).toEqual(before);

    expect(await quoteInquiry(db(), seller(), inquiry.id, { price: "150000", validUntil: inDays(10), note: "含三个月现场技术支持" })).toMatchObject({ ok: true });
    // A second quote replaces the first.
    const second = await quoteInquiry(db(), seller(), inquiry.id, { price: "128000.50", validUntil: inDays(10) });
    expect(second.ok).toBe(true);
    const quotes = await db().selectFrom("quotes").select(["price_fen", "status"]).where("inquiry_id", "=", inquiry.id).orderBy("id").execute();
    expect(quotes).toEqual([
      { price_fen: 15_000_000, status: "superseded" },
      { price_fen: 12_800_050, status: "offered" },
    ]);
    const [quoted] = await listInquiries(db(), { enterpriseId: m.buyer.organisationId });
    expect(quoted).toMatchObject({ status: "quoted", quote: { priceFen: 12_800_050, acceptable: true } });
  });

  it("the buyer accepts the quote by checking out at its price; paying closes the inquiry as accepted", async () => {
    const [inquiry] = await listInquiries(db(), { enterpriseId: m.buyer.organisationId });
    const quoteId = inquiry.quote?.id as number;
    const voucher = await voucherFor(db(), m, m.buyer);

    // Another enterprise cannot use this buyer's quote.
    await expect(startCheckout(db(), asBuyer(m.otherBuyer), { resultId, mode: "exclusive_license", quoteId, method: "card", cardEnabled: true })).rejects.toMatchObject({
      kind: "not_found",
      key: "checkout.error.quoteNotFound",
    });
    const started = await startCheckout(db(), asBuyer(m.buyer), {
      resultId,
      mode: "exclusive_license",
      quoteId,
      voucherIds: [voucher.voucherId],
      method: "bank_transfer",
      cardEnabled: false,
    });
    expect(started).toMatchObject({ priceFen: 12_800_050, voucherPartFen: 6_400_025, cashDueFen: 6_400_025 });
    expect((await orderRow(db(), started.orderId)).quote_id).toBe(quoteId);
    // While it is being paid, the quote can be neither replaced nor used twice.
    expect(await quoteInquiry(db(), seller(), inquiry.id, { price: "1", validUntil: today() })).toMatchObject({ formError: { key: "checkout.inquiry.error.quoteInUse" } });
    expect(await withdrawInquiry(db(), asBuyer(m.buyer), inquiry.id)).toMatchObject({ ok: false, formError: { key: "checkout.inquiry.error.quoteInUse" } });

    // Cancelled, the quote is still there to accept; paid, everything closes.
    await cancelOrder(db(), asBuyer(m.buyer), started.orderId);
    const again = await startCheckout(db(), asBuyer(m.buyer), { resultId, mode: "exclusive_license", quoteId, method: "bank_transfer", cardEnabled: false });
    await markOrderPaid(db(), { orderId: again.orderId, method: "bank_transfer", amountFen: 12_800_050, externalRef: "B-Q", idempotencyKey: "confirm-q" });
    const [done] = await listInquiries(db(), { enterpriseId: m.buyer.organisationId });
    expect(done).toMatchObject({ status: "accepted", quote: { status: "accepted", acceptable: false } });
    const contract = await db().selectFrom("contracts").select(["type", "amount_fen"]).where("order_id", "=", again.orderId).executeTakeFirstOrThrow();
    expect(contract).toEqual({ type: "license", amount_fen: 12_800_050 });
  });

  it("an expired quote cannot be accepted; declining and withdrawing close the inquiry", async () => {
    const other = await listedResult(db(), m, [{ mode: "development", price_fen: null }]);
    const created = await createInquiry(db(), asBuyer(m.otherBuyer), { resultId: other, mode: "development", ...ask });
    if (!created.ok) throw new Error("inquiry refused");
    const quoted = await quoteInquiry(db(), seller(), created.inquiryId, { price: "80000", validUntil: today() });
    if (!quoted.ok) throw new Error("quote refused");
    const tomorrow = new Date(Date.now() + DAY);
    await expect(
      startCheckout(db(), asBuyer(m.otherBuyer), { resultId: other, mode: "development", quoteId: quoted.quoteId, method: "card", cardEnabled: true, now: tomorrow }),
    ).rejects.toMatchObject({ kind: "conflict", key: "checkout.error.quoteExpired" });

    expect(await declineInquiry(db(), seller(), created.inquiryId, " ")).toEqual({ ok: false, fieldErrors: { reason: "checkout.inquiry.error.reasonRequired" } });
    expect(await declineInquiry(db(), seller(), created.inquiryId, "该方向已与其他企业签订独家合作")).toEqual({ ok: true });
    await expect(startCheckout(db(), asBuyer(m.otherBuyer), { resultId: other, mode: "development", quoteId: quoted.quoteId, method: "card", cardEnabled: true })).rejects.toMatchObject({
      key: "checkout.error.quoteNotOffered",
    });
    expect(await withdrawInquiry(db(), asBuyer(m.otherBuyer), created.inquiryId)).toMatchObject({ ok: false, formError: { key: "checkout.inquiry.error.closed" } });

    const asked = await createInquiry(db(), asBuyer(m.otherBuyer), { resultId: other, mode: "development", ...ask });
    if (!asked.ok) throw new Error("inquiry refused");
    await expect(withdrawInquiry(db(), asBuyer(m.buyer), asked.inquiryId)).rejects.toMatchObject({ kind: "not_found" });
    expect(await withdrawInquiry(db(), asBuyer(m.otherBuyer), asked.inquiryId)).toEqual({ ok: true });
  });

  it("a state-funded result in publicity can be asked about, not bought", async () => {
    const publicised = await listedResult(db(), m, [{ mode: "assignment", price_fen: null }], { stateFunded: true });
    const created = await createInquiry(db(), asBuyer(m.buyer), { resultId: publicised, mode: "assignment", ...ask });
    if (!created.ok) throw new Error("inquiry refused");
    const quoted = await quoteInquiry(db(), seller(), created.inquiryId, { price: "500000", validUntil: inDays(30) });
    if (!quoted.ok) throw new Error("quote refused");
    await expect(startCheckout(db(), asBuyer(m.buyer), { resultId: publicised, mode: "assignment", quoteId: quoted.quoteId, method: "bank_transfer", cardEnabled: false })).rejects.toMatchObject({
      kind: "conflict",
      key: "checkout.error.publicity",
    });
    const after = await startCheckout(db(), asBuyer(m.buyer), {
      resultId: publicised,
      mode: "assignment",
      quoteId: quoted.quoteId,
      method: "bank_transfer",
      cardEnabled: false,
      now: new Date(Date.now() + 16 * DAY),
    });
    expect(after.priceFen).toBe(50_000_000);
  });
});
