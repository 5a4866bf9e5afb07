import type { Kysely } from "kysely";
import Stripe from "stripe";
import type { DB, Order } from "../../../db/schema";
import { CheckoutError } from "../checkout/errors";
import { expireOrder, findOrder, findOrderByStripeSession, markOrderPaid, markPaymentFailed, markSessionPaid, refundOrder } from "../checkout/payments";
import { PaymentsError } from "./errors";
import { refundPayment } from "./stripe";

// Stripe's webhook: verify, then hand each event to the checkout's payment functions. See
// docs/decisions/0005-stripe-webhooks.md for the answers and why.
//
// - The signature is checked over the raw body before anything else; forged, stale (older than the tolerance) or
//   missing → 400 and nothing is read from the body.
// - Every call carries the key `stripe-evt-<event id>`: a redelivered event is a no-op in the checkout. Different
//   events about one order (completed, then expired; a second completed) are settled by the order's state machine.
// - Events we do not act on (other types, sessions and charges that are not ours) → 200 and a log line, so Stripe
//   stops retrying; nothing changes.
// - An event for our order whose amount or currency disagrees with the order → 400 and an error log: nothing changes,
//   and Stripe keeps redelivering (and shows the failures on the dashboard) until someone looks.
// - Anything unexpected (the database is down) → 500: Stripe retries for three days.

/** Stripe's own default, and the age beyond which a signed delivery counts as a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface WebhookLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

const consoleLogger: WebhookLogger = {
  info: (m, d) => console.info(`[stripe-webhook] ${m}`, d ?? ""),
  warn: (m, d) => console.warn(`[stripe-webhook] ${m}`, d ?? ""),
  error: (m, d) => console.error(`[stripe-webhook] ${m}`, d ?? ""),
};

export interface WebhookOptions {
  /** The endpoint's signing secret (STRIPE_WEBHOOK_SECRET); without it every delivery gets 503. */
  secret: string | undefined;
  tolerance?: number;
  /** The clock the timestamp is checked against (tests). */
  now?: Date;
  /** For refunding a payment that arrives for an order already closed; without a client it is logged for the operator. */
  stripe?: Stripe | null;
  log?: WebhookLogger;
}

export type WebhookOutcome =
  | "processed"
  | "unchanged"
  | "ignored"
  | "not_configured"
  | "signature_missing"
  | "signature_invalid"
  | "signature_stale"
  | "payload_invalid"
  | "mismatch"
  | "error";

export interface WebhookAnswer {
  received: boolean;
  outcome: WebhookOutcome;
  eventId?: string;
  type?: string;
  orderId?: number;
  /** What the order's state machine did, e.g. "paid", "expired". */
  action?: string;
  message?: string;
}

export interface WebhookResponse {
  status: 200 | 400 | 500 | 503;
  body: WebhookAnswer;
}

function answer(status: WebhookResponse["status"], body: WebhookAnswer): WebhookResponse {
  return { status, body };
}

