import Stripe from "stripe";
import { env } from "../../env.server";
import { orderNo } from "../checkout/rules";
import { PaymentsError } from "./errors";

// The market's calls to Stripe: a client from the environment (or stripe-mock in tests), the Checkout Session for an
// order's cash part, and the refund. Every call carries an idempotency key derived from the order id, so a retry —
// stripe-node's own network retries, a double-submitted form, a crashed request run again — returns Stripe's first
// answer instead of charging or refunding twice. Amounts are integer fen: CNY's smallest unit, as Stripe counts it.

export type { Stripe };

/** The methods the market may offer. Alipay and WeChat Pay must also be enabled on the Stripe account. */
export const PAYMENT_METHODS = ["card", "alipay", "wechat_pay"] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Stripe's minimum Checkout Session lifetime: expires_at must lie 30 minutes to 24 hours after creation. */
export const CHECKOUT_SESSION_MIN_SECONDS = 30 * 60;
const CHECKOUT_SESSION_MAX_SECONDS = 24 * 60 * 60;
/** Without an order deadline: added to the 30 minutes to cover the request's latency and clock skew, which Stripe
 *  would otherwise count against its minimum and refuse the session. */
export const CHECKOUT_SESSION_SLACK_SECONDS = 60;
/** With an order deadline (placed + 30 min): the session closes this much later, so it can be created up to five
 *  minutes after the order was placed and still meet Stripe's minimum. Shorter than the deadline sweeper's grace
 *  (STRIPE_GRACE_MINUTES, 15), so the sweeper never expires an order whose session can still be paid. */
export const ORDER_DEADLINE_SLACK_SECONDS = 5 * 60;

/** Stripe takes at most eight digits in the smallest unit: ¥999,999.99 a payment. Larger cash parts go by bank transfer. */
export const STRIPE_MAX_AMOUNT_FEN = 99_999_999;

export const checkoutIdempotencyKey = (orderId: number) => `order-${orderId}-checkout`;
export const refundIdempotencyKey = (orderId: number) => `order-${orderId}-refund`;
export const expireIdempotencyKey = (orderId: number) => `order-${orderId}-checkout-expire`;

export interface StripeClientConfig {
  secretKey: string;
  /** http://host:port of stripe-mock; when set, every request goes there instead of api.stripe.com. */
  mockUrl?: string;
}

export function createStripeClient(config: StripeClientConfig): Stripe {
  const common = { maxNetworkRetries: 2, timeout: 20_000, appInfo: { name: "tech-market" } } as const;
  if (!config.mockUrl) return new Stripe(config.secretKey, common);
  let url: URL;
  try {
    url = new URL(config.mockUrl);
  } catch {
    throw new PaymentsError("invalid_input", `STRIPE_MOCK_URL: not a URL: ${config.mockUrl}`, { field: "STRIPE_MOCK_URL" });
  }
  if (url.protocol !== "http:" || !url.port) {
    throw new PaymentsError("invalid_input", `STRIPE_MOCK_URL: must be http://host:port, got ${config.mockUrl}`, { field: "STRIPE_MOCK_URL" });
  }
  return new Stripe(config.secretKey, { ...common, host: url.hostname, port: Number(url.port), protocol: "http" });
}

export interface StripeSettings extends StripeClientConfig {
  paymentMethods: PaymentMethod[];
}

/**
 * Parses STRIPE_PAYMENT_METHODS ("card,alipay,wechat_pay"; default card only). Card is always offered first: it is the
 * one method every Stripe account has.
 */
export function parsePaymentMethods(value: string | undefined): PaymentMethod[] {
  if (value === undefined || value.trim() === "") return ["card"];
  const methods: PaymentMethod[] = ["card"];
  for (const raw of value.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    if (!(PAYMENT_METHODS as readonly string[]).includes(name)) {
      throw new PaymentsError("invalid_input", `STRIPE_PAYMENT_METHODS: unknown method "${name}" (allowed: ${PAYMENT_METHODS.join(", ")})`, {
        field: "STRIPE_PAYMENT_METHODS",
      });
    }
    if (!methods.includes(name as PaymentMethod)) methods.push(name as PaymentMethod);
  }
  return methods;
}

