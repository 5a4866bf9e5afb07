import { beforeAll, describe, expect, it } from "vitest";
import { action } from "../../app/routes/webhooks.stripe";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import {
  checkoutSessionObject,
  nowSeconds,
  stripeEventPayload,
  stripeSignatureHeader,
  TEST_WEBHOOK_SECRET,
  webhookRequest,
} from "../helpers/stripe-signing";
import { createMarket, listedResult, orderRow, type Market } from "./checkout-fixtures";
import { buyerVoucher, deliver, placeCardOrder, snapshot, type CardOrder } from "./stripe-fixtures";

// Only deliveries Stripe signed, and signed recently, may change anything. Every refusal here is checked against a
// snapshot of orders, events, reservations, contracts and ledger balances; then the same payload, correctly signed,
// is shown to work, so a refusal is never just a broken order.

// The route reads the secret through env(), which is parsed on first use (after this line).
process.env.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;

describeEachEngine("stripe webhook signatures", (db, engine) => {
  useAppDatabase(db, engine);
  let m: Market;
  let voucherId: number;

  beforeAll(async () => {
    m = await createMarket(db());
    voucherId = await buyerVoucher(db(), m);
  });

  async function pendingOrder(): Promise<CardOrder> {
    const resultId = await listedResult(db(), m, [{ mode: "assignment", price_fen: 500_000 }]);
    return placeCardOrder(db(), m, resultId, "assignment", { voucherId });
  }

  const completedPayload = (o: CardOrder) =>
    stripeEventPayload(
      "checkout.session.completed",
      checkoutSessionObject({ id: o.sessionId, orderId: o.orderId, amountTotal: o.cashDueFen, paymentIntent: o.paymentIntentId }),
    );

  async function expectRefused(o: CardOrder, run: () => Promise<{ status: number; outcome: string }>, outcome: string) {
    const before = await snapshot(db());
    const res = await run();
    expect(res.status).toBe(400);
    expect(res.outcome).toBe(outcome);
    expect(await snapshot(db())).toEqual(before);
    expect((await orderRow(db(), o.orderId)).status).toBe("pending");
  }

  const viaService = (payload: string, options: Parameters<typeof deliver>[2]) => async () => {
    const res = await deliver(db(), payload, options);
    return { status: res.status, outcome: res.body.outcome };
  };

  describe("the service", () => {
    it("refuses a signature made with another secret (forged)", async () => {
      const o = await pendingOrder();
      const payload = completedPayload(o);
      await expectRefused(o, viaService(payload, { header: stripeSignatureHeader(payload, "whsec_someone_else") }), "signature_invalid");
      expect((await deliver(db(), payload)).body.outcome).toBe("processed");
    });

    it("refuses a body changed after signing (amount, order id)", async () => {
      const o = await pendingOrder();
      const payload = completedPayload(o);
      const header = stripeSignatureHeader(payload);
      const tampered = payload.replace(`"amount_total": ${o.cashDueFen}`, `"amount_total": 1`);
      expect(tampered).not.toBe(payload);
      await expectRefused(o, viaService(tampered, { header }), "signature_invalid");
      // Even whitespace counts: the signature covers the raw bytes, not the JSON's meaning.
      await expectRefused(o, viaService(JSON.stringify(JSON.parse(payload)), { header }), "signature_invalid");
      expect((await deliver(db(), payload, { header })).body.outcome).toBe("processed");
    });

    it("refuses a stale timestamp (older than 300 s) and accepts one exactly at the tolerance", async () => {
      const o = await pendingOrder();
      const payload = completedPayload(o);
      const signedAt = nowSeconds() - 1_000;
      const header = stripeSignatureHeader(payload, TEST_WEBHOOK_SECRET, signedAt);
      await expectRefused(o, viaService(payload, { header }), "signature_stale");
      await expectRefused(o, viaService(payload, { header, now: new Date((signedAt + 301) * 1000) }), "signature_stale");
      const res = await deliver(db(), payload, { header, now: new Date((signedAt + 300) * 1000) });
      expect(res.body.outcome).toBe("processed");
    });

    it("refuses a missing, empty or malformed header, or a header without a v1 signature", async () => {
      const o = await pendingOrder();
      const payload = completedPayload(o);
      const good = stripeSignatureHeader(payload);
      await expectRefused(o, viaService(payload, { header: null }), "signature_missing");
      await expectRefused(o, viaService(payload, { header: "" }), "signature_missing");
      await expectRefused(o, viaService(payload, { header: "not a signature" }), "signature_invalid");
      await expectRefused(o, viaService(payload, { header: good.replace("v1=", "v0=") }), "signature_invalid");
      await expectRefused(o, viaService(payload, { header: good.replace(/^t=\d+/, `t=${nowSeconds() + 5}`) }), "signature_invalid");
    });

    it("accepts a header carrying several signatures when one matches (Stripe's secret rotation)", async () => {
      const o = await pendingOrder();
      const payload = completedPayload(o);
      const t = nowSeconds();
      const theirs = stripeSignatureHeader(payload, "whsec_old_secret", t).split(",v1=")[1];
      const ours = stripeSignatureHeader(payload, TEST_WEBHOOK_SECRET, t);
      expect((await deliver(db(), payload, { header: `${ours},v1=${theirs}` })).body.outcome).toBe("processed");
    });

    it("answers 503 when no signing secret is configured, and changes nothing", async () => {
      const o = await pendingOrder();
      const before = await snapshot(db());
      const res = await deliver(db(), completedPayload(o), { secret: undefined });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ received: false, outcome: "not_configured" });
      expect(await snapshot(db())).toEqual(before);
    });
  });

  describe("the route POST /webhooks/stripe", () => {
    const call = async (request: Request) => {
      const response = (await action({ request, context: { clientIp: "127.0.0.1" }, params: {} })) as Response;
      return { status: response.status, body: (await response.json()) as { outcome: string; orderId?: number } };
    };

    it("verifies the raw body and completes the order", async () => {
      const o = await pendingOrder();
      const payload = completedPayload(o);
      const { status, body } = await call(webhookRequest(payload, stripeSignatureHeader(payload)));
      expect(status).toBe(200);
      expect(body).toMatchObject({ outcome: "processed", orderId: o.orderId });
      expect((await orderRow(db(), o.orderId)).status).toBe("completed");
    });

    it("answers 400 to a forged, stale or missing signature, and changes nothing", async () => {
      const o = await pendingOrder();
      const payload = completedPayload(o);
      const forged = stripeSignatureHeader(payload, "whsec_forged");
      const stale = stripeSignatureHeader(payload, TEST_WEBHOOK_SECRET, nowSeconds() - 301);
      for (const [header, outcome] of [
        [forged, "signature_invalid"],
        [stale, "signature_stale"],
        [null, "signature_missing"],
      ] as const) {
        await expectRefused(
          o,
          async () => {
            const r = await call(webhookRequest(payload, header));
            return { status: r.status, outcome: r.body.outcome };
          },
          outcome,
        );
      }
    });

    it("refuses other methods", async () => {
      const response = (await action({ request: new Request("http://localhost/webhooks/stripe", { method: "PUT", body: "{}" }), context: { clientIp: "127.0.0.1" }, params: {} })) as Response;
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("POST");
    });
  });
});