/** The order id a session or charge carries in its metadata (ours are decimal strings), or null. */
function metadataOrderId(metadata: Stripe.Metadata | null | undefined, clientReferenceId?: string | null): number | null {
  const raw = metadata?.order_id ?? clientReferenceId ?? null;
  if (raw === null || !/^[1-9]\d{0,15}$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

function idOf(ref: string | { id: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === "string" ? ref : ref.id;
}

export async function handleStripeWebhook(
  db: Kysely<DB>,
  delivery: { rawBody: string; signature: string | null },
  options: WebhookOptions,
): Promise<WebhookResponse> {
  const log = options.log ?? consoleLogger;
  if (!options.secret) {
    log.error("STRIPE_WEBHOOK_SECRET is not set: deliveries cannot be verified");
    return answer(503, { received: false, outcome: "not_configured", message: "Stripe webhooks are not configured on this server" });
  }
  if (!delivery.signature) {
    log.warn("delivery without a Stripe-Signature header refused");
    return answer(400, { received: false, outcome: "signature_missing", message: "the Stripe-Signature header is missing" });
  }

  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(
      delivery.rawBody,
      delivery.signature,
      options.secret,
      options.tolerance ?? WEBHOOK_TOLERANCE_SECONDS,
      undefined,
      options.now?.getTime(),
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      const stale = /tolerance/i.test(error.message);
      log.warn(stale ? "stale signature refused" : "invalid signature refused", { reason: error.message.split("\n")[0] });
      return answer(400, {
        received: false,
        outcome: stale ? "signature_stale" : "signature_invalid",
        message: stale
          ? `the signature's timestamp is older than ${options.tolerance ?? WEBHOOK_TOLERANCE_SECONDS} s`
          : "the Stripe-Signature header does not match the body",
      });
    }
    // Signed correctly but not JSON: cannot be one of Stripe's.
    log.error("signed delivery whose body is not JSON", { error: String(error) });
    return answer(400, { received: false, outcome: "payload_invalid", message: "the body is not a JSON event" });
  }
  if (typeof event !== "object" || event === null || typeof event.id !== "string" || !event.id.startsWith("evt_") || typeof event.type !== "string") {
    log.error("signed delivery that is not an event", {});
    return answer(400, { received: false, outcome: "payload_invalid", message: "the body is not a Stripe event (id evt_…, type)" });
  }

  const base = { received: true, eventId: event.id, type: event.type };
  try {
    const result = await dispatch(db, event, options, log);
    return answer(result.status, { ...base, ...result.body });
  } catch (error) {
    log.error("event not processed; Stripe will retry", { eventId: event.id, type: event.type, error: String(error) });
    return answer(500, { ...base, received: false, outcome: "error", message: "the event could not be processed now; it will be retried" });
  }
}

type Dispatched = { status: WebhookResponse["status"]; body: Omit<WebhookAnswer, "received" | "eventId" | "type"> & { received?: boolean } };

const eventKey = (event: Stripe.Event) => `stripe-evt-${event.id}`;

async function dispatch(db: Kysely<DB>, event: Stripe.Event, options: WebhookOptions, log: WebhookLogger): Promise<Dispatched> {
  const object: unknown = (event as { data?: { object?: unknown } }).data?.object;
  if (typeof object !== "object" || object === null || typeof (object as { id?: unknown }).id !== "string") {
    log.error("signed event without a data.object; refused", { eventId: event.id, type: event.type });
    return { status: 400, body: { received: false, outcome: "payload_invalid", message: "the event has no data.object with an id" } };
  }
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired":
      return onSession(db, event, event.data.object, options, log);
    case "charge.refunded":
      return onChargeRefunded(db, event, event.data.object, log);
    default:
      log.info("event type not handled; acknowledged", { eventId: event.id, type: event.type });
      return { status: 200, body: { outcome: "ignored", message: `event type ${event.type} is not handled` } };
  }
}

/** The order a session belongs to, found by the session id the checkout stored and cross-checked with its metadata. */
async function orderOfSession(
  db: Kysely<DB>,
  event: Stripe.Event,
  session: Stripe.Checkout.Session,
  log: WebhookLogger,
): Promise<{ order: Order } | { reply: Dispatched }> {
  const claimed = metadataOrderId(session.metadata, session.client_reference_id);
  const order = await findOrderByStripeSession(db, session.id);
  if (!order) {
    log.warn("event for a checkout session that is not one of our orders; acknowledged, nothing changed", {
      eventId: event.id,
      sessionId: session.id,
      metadataOrderId: claimed,
    });
    return {
      reply: {
        status: 200,
        body: { outcome: "ignored", action: "unknown_order", message: `no order has checkout session ${session.id}` },
      },
    };
  }
  if (claimed !== null && claimed !== order.id) {
    log.error("checkout session's metadata names another order; refused", { eventId: event.id, sessionId: session.id, orderId: order.id, claimed });
    return {
      reply: {
        status: 400,
        body: { received: false, outcome: "mismatch", orderId: order.id, message: `session ${session.id} belongs to order ${order.id}, its metadata says ${claimed}` },
      },
    };
  }
  return { order };
}

/** The session's amount and currency against the order's cash part: a disagreement is refused before anything moves. */
function amountMismatch(event: Stripe.Event, order: Order, currency: string | null, amount: number | null, log: WebhookLogger): Dispatched | null {
  if (currency === "cny" && amount === order.cash_due_fen) return null;
  log.error("amount or currency differs from the order; refused, nothing changed", {
    eventId: event.id,
    orderId: order.id,
    expected: { currency: "cny", amountFen: order.cash_due_fen },
    got: { currency, amount },
  });
  return {
    status: 400,
    body: {
      received: false,
      outcome: "mismatch",
      orderId: order.id,
      message: `order ${order.id} is due ${order.cash_due_fen} fen CNY; the event says ${amount ?? "?"} ${currency ?? "?"}`,
    },
  };
}

async function onSession(
  db: Kysely<DB>,
  event: Stripe.Event,
  session: Stripe.Checkout.Session,
  options: WebhookOptions,
  log: WebhookLogger,
): Promise<Dispatched> {
  const idempotencyKey = eventKey(event);
  const paymentIntentId = idOf(session.payment_intent);
  const externalRef = paymentIntentId ?? session.id;
  const paid = (orderId: number, alreadyDone: boolean): Dispatched => {
    log.info(alreadyDone ? "payment already applied; nothing changed" : "order paid", { eventId: event.id, orderId });
    return { status: 200, body: { outcome: alreadyDone ? "unchanged" : "processed", orderId, action: "paid" } };
  };

  // The common delivery, a session paid in yuan, settles in the statement that finds its order. Whatever that leaves
  // undone (an unknown session, another amount, a closed or exclusive order) it leaves unchanged for the path below,
  // which looks the order up and answers as the case needs.
  const paidInYuan =
    (event.type === "checkout.session.async_payment_succeeded" || (event.type === "checkout.session.completed" && session.payment_status === "paid")) &&
    session.currency === "cny" &&
    Number.isSafeInteger(session.amount_total) &&
    (session.amount_total ?? 0) > 0 &&
    Number.isSafeInteger(event.created);
  if (paidInYuan) {
    const done = await markSessionPaid(db, {
      sessionId: session.id,
      claimedOrderId: metadataOrderId(session.metadata, session.client_reference_id),
      amountFen: session.amount_total ?? 0,
      externalRef,
      idempotencyKey,
      paidAt: new Date(event.created * 1000),
    });
    if (done) return paid(done.orderId, done.alreadyDone);
  }

  const found = await orderOfSession(db, event, session, log);
  if ("reply" in found) return found.reply;
  const { order } = found;

  const call = async (action: string, work: () => Promise<{ alreadyDone: boolean }>): Promise<Dispatched> => {
    try {
      const { alreadyDone } = await work();
      log.info(alreadyDone ? "event already applied; nothing changed" : `order ${action}`, { eventId: event.id, orderId: order.id });
      return { status: 200, body: { outcome: alreadyDone ? "unchanged" : "processed", orderId: order.id, action } };
    } catch (error) {
      return checkoutRefusal(error, event, order.id, action, log);
    }
  };

  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      if (event.type === "checkout.session.completed" && session.payment_status !== "paid") {
        // Alipay, WeChat Pay and other delayed methods: the money is not in yet; async_payment_succeeded/failed follows.
        log.info("session completed, payment pending; waiting for the async result", { eventId: event.id, orderId: order.id });
        return { status: 200, body: { outcome: "ignored", orderId: order.id, action: "awaiting_payment" } };
      }
      const mismatch = amountMismatch(event, order, session.currency, session.amount_total, log);
      if (mismatch) return mismatch;
      try {
        const { alreadyDone } = await markOrderPaid(db, {
          orderId: order.id,
          method: "card",
          amountFen: session.amount_total ?? 0,
          externalRef,
          idempotencyKey,
          // The payment's time, not the delivery's: a retried delivery days later still signs the contract that day.
          paidAt: new Date(event.created * 1000),
        });
        return paid(order.id, alreadyDone);
      } catch (error) {
        if (error instanceof CheckoutError && error.key === "checkout.error.orderClosed" && paymentIntentId) {
          // The order was closed (cancelled, expired, failed) before this payment arrived: nothing to sell, so the
          // money goes back.
          return refundOrphanPayment(options, log, {
            orderId: order.id,
            paymentIntentId,
            amountFen: order.cash_due_fen,
            eventId: event.id,
            status: String(error.params.status ?? "closed"),
          });
        }
        return checkoutRefusal(error, event, order.id, "paid", log);
      }
    }
    case "checkout.session.async_payment_failed":
      return call("payment_failed", () => markPaymentFailed(db, { orderId: order.id, externalRef, idempotencyKey }));
    case "checkout.session.expired":
      return call("expired", () => expireOrder(db, { orderId: order.id, reason: "checkout_expired", idempotencyKey }));
    default:
      return { status: 200, body: { outcome: "ignored", message: `event type ${event.type} is not handled` } };
  }
}

