import { describe, expect, it } from "vitest";
import { PaymentsError } from "../../app/services/payments/errors";
import { checkoutSessionParams, createStripeClient, parsePaymentMethods, stripeSettingsFromEnv } from "../../app/services/payments/stripe";

// The payments service's configuration and request building, without the network (the wire is tested against
// stripe-mock in tests/db/stripe-client.test.ts).

function refusal(fn: () => unknown): PaymentsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PaymentsError);
    return error as PaymentsError;
  }
  throw new Error("expected a PaymentsError");
}

describe("stripe settings from the environment", () => {
  it("is off without STRIPE_SECRET_KEY", () => {
    expect(stripeSettingsFromEnv({ STRIPE_MOCK_URL: "http://127.0.0.1:12111" })).toBeNull();
    expect(stripeSettingsFromEnv({ STRIPE_SECRET_KEY: "" })).toBeNull();
  });

  it("uses STRIPE_MOCK_URL outside production only", () => {
    const env = { STRIPE_SECRET_KEY: "sk_test_1", STRIPE_MOCK_URL: "http://127.0.0.1:12111" };
    expect(stripeSettingsFromEnv({ ...env, NODE_ENV: "test" })).toEqual({ secretKey: "sk_test_1", mockUrl: "http://127.0.0.1:12111", paymentMethods: ["card"] });
    expect(stripeSettingsFromEnv({ ...env, NODE_ENV: "production" })?.mockUrl).toBeUndefined();
  });

  it("reads STRIPE_PAYMENT_METHODS, card always first, and names a bad entry", () => {
    expect(parsePaymentMethods(undefined)).toEqual(["card"]);
    expect(parsePaymentMethods(" wechat_pay, alipay ,card,alipay")).toEqual(["card", "wechat_pay", "alipay"]);
    const error = refusal(() => parsePaymentMethods("card,paypal"));
    expect(error.kind).toBe("invalid_input");
    expect(error.field).toBe("STRIPE_PAYMENT_METHODS");
    expect(error.message).toContain('"paypal"');
  });

  it("refuses a mock URL that is not http://host:port", () => {
    expect(refusal(() => createStripeClient({ secretKey: "sk_test_1", mockUrl: "https://127.0.0.1:12111" })).field).toBe("STRIPE_MOCK_URL");
    expect(refusal(() => createStripeClient({ secretKey: "sk_test_1", mockUrl: "127.0.0.1:12111" })).field).toBe("STRIPE_MOCK_URL");
  });
});

describe("checkout session parameters", () => {
  const urls = { successUrl: "https://m.example.cn/ok", cancelUrl: "https://m.example.cn/back" };
  const now = new Date("2026-03-01T02:00:00Z");
  const nowS = now.getTime() / 1000;

  it("closes 31 minutes from now without an order deadline", () => {
    expect(checkoutSessionParams({ id: 7, cashDueFen: 1, title: "x" }, { ...urls, now }).expires_at).toBe(nowS + 31 * 60);
  });

  it("closes 5 minutes after the order's deadline with one, the same on every call", () => {
    const expiresAt = new Date(now.getTime() + 30 * 60_000);
    const first = checkoutSessionParams({ id: 7, cashDueFen: 1, title: "x", expiresAt }, { ...urls, now });
    const later = checkoutSessionParams({ id: 7, cashDueFen: 1, title: "x", expiresAt }, { ...urls, now: new Date(now.getTime() + 120_000) });
    expect(first.expires_at).toBe(nowS + 35 * 60);
    expect(later).toEqual(first);
  });

  it("refuses a deadline in the past, more than a day ahead, or not a date", () => {
    for (const expiresAt of [new Date(now.getTime() - 6 * 60_000), new Date(now.getTime() + 25 * 3600_000), new Date("nonsense")]) {
      expect(refusal(() => checkoutSessionParams({ id: 7, cashDueFen: 1, title: "x", expiresAt }, { ...urls, now })).field).toBe("order.expiresAt");
    }
  });

  it("amounts: whole positive fen up to Stripe's eight digits", () => {
    expect(checkoutSessionParams({ id: 7, cashDueFen: 99_999_999, title: "x" }, urls).line_items?.[0].price_data?.unit_amount).toBe(99_999_999);
    for (const cashDueFen of [0, -1, 1.5, Number.NaN, 100_000_000]) {
      const error = refusal(() => checkoutSessionParams({ id: 7, cashDueFen, title: "x" }, urls));
      expect(error.field).toBe("order.cashDueFen");
    }
    expect(refusal(() => checkoutSessionParams({ id: 7, cashDueFen: 100_000_000, title: "x" }, urls)).message).toMatch(/bank transfer/);
  });

  it("names an unknown payment method", () => {
    const error = refusal(() => checkoutSessionParams({ id: 7, cashDueFen: 1, title: "x" }, { ...urls, paymentMethods: ["card", "paypal" as "card"] }));
    expect(error.field).toBe("paymentMethods[1]");
  });
});