/**
 * Stripe's settings from the environment, or null when Stripe is off (no STRIPE_SECRET_KEY: vouchers and bank transfer
 * only). STRIPE_MOCK_URL is honoured outside production only, so a stray variable can never send real payments to a mock.
 */
export function stripeSettingsFromEnv(
  source: Record<string, string | undefined> = process.env,
  secretKey: string | undefined = source.STRIPE_SECRET_KEY,
): StripeSettings | null {
  if (!secretKey) return null;
  const mockUrl = source.NODE_ENV !== "production" && source.STRIPE_MOCK_URL ? source.STRIPE_MOCK_URL : undefined;
  return { secretKey, mockUrl, paymentMethods: parsePaymentMethods(source.STRIPE_PAYMENT_METHODS) };
}

const store = globalThis as typeof globalThis & { __marketStripe?: { client: Stripe; settings: StripeSettings } | null };

/** The process-wide client and settings (null when Stripe is off). The secret key comes from the validated env(). */
export function getStripe(): { client: Stripe; settings: StripeSettings } | null {
  if (store.__marketStripe === undefined) {
    const settings = stripeSettingsFromEnv(process.env, env().STRIPE_SECRET_KEY);
    store.__marketStripe = settings ? { client: createStripeClient(settings), settings } : null;
  }
  return store.__marketStripe;
}

// ---- Input checks: each names the offending field; nothing is sent to Stripe when one fails ----

function assertOrderId(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new PaymentsError("invalid_input", `${field}: must be a positive order id, got ${String(value)}`, { field });
  }
}

function assertAmountFen(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new PaymentsError("invalid_input", `${field}: must be a positive whole number of fen, got ${String(value)}`, { field });
  }
  if (value > STRIPE_MAX_AMOUNT_FEN) {
    throw new PaymentsError(
      "invalid_input",
      `${field}: ${value} fen is above Stripe's limit of ${STRIPE_MAX_AMOUNT_FEN} fen (¥999,999.99) a payment; pay by bank transfer`,
      { field },
    );
  }
}

