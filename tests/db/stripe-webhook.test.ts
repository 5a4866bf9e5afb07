import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "../../app/env.server";
import { outstandingHolds, platformBalance, platformFeeFen } from "../../app/services/ledger";
import { markSessionPaid } from "../../app/services/checkout/payments";
import { attachStripeSession, startCheckout } from "../../app/services/checkout/start";
import { createCheckoutSession, createStripeClient, refundPayment } from "../../app/services/payments/stripe";
import { describeEachEngine } from "../helpers/db";
import { startRecordingProxy, STRIPE_MOCK_SKIP_REASON, STRIPE_MOCK_URL, type RecordingProxy } from "../helpers/stripe-mock";
import { chargeObject, checkoutSessionObject, stripeEventPayload, stripeId } from "../helpers/stripe-signing";
import { asBuyer, balance, createMarket, listedResult, orderRow, resultStatus, type Market } from "./checkout-fixtures";
import { buyerVoucher, captureLog, deliver, expectLedgerBalanced, placeCardOrder, snapshot, type CardOrder } from "./stripe-fixtures";

// Stripe's events, signed as Stripe signs them, through the webhook service into the checkout: what each event does to
// the order, the contract, the result and the ledger, and that redeliveries and out-of-order deliveries change nothing
// twice. Signature checks have their own suite (stripe-webhook-signature.test.ts).

const PRICE_FEN = 300_000; // ¥3,000: 50% voucher coverage → ¥1,500 voucher part, ¥1,500 by card

const completed = (o: CardOrder, overrides: Parameters<typeof checkoutSessionObject>[0] | object = {}, eventId?: string) =>
  stripeEventPayload(
    "checkout.session.completed",
    checkoutSessionObject({ id: o.sessionId, orderId: o.orderId, amountTotal: o.cashDueFen, paymentIntent: o.paymentIntentId, ...overrides }),
    { id: eventId },
  );

const sessionEvent = (type: string, o: CardOrder, overrides: object = {}) =>
  stripeEventPayload(type, checkoutSessionObject({ id: o.sessionId, orderId: o.orderId, amountTotal: o.cashDueFen, paymentIntent: o.paymentIntentId, ...overrides }));

const refunded = (o: CardOrder, overrides: object = {}) =>
  stripeEventPayload("charge.refunded", chargeObject({ orderId: o.orderId, amount: o.cashDueFen, paymentIntent: o.paymentIntentId, ...overrides }));