async function onChargeRefunded(db: Kysely<DB>, event: Stripe.Event, charge: Stripe.Charge, log: WebhookLogger): Promise<Dispatched> {
  const claimed = metadataOrderId(charge.metadata);
  const order = claimed === null ? null : await findOrder(db, claimed);
  if (!order) {
    log.warn("refund of a charge that is not one of our orders; acknowledged, nothing changed", {
      eventId: event.id,
      chargeId: charge.id,
      metadataOrderId: claimed,
    });
    return {
      status: 200,
      body: { outcome: "ignored", action: "unknown_order", message: `charge ${charge.id} belongs to no order of ours` },
    };
  }
  const paymentIntentId = idOf(charge.payment_intent);
  if (order.payment_ref !== null && paymentIntentId !== order.payment_ref) {
    // Not the payment that completed the order: e.g. the refund of a payment that arrived after the order had closed.
    log.info("refund of a payment that did not complete the order; nothing changed", {
      eventId: event.id,
      orderId: order.id,
      paymentIntentId,
      orderPayment: order.payment_ref,
    });
    return { status: 200, body: { outcome: "ignored", orderId: order.id, action: "other_payment", message: `payment ${paymentIntentId} is not the payment of order ${order.id}` } };
  }
  const mismatch = amountMismatch(event, order, charge.currency, charge.amount, log);
  if (mismatch) return mismatch;
  if (!charge.refunded) {
    // The market only ever refunds an order in full; a partial refund made on the dashboard needs a person.
    log.error("partial refund on the Stripe dashboard; the ledger is not changed: settle it by hand", {
      eventId: event.id,
      orderId: order.id,
      chargeId: charge.id,
      amount: charge.amount,
      amountRefunded: charge.amount_refunded,
    });
    return {
      status: 200,
      body: { outcome: "ignored", orderId: order.id, action: "partial_refund", message: "partial refunds are not applied automatically" },
    };
  }
  try {
    const { alreadyDone } = await refundOrder(db, {
      orderId: order.id,
      externalRef: paymentIntentId ?? charge.id,
      idempotencyKey: eventKey(event),
      reason: "Stripe 退款",
    });
    log.info(alreadyDone ? "refund already applied; nothing changed" : "order refunded", { eventId: event.id, orderId: order.id });
    return { status: 200, body: { outcome: alreadyDone ? "unchanged" : "processed", orderId: order.id, action: "refunded" } };
  } catch (error) {
    return checkoutRefusal(error, event, order.id, "refunded", log);
  }
}