function assertUrl(value: unknown, field: string): asserts value is string {
  let ok = false;
  try {
    ok = typeof value === "string" && /^https?:$/.test(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new PaymentsError("invalid_input", `${field}: must be an absolute http(s) URL, got ${String(value)}`, { field });
}

/** Turns what stripe-node throws into a PaymentsError; anything else comes back unchanged. */
export function toPaymentsError(error: unknown, what: string): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const details = { cause: error, stripeCode: error.code, requestId: error.requestId, field: error.param };
  const message = `${what}: ${error.message}`;
  switch (error.type) {
    case "StripeIdempotencyError":
      return new PaymentsError("idempotency_conflict", message, details);
    case "StripeInvalidRequestError":
    case "StripeCardError":
      return new PaymentsError("rejected", message, details);
    case "StripeAuthenticationError":
    case "StripePermissionError":
      return new PaymentsError("not_configured", message, details);
    default:
      // Connection errors, rate limits, Stripe's own 5xx: worth trying again later with the same key.
      return new PaymentsError("unavailable", message, details);
  }
}

// ---- Checkout Session ----

export interface CheckoutSessionOrder {
  id: number;
  /** What the buyer pays through Stripe: the price less the voucher part, in fen. */
  cashDueFen: number;
  /** The line item's name on Stripe's page (the result's title). */
  title: string;
  /** The order's payment deadline (orders.expires_at). The session closes ORDER_DEADLINE_SLACK_SECONDS after it, a time
   *  fixed by the order: a repeated call sends the same parameters and Stripe answers with the first session (for 24
   *  hours) instead of an idempotency error. */
  expiresAt?: Date | null;
  customerEmail?: string | null;
}

export interface CheckoutSessionOptions {
  successUrl: string;
  cancelUrl: string;
  /** Default card only; see STRIPE_PAYMENT_METHODS. */
  paymentMethods?: readonly PaymentMethod[];
  locale?: "zh" | "en" | "auto";
  now?: Date;
}

export interface CreatedCheckoutSession {
  sessionId: string;
  /** Stripe's hosted payment page. */
  url: string;
  expiresAt: Date;
  amountFen: number;
}

/** The request body of the order's Checkout Session, checked; exported so tests can compare it with the wire. */
export function checkoutSessionParams(order: CheckoutSessionOrder, options: CheckoutSessionOptions): Stripe.Checkout.SessionCreateParams {
  if (typeof order !== "object" || order === null) throw new PaymentsError("invalid_input", "order: is required", { field: "order" });
  assertOrderId(order.id, "order.id");
  assertAmountFen(order.cashDueFen, "order.cashDueFen");
  if (typeof order.title !== "string" || order.title.trim() === "") {
    throw new PaymentsError("invalid_input", "order.title: is required (the line item's name)", { field: "order.title" });
  }
  assertUrl(options.successUrl, "successUrl");
  assertUrl(options.cancelUrl, "cancelUrl");
  const methods = options.paymentMethods ?? ["card"];
  if (methods.length === 0) throw new PaymentsError("invalid_input", "paymentMethods: at least one is needed", { field: "paymentMethods" });
  methods.forEach((m, i) => {
    if (!(PAYMENT_METHODS as readonly string[]).includes(m)) {
      throw new PaymentsError("invalid_input", `paymentMethods[${i}]: unknown method "${m}"`, { field: `paymentMethods[${i}]` });
    }
  });

  const nowS = Math.floor((options.now ?? new Date()).getTime() / 1000);
  let expiresAt: number;
  if (order.expiresAt !== undefined && order.expiresAt !== null) {
    const deadlineMs = order.expiresAt instanceof Date ? order.expiresAt.getTime() : Number.NaN;
    expiresAt = Math.floor(deadlineMs / 1000) + ORDER_DEADLINE_SLACK_SECONDS;
    // Only what a replay could never pass is checked here; Stripe itself refuses a new session of under 30 minutes
    // (a "rejected" PaymentsError), while a replay of the first request is answered from its record.
    if (!Number.isFinite(expiresAt) || expiresAt <= nowS || expiresAt - nowS > CHECKOUT_SESSION_MAX_SECONDS) {
      throw new PaymentsError(
        "invalid_input",
        `order.expiresAt: the payment window has to end between now and 24 hours from now, got ${Number.isFinite(deadlineMs) ? new Date(deadlineMs).toISOString() : String(order.expiresAt)}`,
        { field: "order.expiresAt" },
      );
    }
  } else {
    expiresAt = nowS + CHECKOUT_SESSION_MIN_SECONDS + CHECKOUT_SESSION_SLACK_SECONDS;
  }

  const orderId = String(order.id);
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: "payment",
    currency: "cny",
    client_reference_id: orderId,
    metadata: { order_id: orderId },
    // Copied by Stripe onto the PaymentIntent and its charge, so charge.refunded finds the order too.
    payment_intent_data: { metadata: { order_id: orderId } },
    line_items: [
      {
        quantity: 1,
        price_data: { currency: "cny", unit_amount: order.cashDueFen, product_data: { name: order.title.trim().slice(0, 250) } },
      },
    ],
    payment_method_types: [...methods],
    expires_at: expiresAt,
    success_url: options.successUrl,
    cancel_url: options.cancelUrl,
    locale: options.locale ?? "zh",
  };
  // WeChat Pay in Checkout needs the client named; the hosted page is a web client.
  if (methods.includes("wechat_pay")) params.payment_method_options = { wechat_pay: { client: "web" } };
  if (order.customerEmail) params.customer_email = order.customerEmail;
  return params;
}

/**
 * Creates the Checkout Session for an order's cash part (idempotency key `order-<id>-checkout`: one session per order;
 * a new attempt after expiry is a new order). Throws PaymentsError: "invalid_input" (naming the field, nothing sent),
 * "rejected", "idempotency_conflict" (the same order asked with different parameters), "not_configured", "unavailable".
 */
