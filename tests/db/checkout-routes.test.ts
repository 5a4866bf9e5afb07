import { beforeAll, describe, expect, it } from "vitest";
import { action as checkoutAction, loader as checkoutLoader } from "../../app/routes/checkout.$resultId";
import { action as orderAction, loader as orderLoader } from "../../app/routes/enterprise.orders.$id";
import { loader as ordersLoader } from "../../app/routes/enterprise.orders._index";
import { action as quoteAction, loader as inquiryLoader } from "../../app/routes/institution.inquiries.$id";
import { loader as inquiriesLoader } from "../../app/routes/institution.inquiries._index";
import { loader as saleLoader } from "../../app/routes/institution.orders.$id";
import { loader as salesLoader } from "../../app/routes/institution.orders._index";
import { loader as operatorLoader } from "../../app/routes/operator._index";
import { action as transferAction, loader as transferLoader } from "../../app/routes/operator.transfers.$id";
import { loader as transfersLoader } from "../../app/routes/operator.transfers._index";
import { action as operatorOrderAction, loader as operatorOrderLoader } from "../../app/routes/operator.orders.$id";
import { loader as findOrderLoader } from "../../app/routes/operator.orders._index";
import { action as inquireAction, loader as inquireLoader } from "../../app/routes/results.$id_.inquire";
import { createSession } from "../../app/services/accounts/sessions";
import type { SessionUser } from "../../app/services/accounts/types";
import { bankReference } from "../../app/services/checkout";
import Stripe from "stripe";
import { handleStripeWebhook } from "../../app/services/payments/webhook";
import { ledgerCheck } from "../../app/services/ledger";
import { formRequest, location, refused, thrown, useAppDatabase } from "../helpers/app-db";
import { chargeObject, checkoutSessionObject, stripeEventPayload, stripeSignatureHeader, TEST_WEBHOOK_SECRET } from "../helpers/stripe-signing";
import { describeEachEngine } from "../helpers/db";
import { balance, createMarket, footprint, listedResult, orderRow, resultStatus, voucherFor, type Market } from "./checkout-fixtures";

// The process-wide Stripe client (app/services/payments/stripe.ts keeps it here). The route tests put a stand-in
// there that answers as Stripe's API does; the Stripe client itself is tested against stripe-mock in stripe*.test.ts.
const stripeStore = globalThis as typeof globalThis & { __marketStripe?: { client: Stripe; settings: { secretKey: string; paymentMethods: "card"[] } } | null };

interface SessionCall {
  params: Stripe.Checkout.SessionCreateParams;
  idempotencyKey: string | undefined;
}

function fakeStripe(calls: SessionCall[], fail = false): Stripe {
  const create = async (params: Stripe.Checkout.SessionCreateParams, options?: { idempotencyKey?: string }) => {
    calls.push({ params, idempotencyKey: options?.idempotencyKey });
    if (fail) throw new Stripe.errors.StripeConnectionError({ message: "connect ECONNREFUSED" });
    const id = `cs_test_${calls.length}_${params.client_reference_id}`;
    return { id, object: "checkout.session", url: `https://checkout.stripe.com/c/pay/${id}`, expires_at: params.expires_at };
  };
  return { checkout: { sessions: { create } } } as unknown as Stripe;
}

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };

