import { createHmac, randomBytes } from "node:crypto";

// Webhook payloads signed the way Stripe signs them (https://docs.stripe.com/webhooks#verify-manually): the header is
// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the endpoint's whole `whsec_…` secret string.
// Written from the description rather than with stripe-node's generateTestHeaderString, so the tests do not check the
// library against itself; tests/unit/stripe-signing.test.ts cross-checks the two.

export const TEST_WEBHOOK_SECRET = "whsec_test_5b8cbb2f0c1d4e7a9f3e6d2c1b0a9f8e";

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The Stripe-Signature header for a raw body. */
export function stripeSignatureHeader(payload: string, secret: string = TEST_WEBHOOK_SECRET, timestamp: number = nowSeconds()): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

let sequence = 0;
/** A fresh id with Stripe's prefix, e.g. stripeId("evt") → "evt_test_…". */
export function stripeId(prefix: string): string {
  sequence += 1;
  return `${prefix}_test_${randomBytes(8).toString("hex")}${sequence}`;
}

export interface EventOptions {
  id?: string;
  /** Unix seconds; defaults to now. */
  created?: number;
}

/** The JSON body of a snapshot event as Stripe delivers it (pretty-printed like Stripe's, to keep signing honest). */
export function stripeEventPayload(type: string, object: Record<string, unknown>, options: EventOptions = {}): string {
  const event = {
    id: options.id ?? stripeId("evt"),
    object: "event",
    api_version: "2026-08-26.dahlia",
    created: options.created ?? nowSeconds(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
  return JSON.stringify(event, null, 2);
}

export interface SessionFixture {
  id?: string;
  orderId: number | string | null;
  amountTotal: number;
  currency?: string;
  status?: "open" | "complete" | "expired";
  paymentStatus?: "paid" | "unpaid" | "no_payment_required";
  paymentIntent?: string | null;
  clientReferenceId?: string | null;
}

/** A Checkout Session object with the fields the market sets and reads. */
export function checkoutSessionObject(f: SessionFixture): Record<string, unknown> {
  const orderId = f.orderId === null ? null : String(f.orderId);
  return {
    id: f.id ?? stripeId("cs"),
    object: "checkout.session",
    amount_subtotal: f.amountTotal,
    amount_total: f.amountTotal,
    client_reference_id: f.clientReferenceId === undefined ? orderId : f.clientReferenceId,
    currency: f.currency ?? "cny",
    expires_at: nowSeconds() + 1800,
    livemode: false,
    metadata: orderId === null ? {} : { order_id: orderId },
    mode: "payment",
    payment_intent: f.paymentIntent === undefined ? stripeId("pi") : f.paymentIntent,
    payment_method_types: ["card", "alipay", "wechat_pay"],
    payment_status: f.paymentStatus ?? "paid",
    status: f.status ?? "complete",
    url: null,
  };
}

export interface ChargeFixture {
  id?: string;
  orderId: number | string | null;
  amount: number;
  amountRefunded?: number;
  currency?: string;
  paymentIntent?: string;
}

/** A Charge object as charge.refunded carries it (fully refunded unless amountRefunded says otherwise). */
export function chargeObject(f: ChargeFixture): Record<string, unknown> {
  const refunded = f.amountRefunded ?? f.amount;
  return {
    id: f.id ?? stripeId("ch"),
    object: "charge",
    amount: f.amount,
    amount_captured: f.amount,
    amount_refunded: refunded,
    captured: true,
    currency: f.currency ?? "cny",
    livemode: false,
    metadata: f.orderId === null ? {} : { order_id: String(f.orderId) },
    paid: true,
    payment_intent: f.paymentIntent ?? stripeId("pi"),
    refunded: refunded === f.amount,
    status: "succeeded",
  };
}

/** A POST to the webhook route as Stripe sends it; `signature: null` leaves the header out. */
export function webhookRequest(payload: string, signature: string | null, url = "http://localhost:3000/webhooks/stripe"): Request {
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" };
  if (signature !== null) headers["Stripe-Signature"] = signature;
  return new Request(url, { method: "POST", headers, body: payload });
}