describeEachEngine("stripe webhook", (db) => {
  let m: Market;
  let voucherId: number;

  beforeAll(async () => {
    m = await createMarket(db());
    voucherId = await buyerVoucher(db(), m);
  });

  /** A pending order for a fresh result: exclusive (assignment) unless told otherwise. */
  async function pendingOrder(mode: "assignment" | "nonexclusive_license" = "assignment", withVoucher = true): Promise<CardOrder & { resultId: number }> {
    const resultId = await listedResult(db(), m, [{ mode, price_fen: PRICE_FEN }]);
    const order = await placeCardOrder(db(), m, resultId, mode, { voucherId: withVoucher ? voucherId : null });
    return { ...order, resultId };
  }

  describe("checkout.session.completed (paid)", () => {
    it("completes the order: contract, result transferred, voucher redeemed, card payment posted, ledger balanced", async () => {
      const o = await pendingOrder();
      expect(o.voucherPartFen).toBe(150_000);
      expect(o.cashDueFen).toBe(150_000);
      expect(await resultStatus(db(), o.resultId)).toBe("reserved");
      const clearingBefore = await platformBalance(db(), "stripe_clearing");
      const payableCode = `org:${m.seller.organisationId}:institution_payable`;
      const payableBefore = await balance(db(), payableCode);

      const payload = completed(o);
      const eventCreated = JSON.parse(payload).created as number;
      const res = await deliver(db(), payload);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ received: true, outcome: "processed", orderId: o.orderId, action: "paid", type: "checkout.session.completed" });

      const order = await orderRow(db(), o.orderId);
      expect(order).toMatchObject({ status: "completed", payment_ref: o.paymentIntentId });
      expect(order.paid_at?.getTime()).toBe(eventCreated * 1000);
      const contract = await db().selectFrom("contracts").selectAll().where("order_id", "=", o.orderId).executeTakeFirstOrThrow();
      expect(contract).toMatchObject({ id: order.contract_id, amount_fen: PRICE_FEN, seller_organisation_id: m.seller.organisationId, buyer_organisation_id: m.buyer.organisationId });
      expect(contract.status).not.toBe("voided");
      expect(await resultStatus(db(), o.resultId)).toBe("transferred");
      expect(await outstandingHolds(db(), o.orderId)).toEqual([]);

      const kinds = await db().selectFrom("ledger_transactions").select(["kind", "idempotency_key"]).where("order_id", "=", o.orderId).orderBy("id").execute();
      expect(kinds.map((k) => k.kind)).toEqual(["voucher_hold", "voucher_post", "card_payment"]);
      expect(await platformBalance(db(), "stripe_clearing")).toBe(clearingBefore + o.cashDueFen);
      expect(await balance(db(), payableCode)).toBe(payableBefore + o.cashDueFen - platformFeeFen(o.cashDueFen, env().PLATFORM_FEE_BPS));
      const event = await db().selectFrom("order_events").select(["kind", "idempotency_key"]).where("order_id", "=", o.orderId).where("kind", "=", "paid").executeTakeFirstOrThrow();
      expect(event.idempotency_key).toBe(`stripe-evt-${JSON.parse(payload).id}`);
      await expectLedgerBalanced(db());
    });

    it("a redelivered event (same id) changes nothing", async () => {
      const o = await pendingOrder("nonexclusive_license");
      const payload = completed(o);
      expect((await deliver(db(), payload)).body.outcome).toBe("processed");
      const before = await snapshot(db());
      for (let i = 0; i < 3; i++) {
        const res = await deliver(db(), payload);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ outcome: "unchanged", orderId: o.orderId, action: "paid" });
      }
      expect(await snapshot(db())).toEqual(before);
      await expectLedgerBalanced(db());
    });

    it("a second completed event for the same session (another event id) changes nothing: one contract, one payment", async () => {
      const o = await pendingOrder("nonexclusive_license");
      await deliver(db(), completed(o));
      const before = await snapshot(db());
      const res = await deliver(db(), completed(o));
      expect(res.body).toMatchObject({ outcome: "unchanged", action: "paid" });
      expect(await snapshot(db())).toEqual(before);
      const payments = await db().selectFrom("ledger_transactions").select("id").where("order_id", "=", o.orderId).where("kind", "=", "card_payment").execute();
      expect(payments).toHaveLength(1);
      expect(await db().selectFrom("contracts").select("id").where("order_id", "=", o.orderId).execute()).toHaveLength(1);
    });

    it("concurrent deliveries of one event complete the order once", async () => {
      const o = await pendingOrder();
      const payload = completed(o);
      const answers = await Promise.all([deliver(db(), payload), deliver(db(), payload), deliver(db(), payload)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(answers.map((a) => a.body.outcome).sort()).toEqual(["processed", "unchanged", "unchanged"]);
      expect(await db().selectFrom("contracts").select("id").where("order_id", "=", o.orderId).execute()).toHaveLength(1);
      await expectLedgerBalanced(db());
    });

    it("settles a licence in the statement that finds its session, and leaves every other case unchanged for the full path", async () => {
      const o = await pendingOrder("nonexclusive_license");
      const payment = { claimedOrderId: o.orderId, amountFen: o.cashDueFen, externalRef: o.paymentIntentId, idempotencyKey: `stripe-evt-${stripeId("evt")}` };
      const before = await snapshot(db());
      expect(await markSessionPaid(db(), { ...payment, sessionId: stripeId("cs") })).toBeNull();
      expect(await markSessionPaid(db(), { ...payment, sessionId: o.sessionId, claimedOrderId: o.orderId + 1 })).toBeNull();
      expect(await markSessionPaid(db(), { ...payment, sessionId: o.sessionId, amountFen: o.cashDueFen + 1 })).toBeNull();
      expect(await snapshot(db())).toEqual(before);
      const exclusive = await pendingOrder("assignment");
      const beforeExclusive = await snapshot(db());
      expect(await markSessionPaid(db(), { ...payment, sessionId: exclusive.sessionId, claimedOrderId: exclusive.orderId, amountFen: exclusive.cashDueFen })).toBeNull();
      expect(await snapshot(db())).toEqual(beforeExclusive);

      const done = await markSessionPaid(db(), { ...payment, sessionId: o.sessionId });
      expect(done).toMatchObject({ orderId: o.orderId, status: "completed", alreadyDone: false });
      expect(await markSessionPaid(db(), { ...payment, sessionId: o.sessionId })).toMatchObject({ orderId: o.orderId, alreadyDone: true });
      expect(await db().selectFrom("contracts").select("id").where("order_id", "=", o.orderId).execute()).toHaveLength(1);
      await expectLedgerBalanced(db());
    });

    it("works without a voucher part too (the whole price by card)", async () => {
      const o = await pendingOrder("nonexclusive_license", false);
      expect(o.cashDueFen).toBe(PRICE_FEN);
      expect((await deliver(db(), completed(o))).body.outcome).toBe("processed");
      expect((await orderRow(db(), o.orderId)).status).toBe("completed");
      await expectLedgerBalanced(db());
    });
  });

  describe("out of order", () => {
    it("expired after completed: the order stays completed, nothing changes", async () => {
      const o = await pendingOrder();
      await deliver(db(), completed(o));
      const before = await snapshot(db());
      const res = await deliver(db(), sessionEvent("checkout.session.expired", o, { status: "expired", paymentStatus: "unpaid" }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ outcome: "unchanged", orderId: o.orderId, action: "expired" });
      expect(await snapshot(db())).toEqual(before);
      expect((await orderRow(db(), o.orderId)).status).toBe("completed");
    });

    it("completed after expired: the order stays expired, no contract, no ledger posting; without a Stripe client the refund is left to a person", async () => {
      const o = await pendingOrder();
      const expired = await deliver(db(), sessionEvent("checkout.session.expired", o, { status: "expired", paymentStatus: "unpaid" }));
      expect(expired.body).toMatchObject({ outcome: "processed", action: "expired" });
      expect(await orderRow(db(), o.orderId)).toMatchObject({ status: "expired", close_reason: "checkout_expired" });
      expect(await resultStatus(db(), o.resultId)).toBe("listed");
      expect(await outstandingHolds(db(), o.orderId)).toEqual([]);

      const before = await snapshot(db());
      const log = captureLog();
      const res = await deliver(db(), completed(o), { log, stripe: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ outcome: "ignored", orderId: o.orderId, action: "late_payment" });
      expect(await snapshot(db())).toEqual(before);
      expect(log.lines.some((l) => l.level === "error" && /refund it on the Stripe dashboard/.test(l.message))).toBe(true);
    });

    it("async success after the order was cancelled is treated the same way (nothing sold twice)", async () => {
      const o = await pendingOrder();
      await deliver(db(), sessionEvent("checkout.session.completed", o, { paymentStatus: "unpaid" }));
      await deliver(db(), sessionEvent("checkout.session.expired", o, { status: "expired", paymentStatus: "unpaid" }));
      const before = await snapshot(db());
      const res = await deliver(db(), sessionEvent("checkout.session.async_payment_succeeded", o), { stripe: null });
      expect(res.body).toMatchObject({ outcome: "ignored", action: "late_payment" });
      expect(await snapshot(db())).toEqual(before);
    });
  });

  describe("asynchronous methods (Alipay, WeChat Pay)", () => {
    it("completed but unpaid waits; async_payment_succeeded completes the order", async () => {
      const o = await pendingOrder();
      const before = await snapshot(db());
      const waiting = await deliver(db(), sessionEvent("checkout.session.completed", o, { paymentStatus: "unpaid" }));
      expect(waiting.status).toBe(200);
      expect(waiting.body).toMatchObject({ outcome: "ignored", orderId: o.orderId, action: "awaiting_payment" });
      expect(await snapshot(db())).toEqual(before);
      expect((await orderRow(db(), o.orderId)).status).toBe("pending");

      const paid = await deliver(db(), sessionEvent("checkout.session.async_payment_succeeded", o));
      expect(paid.body).toMatchObject({ outcome: "processed", action: "paid" });
      expect((await orderRow(db(), o.orderId)).status).toBe("completed");
      expect(await resultStatus(db(), o.resultId)).toBe("transferred");
      await expectLedgerBalanced(db());
    });

    it("async_payment_failed fails the order, releases the voucher hold and the reservation", async () => {
      const o = await pendingOrder();
      const held = await balance(db(), `voucher:${voucherId}:voucher_held`);
      const available = await balance(db(), `voucher:${voucherId}:voucher_available`);
      await deliver(db(), sessionEvent("checkout.session.completed", o, { paymentStatus: "unpaid" }));
      const res = await deliver(db(), sessionEvent("checkout.session.async_payment_failed", o, { paymentStatus: "unpaid" }));
      expect(res.body).toMatchObject({ outcome: "processed", orderId: o.orderId, action: "payment_failed" });
      expect(await orderRow(db(), o.orderId)).toMatchObject({ status: "failed", close_reason: "payment_failed", contract_id: null });
      expect(await outstandingHolds(db(), o.orderId)).toEqual([]);
      expect(await balance(db(), `voucher:${voucherId}:voucher_held`)).toBe(held - o.voucherPartFen);
      expect(await balance(db(), `voucher:${voucherId}:voucher_available`)).toBe(available + o.voucherPartFen);
      expect(await resultStatus(db(), o.resultId)).toBe("listed");
      // A late success for the failed order sells nothing.
      const late = await deliver(db(), sessionEvent("checkout.session.async_payment_succeeded", o), { stripe: null });
      expect(late.body.action).toBe("late_payment");
      expect((await orderRow(db(), o.orderId)).status).toBe("failed");
      await expectLedgerBalanced(db());
    });
  });

  describe("checkout.session.expired", () => {
    it("expires a pending order and puts the voucher part back", async () => {
      const o = await pendingOrder("nonexclusive_license");
      const available = await balance(db(), `voucher:${voucherId}:voucher_available`);
      const payload = sessionEvent("checkout.session.expired", o, { status: "expired", paymentStatus: "unpaid" });
      expect((await deliver(db(), payload)).body).toMatchObject({ outcome: "processed", action: "expired" });
      expect(await orderRow(db(), o.orderId)).toMatchObject({ status: "expired", close_reason: "checkout_expired" });
      expect(await balance(db(), `voucher:${voucherId}:voucher_available`)).toBe(available + o.voucherPartFen);
      const before = await snapshot(db());
      expect((await deliver(db(), payload)).body.outcome).toBe("unchanged");
      expect(await snapshot(db())).toEqual(before);
      await expectLedgerBalanced(db());
    });
  });

  describe("charge.refunded", () => {
    it("refunds a completed order: ledger reversed, voucher part back, contract voided, result listed again", async () => {
      const o = await pendingOrder();
      const available = await balance(db(), `voucher:${voucherId}:voucher_available`);
      const clearing = await platformBalance(db(), "stripe_clearing");
      await deliver(db(), completed(o));
      const contractId = (await orderRow(db(), o.orderId)).contract_id as number;

      const payload = refunded(o);
      const res = await deliver(db(), payload);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ outcome: "processed", orderId: o.orderId, action: "refunded", type: "charge.refunded" });
      expect((await orderRow(db(), o.orderId)).status).toBe("refunded");
      expect((await db().selectFrom("contracts").select("status").where("id", "=", contractId).executeTakeFirstOrThrow()).status).toBe("voided");
      expect(await resultStatus(db(), o.resultId)).toBe("listed");
      // The hold was taken when the order was placed; the refund returns it to the voucher.
      expect(await balance(db(), `voucher:${voucherId}:voucher_available`)).toBe(available + o.voucherPartFen);
      expect(await platformBalance(db(), "stripe_clearing")).toBe(clearing);
      const reversals = await db().selectFrom("ledger_transactions").select("kind").where("order_id", "=", o.orderId).where("kind", "=", "reversal").execute();
      expect(reversals.length).toBeGreaterThanOrEqual(2); // card payment and voucher redemption
      await expectLedgerBalanced(db());

      const before = await snapshot(db());
      expect((await deliver(db(), payload)).body.outcome).toBe("unchanged");
      expect((await deliver(db(), refunded(o))).body.outcome).toBe("unchanged");
      expect(await snapshot(db())).toEqual(before);
    });

    it("a refund of an order that was never paid changes nothing", async () => {
      const o = await pendingOrder("nonexclusive_license");
      const before = await snapshot(db());
      const res = await deliver(db(), refunded(o));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ outcome: "ignored", orderId: o.orderId, action: "not_applicable" });
      expect(await snapshot(db())).toEqual(before);
    });

    it("a partial refund is logged for a person and changes nothing", async () => {
      const o = await pendingOrder("nonexclusive_license");
      await deliver(db(), completed(o));
      const before = await snapshot(db());
      const log = captureLog();
      const res = await deliver(db(), refunded(o, { amountRefunded: 10_000 }), { log });
      expect(res.body).toMatchObject({ outcome: "ignored", action: "partial_refund" });
      expect(log.lines.some((l) => l.level === "error" && /partial refund/.test(l.message))).toBe(true);
      expect(await snapshot(db())).toEqual(before);
      expect((await orderRow(db(), o.orderId)).status).toBe("completed");
    });

    it("a refund of another payment than the order's (e.g. a late payment sent back) changes nothing", async () => {
      const o = await pendingOrder("nonexclusive_license");
      await deliver(db(), completed(o));
      const before = await snapshot(db());
      const res = await deliver(db(), refunded(o, { paymentIntent: stripeId("pi") }));
      expect(res.body).toMatchObject({ outcome: "ignored", action: "other_payment" });
      expect(await snapshot(db())).toEqual(before);
    });
  });

  describe("bad input: a clear answer and nothing changed", () => {
    it("an unknown session (not one of our orders) → 200, logged, nothing changed", async () => {
      const before = await snapshot(db());
      const log = captureLog();
      const payload = stripeEventPayload(
        "checkout.session.completed",
        checkoutSessionObject({ orderId: 987_654, amountTotal: 100, paymentIntent: stripeId("pi") }),
      );
      const res = await deliver(db(), payload, { log });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ received: true, outcome: "ignored", action: "unknown_order" });
      expect(res.body.message).toMatch(/no order has checkout session cs_/);
      expect(log.lines.some((l) => l.level === "warn" && l.details?.metadataOrderId === 987_654)).toBe(true);
      expect(await snapshot(db())).toEqual(before);
    });

    it("a refund for an unknown order, or a charge without our order id → 200, nothing changed", async () => {
      const before = await snapshot(db());
      for (const payload of [
        stripeEventPayload("charge.refunded", chargeObject({ orderId: 987_654, amount: 100 })),
        stripeEventPayload("charge.refunded", chargeObject({ orderId: null, amount: 100 })),
        stripeEventPayload("charge.refunded", chargeObject({ orderId: "not-a-number", amount: 100 })),
      ]) {
        const res = await deliver(db(), payload);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ outcome: "ignored", action: "unknown_order" });
      }
      expect(await snapshot(db())).toEqual(before);
    });

    it("an amount or currency that differs from the order → 400, logged, nothing changed; the right one then works", async () => {
      const o = await pendingOrder();
      const before = await snapshot(db());
      for (const overrides of [{ amountTotal: o.cashDueFen + 1 }, { amountTotal: o.cashDueFen - 1 }, { currency: "usd" }, { amountTotal: null }]) {
        const log = captureLog();
        const res = await deliver(db(), completed(o, overrides), { log });
        expect(res.status, JSON.stringify(overrides)).toBe(400);
        expect(res.body).toMatchObject({ received: false, outcome: "mismatch", orderId: o.orderId });
        expect(res.body.message).toContain(`${o.cashDueFen} fen`);
        expect(log.lines.some((l) => l.level === "error")).toBe(true);
      }
      expect(await snapshot(db())).toEqual(before);
      expect((await deliver(db(), completed(o))).body.outcome).toBe("processed");
    });

    it("a session whose metadata names another order → 400, nothing changed", async () => {
      const o = await pendingOrder("nonexclusive_license");
      const before = await snapshot(db());
      const res = await deliver(db(), completed(o, { orderId: o.orderId + 1000 }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ outcome: "mismatch", orderId: o.orderId });
      expect(await snapshot(db())).toEqual(before);
    });

    it("an event type we do not handle → 200, nothing changed", async () => {
      const before = await snapshot(db());
      const res = await deliver(db(), stripeEventPayload("customer.created", { id: stripeId("cus"), object: "customer" }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ received: true, outcome: "ignored", type: "customer.created" });
      expect(await snapshot(db())).toEqual(before);
    });

    it("a signed event without data.object, or not an event at all → 400", async () => {
      const before = await snapshot(db());
      const noObject = JSON.stringify({ id: stripeId("evt"), object: "event", type: "checkout.session.completed", created: 1, data: {} });
      expect((await deliver(db(), noObject)).body.outcome).toBe("payload_invalid");
      expect((await deliver(db(), JSON.stringify({ hello: "world" }))).status).toBe(400);
      expect((await deliver(db(), "not json")).body.outcome).toBe("payload_invalid");
      expect(await snapshot(db())).toEqual(before);
    });
  });

  // The Stripe client's part of the flow, against stripe-mock: a late payment for a closed order is refunded with the
  // order's refund key, and a refund Stripe cannot take now is answered 500 so that Stripe redelivers.
  (STRIPE_MOCK_URL ? describe : describe.skip)(`late payments against stripe-mock${STRIPE_MOCK_URL ? "" : ` [skipped: ${STRIPE_MOCK_SKIP_REASON}]`}`, () => {
    let proxy: RecordingProxy;
    beforeAll(async () => {
      proxy = await startRecordingProxy(STRIPE_MOCK_URL as string);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it("end to end: voucher + card through a Checkout Session, paid, then refunded through Stripe", async () => {
      const stripe = createStripeClient({ secretKey: "sk_test_123", mockUrl: proxy.url });
      const resultId = await listedResult(db(), m, [{ mode: "exclusive_license", price_fen: PRICE_FEN }]);
      const started = await startCheckout(db(), asBuyer(m.buyer), {
        resultId,
        mode: "exclusive_license",
        voucherIds: [voucherId],
        method: "card",
        cardEnabled: true,
      });
      proxy.requests.length = 0;
      const session = await createCheckoutSession(
        stripe,
        { id: started.orderId, cashDueFen: started.cashDueFen, title: "待售成果", expiresAt: started.expiresAt },
        { successUrl: "https://m.example.cn/ok", cancelUrl: "https://m.example.cn/back", paymentMethods: ["card", "alipay", "wechat_pay"] },
      );
      await attachStripeSession(db(), { orderId: started.orderId, sessionId: session.sessionId, url: session.url });
      expect(proxy.requests[0].headers["idempotency-key"]).toBe(`order-${started.orderId}-checkout`);
      expect(proxy.requests[0].form["line_items[0][price_data][unit_amount]"]).toBe(String(started.cashDueFen));

      const o: CardOrder = {
        orderId: started.orderId,
        sessionId: session.sessionId,
        paymentIntentId: stripeId("pi"),
        priceFen: started.priceFen,
        voucherPartFen: started.voucherPartFen,
        cashDueFen: started.cashDueFen,
        voucherId,
      };
      expect((await deliver(db(), completed(o), { stripe })).body).toMatchObject({ outcome: "processed", action: "paid" });
      expect(await resultStatus(db(), resultId)).toBe("transferred");
      await expectLedgerBalanced(db());

      const refund = await refundPayment(stripe, { paymentIntentId: o.paymentIntentId, amountFen: o.cashDueFen, orderId: o.orderId });
      expect(refund.refundId).toMatch(/^re_/);
      expect(proxy.requests.at(-1)?.headers["idempotency-key"]).toBe(`order-${o.orderId}-refund`);
      expect((await deliver(db(), refunded(o), { stripe })).body).toMatchObject({ outcome: "processed", action: "refunded" });
      expect((await orderRow(db(), o.orderId)).status).toBe("refunded");
      expect(await resultStatus(db(), resultId)).toBe("listed");
      await expectLedgerBalanced(db());
    });

    it("refunds a payment that arrives for an expired order, once per order", async () => {
      const stripe = createStripeClient({ secretKey: "sk_test_123", mockUrl: proxy.url });
      const o = await pendingOrder();
      await deliver(db(), sessionEvent("checkout.session.expired", o, { status: "expired", paymentStatus: "unpaid" }));
      const before = await snapshot(db());
      proxy.requests.length = 0;
      const res = await deliver(db(), completed(o), { stripe });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ outcome: "processed", orderId: o.orderId, action: "refunded_late_payment" });
      expect(proxy.requests).toHaveLength(1);
      expect(proxy.requests[0]).toMatchObject({ method: "POST", path: "/v1/refunds", status: 200 });
      expect(proxy.requests[0].headers["idempotency-key"]).toBe(`order-${o.orderId}-refund`);
      expect(proxy.requests[0].form).toMatchObject({ payment_intent: o.paymentIntentId, amount: String(o.cashDueFen), "metadata[order_id]": String(o.orderId) });
      expect(await snapshot(db())).toEqual(before);
    });

    it("answers 500 when the refund cannot be made now, so Stripe redelivers", async () => {
      const unreachable = createStripeClient({ secretKey: "sk_test_123", mockUrl: "http://127.0.0.1:9" });
      const o = await pendingOrder("nonexclusive_license");
      await deliver(db(), sessionEvent("checkout.session.expired", o, { status: "expired", paymentStatus: "unpaid" }));
      const before = await snapshot(db());
      const res = await deliver(db(), completed(o), { stripe: unreachable });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ received: false, outcome: "error" });
      expect(await snapshot(db())).toEqual(before);
    });
  });
});
