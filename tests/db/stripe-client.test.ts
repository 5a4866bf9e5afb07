import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PaymentsError } from "../../app/services/payments/errors";
import {
  createCheckoutSession,
  createStripeClient,
  expireCheckoutSession,
  refundPayment,
  type Stripe,
} from "../../app/services/payments/stripe";
import { startRecordingProxy, STRIPE_MOCK_SKIP_REASON, STRIPE_MOCK_URL, type RecordingProxy } from "../helpers/stripe-mock";

// The Stripe client against stripe-mock, which checks every request against Stripe's OpenAPI spec (for the API
// version our pinned stripe-node speaks) and answers with fixtures. A recording proxy in between keeps the requests
// as they went over the wire.

// Skipped only on a developer's machine without stripe-mock; in CI a missing STRIPE_MOCK_URL fails the suite.
const skip = !STRIPE_MOCK_URL && !process.env.CI;
if (skip) console.warn(`stripe client tests skipped: ${STRIPE_MOCK_SKIP_REASON}`);

describe.skipIf(skip)("stripe client against stripe-mock", () => {
  let proxy: RecordingProxy;
  let stripe: Stripe;
  const urls = { successUrl: "https://market.example.cn/orders/42/paid?session={CHECKOUT_SESSION_ID}", cancelUrl: "https://market.example.cn/orders/42" };

  beforeAll(async () => {
    if (!STRIPE_MOCK_URL) throw new Error(`CI must run these tests: ${STRIPE_MOCK_SKIP_REASON}`);
    proxy = await startRecordingProxy(STRIPE_MOCK_URL);
    stripe = createStripeClient({ secretKey: "sk_test_123", mockUrl: proxy.url });
  });
  afterAll(async () => {
    await proxy?.close();
  });
  beforeEach(() => {
    proxy.requests.length = 0;
  });

  it("creates a CNY Checkout Session for the cash part, with the order's idempotency key and ids", async () => {
    const before = Math.floor(Date.now() / 1000);
    const session = await createCheckoutSession(
      stripe,
      { id: 42, cashDueFen: 4_000_050, title: "一种高强度耐蚀钛合金及其制备方法（独占许可）", customerEmail: "buyer@example.cn" },
      { ...urls, paymentMethods: ["card", "alipay", "wechat_pay"] },
    );
    const after = Math.floor(Date.now() / 1000);
    expect(session.sessionId).toMatch(/^cs_/);
    expect(session.url).toMatch(/^https:\/\//);
    expect(session.amountFen).toBe(4_000_050);

    expect(proxy.requests).toHaveLength(1);
    const [req] = proxy.requests;
    expect(req.status).toBe(200);
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/checkout/sessions");
    expect(req.headers["idempotency-key"]).toBe("order-42-checkout");
    expect(req.headers["content-type"]).toMatch(/application\/x-www-form-urlencoded/);
    const { expires_at: expiresAt, ...form } = req.form;
    expect(form).toEqual({
      mode: "payment",
      currency: "cny",
      client_reference_id: "42",
      "metadata[order_id]": "42",
      "payment_intent_data[metadata][order_id]": "42",
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][currency]": "cny",
      "line_items[0][price_data][unit_amount]": "4000050",
      "line_items[0][price_data][product_data][name]": "一种高强度耐蚀钛合金及其制备方法（独占许可）",
      "payment_method_types[0]": "card",
      "payment_method_types[1]": "alipay",
      "payment_method_types[2]": "wechat_pay",
      "payment_method_options[wechat_pay][client]": "web",
      success_url: urls.successUrl,
      cancel_url: urls.cancelUrl,
      locale: "zh",
      customer_email: "buyer@example.cn",
    });
    // 30 minutes, plus the slack that keeps Stripe's 30-minute minimum satisfied on arrival.
    expect(Number(expiresAt)).toBeGreaterThanOrEqual(before + 1800 + 60);
    expect(Number(expiresAt)).toBeLessThanOrEqual(after + 1800 + 60);
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
  });

  it("offers card only by default, without WeChat Pay options", async () => {
    await createCheckoutSession(stripe, { id: 43, cashDueFen: 100, title: "技术服务" }, urls);
    const [req] = proxy.requests;
    expect(req.headers["idempotency-key"]).toBe("order-43-checkout");
    expect(Object.keys(req.form).filter((k) => k.startsWith("payment_method"))).toEqual(["payment_method_types[0]"]);
    expect(req.form["payment_method_types[0]"]).toBe("card");
    expect(req.form.customer_email).toBeUndefined();
  });

  it("sends a repeated call for the same order byte for byte again, under the same key", async () => {
    // The order's deadline (placed + 30 min) fixes the session's expiry, so the second call is byte for byte the first.
    const order = { id: 44, cashDueFen: 250_000, title: "普通许可", expiresAt: new Date(Date.now() + 30 * 60_000) };
    await createCheckoutSession(stripe, order, urls);
    await createCheckoutSession(stripe, order, urls);
    expect(proxy.requests).toHaveLength(2);
    expect(proxy.requests[1].headers["idempotency-key"]).toBe(proxy.requests[0].headers["idempotency-key"]);
    expect(proxy.requests[1].form).toEqual(proxy.requests[0].form);
    expect(proxy.requests[0].form.expires_at).toBe(String(Math.floor(order.expiresAt.getTime() / 1000) + 5 * 60));
  });

  it("refunds a payment intent with the order's refund key", async () => {
    const refund = await refundPayment(stripe, { paymentIntentId: "pi_test_abc", amountFen: 4_000_050, orderId: 42 });
    expect(refund.refundId).toMatch(/^re_/);
    expect(typeof refund.status).toBe("string");
    const [req] = proxy.requests;
    expect(req.status).toBe(200);
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/refunds");
    expect(req.headers["idempotency-key"]).toBe("order-42-refund");
    expect(req.form).toEqual({
      payment_intent: "pi_test_abc",
      amount: "4000050",
      reason: "requested_by_customer",
      "metadata[order_id]": "42",
    });
  });

  it("expires an open session with its own key", async () => {
    await expireCheckoutSession(stripe, { sessionId: "cs_test_abc", orderId: 42 });
    const [req] = proxy.requests;
    expect(req.status).toBe(200);
    expect(req.path).toBe("/v1/checkout/sessions/cs_test_abc/expire");
    expect(req.headers["idempotency-key"]).toBe("order-42-checkout-expire");
  });

  it("refuses bad input with the field named, and sends nothing", async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => createCheckoutSession(stripe, { id: 45, cashDueFen: 0, title: "x" }, urls), "order.cashDueFen"],
      [() => createCheckoutSession(stripe, { id: 45, cashDueFen: -100, title: "x" }, urls), "order.cashDueFen"],
      [() => createCheckoutSession(stripe, { id: 45, cashDueFen: 10.5, title: "x" }, urls), "order.cashDueFen"],
      [() => createCheckoutSession(stripe, { id: 45, cashDueFen: 100_000_000, title: "x" }, urls), "order.cashDueFen"],
      [() => createCheckoutSession(stripe, { id: 0, cashDueFen: 100, title: "x" }, urls), "order.id"],
      [() => createCheckoutSession(stripe, { id: 45, cashDueFen: 100, title: " " }, urls), "order.title"],
      [() => createCheckoutSession(stripe, { id: 45, cashDueFen: 100, title: "x" }, { ...urls, successUrl: "/orders/45" }), "successUrl"],
      [
        () => createCheckoutSession(stripe, { id: 45, cashDueFen: 100, title: "x", expiresAt: new Date(Date.now() - 10 * 60_000) }, urls),
        "order.expiresAt",
      ],
      [() => refundPayment(stripe, { paymentIntentId: "ch_123", amountFen: 100, orderId: 45 }), "paymentIntentId"],
      [() => refundPayment(stripe, { paymentIntentId: "pi_123", amountFen: 0, orderId: 45 }), "amountFen"],
      [() => expireCheckoutSession(stripe, { sessionId: "pi_123", orderId: 45 }), "sessionId"],
    ];
    for (const [call, field] of cases) {
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, field).toBeInstanceOf(PaymentsError);
      expect((error as PaymentsError).kind, field).toBe("invalid_input");
      expect((error as PaymentsError).field).toBe(field);
      expect((error as PaymentsError).message).toContain(field);
    }
    expect(proxy.requests).toEqual([]);
  });

  it("turns Stripe's refusals into typed errors (a key stripe-mock does not accept → not_configured)", async () => {
    const liveKey = createStripeClient({ secretKey: "sk_live_not_for_a_mock", mockUrl: proxy.url });
    const error = await createCheckoutSession(liveKey, { id: 46, cashDueFen: 100, title: "x" }, urls).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PaymentsError);
    expect((error as PaymentsError).kind).toBe("not_configured");
    expect((error as PaymentsError).message).toMatch(/order 46/);
    expect(proxy.requests[0].status).toBe(401);
  });

  it("reports an unreachable Stripe as unavailable (retryable)", async () => {
    const nowhere = createStripeClient({ secretKey: "sk_test_123", mockUrl: "http://127.0.0.1:9" });
    const error = await refundPayment(nowhere, { paymentIntentId: "pi_x", amountFen: 1, orderId: 47 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PaymentsError);
    expect((error as PaymentsError).kind).toBe("unavailable");
  });
});