export async function createCheckoutSession(
  stripe: Stripe,
  order: CheckoutSessionOrder,
  options: CheckoutSessionOptions,
): Promise<CreatedCheckoutSession> {
  const params = checkoutSessionParams(order, options);
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create(params, { idempotencyKey: checkoutIdempotencyKey(order.id) });
  } catch (error) {
    throw toPaymentsError(error, `creating the checkout session of order ${order.id}`);
  }
  if (!session.url) {
    throw new PaymentsError("rejected", `Stripe returned checkout session ${session.id} of order ${order.id} without a payment page URL`);
  }
  return {
    sessionId: session.id,
    url: session.url,
    // Stripe's answer is authoritative (an idempotent replay returns the first session's expiry).
    expiresAt: new Date((session.expires_at ?? params.expires_at ?? 0) * 1000),
    amountFen: order.cashDueFen,
  };
}

/**
 * Closes an open Checkout Session early (the buyer cancelled, or our reservation lapsed first), so it can no longer
 * be paid; Stripe then sends checkout.session.expired.
 */
export async function expireCheckoutSession(stripe: Stripe, input: { sessionId: string; orderId: number }): Promise<void> {
  assertOrderId(input.orderId, "orderId");
  if (typeof input.sessionId !== "string" || !input.sessionId.startsWith("cs_")) {
    throw new PaymentsError("invalid_input", `sessionId: must be a Checkout Session id (cs_…), got ${String(input.sessionId)}`, {
      field: "sessionId",
    });
  }
  try {
    await stripe.checkout.sessions.expire(input.sessionId, {}, { idempotencyKey: expireIdempotencyKey(input.orderId) });
  } catch (error) {
    throw toPaymentsError(error, `expiring checkout session ${input.sessionId} of order ${input.orderId}`);
  }
}

/**
 * After orders closed on our side (cancelled by the buyer, or because the bureau revoked their voucher), expires
 * their open Checkout Sessions so Stripe's page cannot take a payment any more. Best effort, after the orders' commit:
 * failures are logged, and a payment that slips through is refunded by the webhook.
 */
export async function expireSessionsOfClosedOrders(orders: readonly { orderId: number; sessionId: string | null }[]): Promise<void> {
  const stripe = getStripe();
  if (!stripe) return;
  for (const { orderId, sessionId } of orders) {
    if (!sessionId) continue;
    await expireCheckoutSession(stripe.client, { sessionId, orderId }).catch((error: unknown) => {
      console.error(`order ${orderNo(orderId)}: Stripe session not expired:`, error instanceof PaymentsError ? error.message : error);
    });
  }
}

// ---- Refund ----

export interface RefundResult {
  refundId: string;
  /** "pending" is normal for Alipay and WeChat Pay; the ledger moves on charge.refunded, not here. */
  status: string;
  amountFen: number;
}

/**
 * Refunds an order's Stripe payment (idempotency key `order-<id>-refund`: at most one refund per order, however often
 * the operator presses the button). The ledger's reversal follows from the charge.refunded webhook.
 */
export async function refundPayment(
  stripe: Stripe,
  input: { paymentIntentId: string; amountFen: number; orderId: number },
): Promise<RefundResult> {
  if (typeof input !== "object" || input === null) throw new PaymentsError("invalid_input", "input: is required", { field: "input" });
  assertOrderId(input.orderId, "orderId");
  assertAmountFen(input.amountFen, "amountFen");
  if (typeof input.paymentIntentId !== "string" || !input.paymentIntentId.startsWith("pi_")) {
    throw new PaymentsError("invalid_input", `paymentIntentId: must be a PaymentIntent id (pi_…), got ${String(input.paymentIntentId)}`, {
      field: "paymentIntentId",
    });
  }
  let refund: Stripe.Refund;
  try {
    refund = await stripe.refunds.create(
      {
        payment_intent: input.paymentIntentId,
        amount: input.amountFen,
        reason: "requested_by_customer",
        metadata: { order_id: String(input.orderId) },
      },
      { idempotencyKey: refundIdempotencyKey(input.orderId) },
    );
  } catch (error) {
    throw toPaymentsError(error, `refunding order ${input.orderId}`);
  }
  return { refundId: refund.id, status: refund.status ?? "pending", amountFen: refund.amount };
}
