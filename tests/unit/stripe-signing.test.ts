import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { stripeEventPayload, stripeSignatureHeader, TEST_WEBHOOK_SECRET } from "../helpers/stripe-signing";

// The webhook tests sign payloads with our own helper; this holds it to stripe-node's signer and verifier, so a
// passing webhook test means the payload would also pass for a real Stripe signature.

describe("stripe-signing helper", () => {
  const payload = stripeEventPayload("checkout.session.completed", { id: "cs_test_1", object: "checkout.session", amount_total: 12_345 });

  it("produces exactly the header stripe-node's generateTestHeaderString produces", () => {
    for (const timestamp of [1, 1_700_000_000, Math.floor(Date.now() / 1000)]) {
      const ours = stripeSignatureHeader(payload, TEST_WEBHOOK_SECRET, timestamp);
      const theirs = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET, timestamp });
      expect(ours).toBe(theirs);
      expect(ours).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    }
  });

  it("matches on non-ASCII bodies too (the HMAC is over UTF-8 bytes)", () => {
    const chinese = stripeEventPayload("charge.refunded", { id: "ch_1", object: "charge", description: "一种高强度耐蚀钛合金及其制备方法" });
    const ts = 1_750_000_000;
    expect(stripeSignatureHeader(chinese, TEST_WEBHOOK_SECRET, ts)).toBe(
      Stripe.webhooks.generateTestHeaderString({ payload: chinese, secret: TEST_WEBHOOK_SECRET, timestamp: ts }),
    );
  });

  it("is accepted by constructEvent, and refused for another secret, a changed body or an old timestamp", () => {
    const header = stripeSignatureHeader(payload);
    const event = Stripe.webhooks.constructEvent(payload, header, TEST_WEBHOOK_SECRET, 300);
    expect(event.type).toBe("checkout.session.completed");

    expect(() => Stripe.webhooks.constructEvent(payload, header, "whsec_other", 300)).toThrow(/No signatures found/);
    expect(() => Stripe.webhooks.constructEvent(payload.replace("12345", "12346"), header, TEST_WEBHOOK_SECRET, 300)).toThrow(
      /No signatures found/,
    );
    const stale = stripeSignatureHeader(payload, TEST_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 301);
    expect(() => Stripe.webhooks.constructEvent(payload, stale, TEST_WEBHOOK_SECRET, 300)).toThrow(/tolerance/);
  });
});