/** What the checkout's refusals mean to Stripe: unknown order or a step the order is past → acknowledged (200); bad
 *  data → 400; anything else is rethrown (500, Stripe retries). */
function checkoutRefusal(error: unknown, event: Stripe.Event, orderId: number, action: string, log: WebhookLogger): Dispatched {
  if (!(error instanceof CheckoutError)) throw error;
  const details = { eventId: event.id, type: event.type, orderId, kind: error.kind, key: error.key, params: error.params };
  switch (error.kind) {
    case "not_found":
      log.warn("event for an unknown order; acknowledged, nothing changed", details);
      return { status: 200, body: { outcome: "ignored", orderId, action: "unknown_order", message: error.message } };
    case "conflict":
      // The order's state machine refuses the step (e.g. the refund of an order never completed); redelivering cannot
      // change that. A refund after the institution was paid out leaves Stripe and the ledger apart: a person must act.
      if (error.key === "checkout.error.alreadyPaidOut") {
        log.error("refunded on Stripe, but the institution was already paid out: the ledger is not changed, settle it by hand", details);
      } else {
        log.warn(`order cannot be ${action} in its present state; acknowledged, nothing changed`, details);
      }
      return { status: 200, body: { outcome: "ignored", orderId, action: "not_applicable", message: error.message } };
    default:
      log.error(`event refused by the checkout (${error.kind}); nothing changed`, details);
      return { status: 400, body: { received: false, outcome: "mismatch", orderId, message: error.message } };
  }
}

/**
 * A payment arrived for an order that is closed (the buyer cancelled while Stripe's page was still open, or the order
 * lapsed): the money goes back, under the order's refund key, so at most once however often the event comes. When
 * Stripe cannot be reached the answer is 500, and Stripe's redelivery tries the refund again.
 */
async function refundOrphanPayment(
  options: WebhookOptions,
  log: WebhookLogger,
  input: { orderId: number; paymentIntentId: string; amountFen: number; eventId: string; status: string },
): Promise<Dispatched> {
  const base = { orderId: input.orderId, action: "refunded_late_payment" };
  if (!options.stripe) {
    log.error("payment for a closed order and no Stripe client to refund it: refund it on the Stripe dashboard", input);
    return { status: 200, body: { ...base, outcome: "ignored", action: "late_payment", message: `order ${input.orderId} is ${input.status}; refund by hand` } };
  }
  try {
    const refund = await refundPayment(options.stripe, input);
    log.warn("payment for a closed order refunded", { ...input, refundId: refund.refundId, refundStatus: refund.status });
    return { status: 200, body: { ...base, outcome: "processed", message: `order ${input.orderId} is ${input.status}; payment refunded (${refund.refundId})` } };
  } catch (error) {
    log.error("payment for a closed order could not be refunded yet; Stripe will redeliver", {
      ...input,
      error: error instanceof PaymentsError ? `${error.kind}: ${error.message}` : String(error),
    });
    return { status: 500, body: { ...base, received: false, outcome: "error", message: "the late payment could not be refunded yet" } };
  }
}