describeEachEngine("checkout routes", (db, engine) => {
  useAppDatabase(db, engine);
  let m: Market;
  const cookies = new Map<number, string>();
  const as = (user: SessionUser | null): Record<string, string> => (user ? { Cookie: cookies.get(user.id) ?? "" } : {});
  const get = (user: SessionUser | null, path: string) => new Request(`${BASE}${path}`, { headers: as(user) });
  const post = (user: SessionUser, path: string, fields: Record<string, string>) => formRequest(`${BASE}${path}`, fields, as(user));

  beforeAll(async () => {
    m = await createMarket(db());
    for (const user of [m.buyer, m.otherBuyer, m.seller, m.bureau, m.operator]) cookies.set(user.id, `__session=${(await createSession(db(), user.id)).token}`);
  });

  describe("buying", () => {
    let resultId: number;
    let voucherId: number;
    beforeAll(async () => {
      resultId = await listedResult(db(), m, [
        { mode: "assignment", price_fen: 30_000_000 },
        { mode: "development", price_fen: null },
      ]);
      voucherId = (await voucherFor(db(), m, m.buyer)).voucherId;
    });

    it("shows the voucher part computed on the server; visitors log in, other roles are refused", async () => {
      const path = `/checkout/${resultId}?mode=assignment`;
      const answer = (await checkoutLoader({ request: get(m.buyer, path), params: { resultId: String(resultId) }, context })) as {
        ok: true;
        cardEnabled: boolean;
        preview: { voucherQuote: { voucherPartFen: number; limitedBy: string }; selectedVoucherIds: number[]; block: unknown };
      };
      expect(answer.ok).toBe(true);
      expect(answer.cardEnabled).toBe(false); // no STRIPE_SECRET_KEY in tests: the page says online payment is off
      expect(answer.preview.selectedVoucherIds).toEqual([voucherId]);
      expect(answer.preview.voucherQuote).toMatchObject({ voucherPartFen: 10_000_000, limitedBy: "balance" });
      expect(answer.preview.block).toBeNull();

      const visitor = await thrown(checkoutLoader({ request: get(null, path), params: { resultId: String(resultId) }, context }));
      expect(visitor.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
      expect((await thrown(checkoutLoader({ request: get(m.seller, path), params: { resultId: String(resultId) }, context }))).status).toBe(403);
      const negotiable = await thrown(checkoutLoader({ request: get(m.buyer, `/checkout/${resultId}?mode=development`), params: { resultId: String(resultId) }, context }));
      expect(negotiable.headers.get("Location")).toBe(`/results/${resultId}/inquire?mode=development`);
      expect((await thrown(checkoutLoader({ request: get(m.buyer, path), params: { resultId: "999999999" }, context }))).status).toBe(404);
    });

    it("refuses bad voucher amounts and card payment while Stripe is off, changing nothing", async () => {
      const before = await footprint(db());
      const path = `/checkout/${resultId}`;
      const fraction = refused(await checkoutAction({ request: post(m.buyer, path, { mode: "assignment", voucher: String(voucherId), voucherAmount: "1000.005", method: "bank_transfer" }), params: { resultId: String(resultId) }, context }));
      expect(fraction).toMatchObject({ status: 400, body: { fieldErrors: { voucherAmount: { key: "checkout.amount.tooManyDecimals" } } } });
      const negative = refused(await checkoutAction({ request: post(m.buyer, path, { mode: "assignment", voucher: String(voucherId), voucherAmount: "-5", method: "bank_transfer" }), params: { resultId: String(resultId) }, context }));
      expect(negative.body).toMatchObject({ fieldErrors: { voucherAmount: { key: "checkout.amount.negativeAmount" } } });
      const above = refused(await checkoutAction({ request: post(m.buyer, path, { mode: "assignment", voucher: String(voucherId), voucherAmount: "100000.01", method: "bank_transfer" }), params: { resultId: String(resultId) }, context }));
      expect(above.body).toMatchObject({ fieldErrors: { voucherAmount: { key: "checkout.error.aboveBalance", params: { max: 10_000_000 } } } });
      const card = refused(await checkoutAction({ request: post(m.buyer, path, { mode: "assignment", method: "card" }), params: { resultId: String(resultId) }, context }));
      expect(card).toMatchObject({ status: 400, body: { fieldErrors: { method: { key: "checkout.error.cardUnavailable" } } } });
      expect(await footprint(db())).toEqual(before);
    });

    it("places a voucher + bank transfer order, shows the transfer instructions, and the operator's confirmation completes it", async () => {
      const placed = await checkoutAction({
        request: post(m.buyer, `/checkout/${resultId}`, { mode: "assignment", voucher: String(voucherId), voucherAmount: "", method: "bank_transfer" }),
        params: { resultId: String(resultId) },
        context,
      });
      const target = location(placed) ?? "";
      expect(target).toMatch(/^\/enterprise\/orders\/\d+\?placed=1$/);
      const orderId = Number(/orders\/(\d+)/.exec(target)?.[1]);
      expect(await orderRow(db(), orderId)).toMatchObject({ status: "pending", voucher_part_fen: 10_000_000, cash_due_fen: 20_000_000, payment_method: "bank_transfer" });
      expect(await resultStatus(db(), resultId)).toBe("reserved");

      const page = (await orderLoader({ request: get(m.buyer, target), params: { id: String(orderId) }, context })) as { order: { bankReference: string; vouchers: unknown[] } };
      expect(page.order.bankReference).toBe(bankReference(orderId));
      expect(page.order.vouchers).toHaveLength(1);
      expect((await thrown(orderLoader({ request: get(m.otherBuyer, target), params: { id: String(orderId) }, context }))).status).toBe(404);

      // The operator finds it by the reference code on the bank statement.
      const queue = (await transfersLoader({ request: get(m.operator, `/operator/transfers?q=${bankReference(orderId).toLowerCase()}`), params: {}, context })) as { rows: { id: number }[] };
      expect(queue.rows.map((r) => r.id)).toEqual([orderId]);
      const overview = (await operatorLoader({ request: get(m.operator, "/operator"), params: {}, context })) as { overview: { awaitingTransfers: number } };
      expect(overview.overview.awaitingTransfers).toBeGreaterThanOrEqual(1);
      expect((await thrown(transfersLoader({ request: get(m.buyer, "/operator/transfers"), params: {}, context }))).status).toBe(403);

      const before = await footprint(db());
      const path = `/operator/transfers/${orderId}`;
      const wrong = refused(await transferAction({ request: post(m.operator, path, { intent: "confirm", amount: "199999.99", bankRef: "ICBC-001", receivedOn: "" }), params: { id: String(orderId) }, context }));
      expect(wrong).toMatchObject({ status: 400, body: { fieldErrors: { amount: { key: "checkout.error.amountMismatch", params: { expected: 20_000_000, got: 19_999_999 } } } } });
      const zero = refused(await transferAction({ request: post(m.operator, path, { intent: "confirm", amount: "0", bankRef: "ICBC-001", receivedOn: "" }), params: { id: String(orderId) }, context }));
      expect(zero.body).toMatchObject({ fieldErrors: { amount: { key: "checkout.error.amountZero" } } });
      const noRef = refused(await transferAction({ request: post(m.operator, path, { intent: "confirm", amount: "200000", bankRef: " ", receivedOn: "" }), params: { id: String(orderId) }, context }));
      expect(noRef.body).toMatchObject({ fieldErrors: { bankRef: { key: "checkout.transfers.bankRefRequired" } } });
      const future = refused(await transferAction({ request: post(m.operator, path, { intent: "confirm", amount: "200000", bankRef: "ICBC-001", receivedOn: "2999-01-01" }), params: { id: String(orderId) }, context }));
      expect(future.body).toMatchObject({ fieldErrors: { receivedOn: { key: "checkout.transfers.receivedFuture" } } });
      expect(await footprint(db())).toEqual(before);

      const confirmed = await transferAction({ request: post(m.operator, path, { intent: "confirm", amount: "200000.00", bankRef: "ICBC-001", receivedOn: "" }), params: { id: String(orderId) }, context });
      expect(location(confirmed)).toBe(`${path}?confirmed=1`);
      // A double submit changes nothing.
      expect(location(await transferAction({ request: post(m.operator, path, { intent: "confirm", amount: "200000", bankRef: "ICBC-001", receivedOn: "" }), params: { id: String(orderId) }, context }))).toBe(
        `${path}?confirmed=1`,
      );
      expect(await orderRow(db(), orderId)).toMatchObject({ status: "completed", payment_ref: "ICBC-001" });
      expect(await resultStatus(db(), resultId)).toBe("transferred");
      const detail = (await transferLoader({ request: get(m.operator, path), params: { id: String(orderId) }, context })) as { order: { contract: { contractNo: string } | null } };
      expect(detail.order.contract?.contractNo).toBe(`PLT-${orderId}`);

      // Both sides see the receipt.
      const sale = (await saleLoader({ request: get(m.seller, `/institution/orders/${orderId}`), params: { id: String(orderId) }, context })) as { order: { status: string }; feeFen: number };
      expect(sale.order.status).toBe("completed");
      expect(sale.feeFen).toBe(200_000); // 1% of the cash part
      const sales = (await salesLoader({ request: get(m.seller, "/institution/orders"), params: {}, context })) as { orders: { rows: { id: number }[] } };
      expect(sales.orders.rows.map((r) => r.id)).toContain(orderId);
      const mine = (await ordersLoader({ request: get(m.buyer, "/enterprise/orders"), params: {}, context })) as { orders: { counts: { completed: number } } };
      expect(mine.orders.counts.completed).toBe(1);

      // The operator records a refund: reason and bank reference are required.
      const noReason = refused(await transferAction({ request: post(m.operator, path, { intent: "refund", refundRef: "ICBC-R-1", reason: "" }), params: { id: String(orderId) }, context }));
      expect(noReason.body).toMatchObject({ fieldErrors: { reason: { key: "checkout.inquiry.error.reasonRequired" } } });
      const refundedAt = await transferAction({ request: post(m.operator, path, { intent: "refund", refundRef: "ICBC-R-1", reason: "买方项目终止" }), params: { id: String(orderId) }, context });
      expect(location(refundedAt)).toBe(`${path}?refunded=1`);
      expect((await orderRow(db(), orderId)).status).toBe("refunded");
      expect(await resultStatus(db(), resultId)).toBe("listed");
    });

    it("the buyer cancels a pending order; another enterprise cannot", async () => {
      const placed = await checkoutAction({
        request: post(m.otherBuyer, `/checkout/${resultId}`, { mode: "assignment", method: "bank_transfer" }),
        params: { resultId: String(resultId) },
        context,
      });
      const orderId = Number(/orders\/(\d+)/.exec(location(placed) ?? "")?.[1]);
      expect((await thrown(orderAction({ request: post(m.buyer, `/enterprise/orders/${orderId}`, { intent: "cancel" }), params: { id: String(orderId) }, context }))).status).toBe(404);
      const cancelled = await orderAction({ request: post(m.otherBuyer, `/enterprise/orders/${orderId}`, { intent: "cancel" }), params: { id: String(orderId) }, context });
      expect(location(cancelled)).toBe(`/enterprise/orders/${orderId}?cancelled=1`);
      expect((await orderRow(db(), orderId)).status).toBe("cancelled");
      expect(await resultStatus(db(), resultId)).toBe("listed");
    });
  });

  describe("inquiries", () => {
    it("an enterprise asks, the institution quotes, and the quote shows up for the buyer to accept", async () => {
      const resultId = await listedResult(db(), m, [{ mode: "exclusive_license", price_fen: null }]);
      const page = (await inquireLoader({ request: get(m.buyer, `/results/${resultId}/inquire?mode=exclusive_license`), params: { id: String(resultId) }, context })) as { modes: string[]; mode: string };
      expect(page).toMatchObject({ modes: ["exclusive_license"], mode: "exclusive_license" });

      const bad = refused(await inquireAction({ request: post(m.buyer, `/results/${resultId}/inquire`, { mode: "exclusive_license", message: "", contactName: "王", contactPhone: "x" }), params: { id: String(resultId) }, context }));
      expect(bad).toMatchObject({ status: 400, body: { fieldErrors: { message: "checkout.inquiry.error.required", contactPhone: "checkout.inquiry.error.phone" } } });
      const asked = await inquireAction({
        request: post(m.buyer, `/results/${resultId}/inquire`, { mode: "exclusive_license", message: "拟用于汽车轻量化零件，年需求约 20 万件。", contactName: "王经理", contactPhone: "13800000000" }),
        params: { id: String(resultId) },
        context,
      });
      expect(location(asked)).toBe("/enterprise/orders?asked=1#inquiries");

      const list = (await inquiriesLoader({ request: get(m.seller, "/institution/inquiries"), params: {}, context })) as { rows: { id: number; resultId: number }[] };
      const inquiry = list.rows.find((r) => r.resultId === resultId);
      expect(inquiry).toBeDefined();
      const id = String(inquiry?.id);
      const detail = (await inquiryLoader({ request: get(m.seller, `/institution/inquiries/${id}`), params: { id }, context })) as { inquiry: { message: string } };
      expect(detail.inquiry.message).toContain("汽车轻量化");

      const badQuote = refused(await quoteAction({ request: post(m.seller, `/institution/inquiries/${id}`, { intent: "quote", price: "-1", validUntil: "2000-01-01", note: "" }), params: { id }, context }));
      expect(badQuote).toMatchObject({ status: 400, body: { fieldErrors: { price: "checkout.amount.negativeAmount", validUntil: "checkout.inquiry.error.validPast" } } });
      const validUntil = new Date(Date.now() + 20 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
      const quoted = await quoteAction({ request: post(m.seller, `/institution/inquiries/${id}`, { intent: "quote", price: "260000", validUntil, note: "含培训" }), params: { id }, context });
      expect(location(quoted)).toBe(`/institution/inquiries/${id}?quoted=1`);

      const mine = (await ordersLoader({ request: get(m.buyer, "/enterprise/orders"), params: {}, context })) as {
        inquiries: { id: number; quote: { id: number; priceFen: number; acceptable: boolean } | null }[];
      };
      const withQuote = mine.inquiries.find((i) => i.id === Number(id));
      expect(withQuote?.quote).toMatchObject({ priceFen: 26_000_000, acceptable: true });
      // Accepting = checking out with the quote.
      const checkout = (await checkoutLoader({
        request: get(m.buyer, `/checkout/${resultId}?mode=exclusive_license&quote=${withQuote?.quote?.id}`),
        params: { resultId: String(resultId) },
        context,
      })) as { ok: boolean; preview: { offer: { priceFen: number } } };
      expect(checkout.preview.offer.priceFen).toBe(26_000_000);
      // Someone else's inquiry is not found.
      expect((await thrown(inquiryLoader({ request: get(m.bureau, `/institution/inquiries/${id}`), params: { id }, context }))).status).toBe(403);
    });
  });

  describe("paying by card through Stripe", () => {
    it("voucher + card: the buyer goes to Stripe's page, the signed webhook completes the order into a contract and a balanced ledger", async () => {
      const resultId = await listedResult(db(), m, [{ mode: "sole_license", price_fen: 4_000_000 }]);
      const voucherId = (await voucherFor(db(), m, m.otherBuyer)).voucherId;
      const calls: SessionCall[] = [];
      stripeStore.__marketStripe = { client: fakeStripe(calls), settings: { secretKey: "sk_test_checkout", paymentMethods: ["card"] } };
      try {
        const loaded = (await checkoutLoader({ request: get(m.otherBuyer, `/checkout/${resultId}?mode=sole_license`), params: { resultId: String(resultId) }, context })) as {
          cardEnabled: boolean;
        };
        expect(loaded.cardEnabled).toBe(true);
        const placed = await checkoutAction({
          request: post(m.otherBuyer, `/checkout/${resultId}`, { mode: "sole_license", voucher: String(voucherId), voucherAmount: "15000", method: "card" }),
          params: { resultId: String(resultId) },
          context,
        });
        const target = location(placed) ?? "";
        expect(target).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_1_\d+$/);
        expect(calls).toHaveLength(1);
        const orderId = Number(calls[0].params.client_reference_id);
        expect(calls[0].idempotencyKey).toBe(`order-${orderId}-checkout`);
        expect(calls[0].params.line_items?.[0].price_data?.unit_amount).toBe(2_500_000); // 4万 less the 1.5万 voucher part
        const order = await orderRow(db(), orderId);
        expect(order).toMatchObject({ status: "pending", payment_method: "card", stripe_checkout_session_id: `cs_test_1_${orderId}`, stripe_checkout_url: target });
        expect(await resultStatus(db(), resultId)).toBe("reserved");

        // Stripe reports the payment: the body signed with the endpoint's secret, as Stripe signs it.
        const payload = stripeEventPayload(
          "checkout.session.completed",
          checkoutSessionObject({ id: `cs_test_1_${orderId}`, orderId, amountTotal: 2_500_000, paymentIntent: "pi_test_route" }),
        );
        const quiet = { info: () => {}, warn: () => {}, error: () => {} };
        const answer = await handleStripeWebhook(db(), { rawBody: payload, signature: stripeSignatureHeader(payload) }, { secret: TEST_WEBHOOK_SECRET, log: quiet });
        expect(answer).toMatchObject({ status: 200, body: { outcome: "processed", orderId } });
        const again = await handleStripeWebhook(db(), { rawBody: payload, signature: stripeSignatureHeader(payload) }, { secret: TEST_WEBHOOK_SECRET, log: quiet });
        expect(again.status).toBe(200); // a redelivery changes nothing
        expect(again.body.outcome).not.toBe("processed");

        expect(await orderRow(db(), orderId)).toMatchObject({ status: "completed", payment_ref: "pi_test_route" });
        expect(await resultStatus(db(), resultId)).toBe("transferred");
        const contracts = await db().selectFrom("contracts").select(["type", "amount_fen", "status"]).where("order_id", "=", orderId).execute();
        expect(contracts).toEqual([{ type: "license", amount_fen: 4_000_000, status: "registered" }]);
        expect(await balance(db(), `programme:${m.programmeId}:org:${m.seller.organisationId}:voucher_reimbursable`)).toBeGreaterThanOrEqual(1_500_000);
        expect((await ledgerCheck(db())).violations).toEqual([]);
        const page = (await orderLoader({ request: get(m.otherBuyer, `/enterprise/orders/${orderId}?paid=1`), params: { id: String(orderId) }, context })) as {
          order: { status: string; contract: { contractNo: string } | null };
        };
        expect(page.order).toMatchObject({ status: "completed", contract: { contractNo: `PLT-${orderId}` } });

        // The operator finds the order and refunds it through Stripe; the ledger follows Stripe's charge.refunded.
        const found = await findOrderLoader({ request: get(m.operator, `/operator/orders?q=${String(orderId).padStart(8, "0")}`), params: {}, context });
        expect(location(found)).toBe(`/operator/orders/${orderId}`);
        const refunds: { params: Stripe.RefundCreateParams; idempotencyKey: string | undefined }[] = [];
        const refundsCreate = async (params: Stripe.RefundCreateParams, options?: { idempotencyKey?: string }) => {
          refunds.push({ params, idempotencyKey: options?.idempotencyKey });
          return { id: "re_test_route", object: "refund", status: "succeeded", amount: params.amount };
        };
        stripeStore.__marketStripe = {
          client: { refunds: { create: refundsCreate } } as unknown as Stripe,
          settings: { secretKey: "sk_test_checkout", paymentMethods: ["card"] },
        };
        const operatorPage = `/operator/orders/${orderId}`;
        const shown = (await operatorOrderLoader({ request: get(m.operator, operatorPage), params: { id: String(orderId) }, context })) as { stripeEnabled: boolean };
        expect(shown.stripeEnabled).toBe(true);
        expect((await thrown(operatorOrderLoader({ request: get(m.buyer, operatorPage), params: { id: String(orderId) }, context }))).status).toBe(403);
        const noReason = refused(await operatorOrderAction({ request: post(m.operator, operatorPage, { reason: " " }), params: { id: String(orderId) }, context }));
        expect(noReason).toMatchObject({ status: 400, body: { reasonError: { key: "checkout.inquiry.error.reasonRequired" } } });
        expect(refunds).toHaveLength(0);
        const asked = await operatorOrderAction({ request: post(m.operator, operatorPage, { reason: "买方撤回合作" }), params: { id: String(orderId) }, context });
        expect(location(asked)).toBe(`${operatorPage}?refund=re_test_route`);
        expect(refunds).toEqual([
          { params: expect.objectContaining({ payment_intent: "pi_test_route", amount: 2_500_000 }), idempotencyKey: `order-${orderId}-refund` },
        ]);
        expect(await orderRow(db(), orderId)).toMatchObject({ status: "completed" }); // until Stripe confirms
        const audit = await db().selectFrom("audit_log").select(["action", "detail"]).where("subject_type", "=", "order").where("subject_id", "=", String(orderId)).execute();
        expect(audit).toEqual([{ action: "order.refund_requested", detail: expect.objectContaining({ reason: "买方撤回合作", refund_id: "re_test_route" }) }]);

        const refunded = stripeEventPayload("charge.refunded", chargeObject({ amount: 2_500_000, orderId, paymentIntent: "pi_test_route" }));
        const confirmed = await handleStripeWebhook(db(), { rawBody: refunded, signature: stripeSignatureHeader(refunded) }, { secret: TEST_WEBHOOK_SECRET, log: quiet });
        expect(confirmed).toMatchObject({ status: 200, body: { outcome: "processed", orderId } });
        expect(await orderRow(db(), orderId)).toMatchObject({ status: "refunded" });
        expect(await resultStatus(db(), resultId)).toBe("listed");
        expect((await ledgerCheck(db())).violations).toEqual([]);
        const closed = refused(await operatorOrderAction({ request: post(m.operator, operatorPage, { reason: "再退一次" }), params: { id: String(orderId) }, context }));
        expect(closed).toMatchObject({ status: 409, body: { formError: { key: "checkout.error.notRefundable" } } });
      } finally {
        stripeStore.__marketStripe = undefined;
      }
    });

    it("when Stripe cannot be reached, the order is withdrawn at once and the vouchers released", async () => {
      const resultId = await listedResult(db(), m, [{ mode: "exclusive_license", price_fen: 1_000_000 }]);
      const voucherId = (await voucherFor(db(), m, m.otherBuyer)).voucherId;
      const before = await balance(db(), `voucher:${voucherId}:voucher_available`);
      stripeStore.__marketStripe = { client: fakeStripe([], true), settings: { secretKey: "sk_test_checkout", paymentMethods: ["card"] } };
      try {
        const answer = refused(
          await checkoutAction({
            request: post(m.otherBuyer, `/checkout/${resultId}`, { mode: "exclusive_license", voucher: String(voucherId), method: "card" }),
            params: { resultId: String(resultId) },
            context,
          }),
        );
        expect(answer).toMatchObject({ status: 503, body: { formError: { key: "checkout.error.stripeFailed" } } });
      } finally {
        stripeStore.__marketStripe = undefined;
      }
      expect(await balance(db(), `voucher:${voucherId}:voucher_available`)).toBe(before);
      expect(await resultStatus(db(), resultId)).toBe("listed");
      const orders = await db().selectFrom("orders").select(["status", "close_reason"]).where("result_id", "=", resultId).execute();
      expect(orders).toEqual([{ status: "cancelled", close_reason: "cancelled" }]);
    });
  });
});
