import type { Kysely } from "kysely";
import type { DB, Order, OrderCloseReason, OrderStatus } from "../../../db/schema";
import { InsufficientFundsError, refundOrder as refundOrderLedger } from "../ledger";
import { CheckoutError } from "./errors";
import {
  addEvent,
  assertKey,
  assertOrderId,
  closeLockedOrder,
  lapsedCondition,
  lockOrder,
  relistAfterRefund,
  transferSoldResult,
  voidOrderContract,
} from "./order-core";
import { settleOrder, settleSession } from "./settle";

// What payment providers and people report about an order: paid (Stripe webhook, operator's bank confirmation),
// failed, expired or cancelled, refunded. Each runs in its own transaction and is idempotent by key: a repeat with a
// key already recorded changes nothing and answers alreadyDone: true, and so does a step the order has already moved
// past (a late "expired" for a completed order). An unknown order throws CheckoutError "not_found".

function assertExternalRef(value: unknown, field = "externalRef"): asserts value is string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 255) {
    throw new CheckoutError("invalid", "checkout.error.externalRefRequired", {}, field);
  }
}

function assertDate(value: unknown, field: string): asserts value is Date | undefined {
  if (value !== undefined && !(value instanceof Date && Number.isFinite(value.getTime()))) {
    throw new CheckoutError("invalid", "checkout.error.dateInvalid", {}, field);
  }
}

export interface MarkOrderPaidInput {
  orderId: number;
  method: "card" | "bank_transfer";
  /** the cash received, in fen: must equal the order's cash part */
  amountFen: number;
  /** the Stripe payment (pi_…) or the bank's transaction number */
  externalRef: string;
  idempotencyKey: string;
  /** when the money was paid (defaults to now); the contract is signed that day */
  paidAt?: Date;
  /** who confirmed it (the operator for bank transfers) */
  actorUserId?: number | null;
}

export interface PaymentOutcome {
  orderId: number;
  status: OrderStatus;
  alreadyDone: boolean;
}

function assertPayment(input: { amountFen: number; externalRef: string; idempotencyKey: string; paidAt?: Date }): void {
  const amount = input.amountFen;
  if (typeof amount !== "number" || !Number.isFinite(amount)) throw new CheckoutError("invalid", "checkout.error.amountNotNumber", {}, "amountFen");
  if (!Number.isInteger(amount)) throw new CheckoutError("invalid", "checkout.error.amountFraction", {}, "amountFen");
  if (amount < 0) throw new CheckoutError("invalid", "checkout.error.amountNegative", {}, "amountFen");
  if (amount === 0) throw new CheckoutError("invalid", "checkout.error.amountZero", {}, "amountFen");
  assertExternalRef(input.externalRef);
  assertKey(input.idempotencyKey);
  assertDate(input.paidAt, "paidAt");
}

/**
 * The cash part of a pending order was paid: one transaction redeems the voucher holds, posts the card payment or bank
 * transfer with the platform fee and the institution's share, registers the technology contract and transfers the
 * result (exclusive modes). Refused, with nothing changed: an amount other than the order's cash part or a method
 * other than the order's (CheckoutError "invalid"); an order that is closed — cancelled, expired, failed — ("conflict":
 * the money must go back).
 */
export async function markOrderPaid(db: Kysely<DB>, input: MarkOrderPaidInput): Promise<PaymentOutcome & { contractId: number | null }> {
  assertOrderId(input.orderId);
  if (input.method !== "card" && input.method !== "bank_transfer") throw new CheckoutError("invalid", "checkout.error.methodUnknown", {}, "method");
  assertPayment(input);
  const amount = input.amountFen;
  const now = input.paidAt ?? new Date();

  const settle = (trx: Kysely<DB>, transferred: boolean) =>
    settleOrder(trx, {
      orderId: input.orderId,
      method: input.method,
      amountFen: amount,
      externalRef: input.externalRef.trim(),
      idempotencyKey: input.idempotencyKey,
      actorUserId: input.actorUserId ?? null,
      now,
      transferred,
    });
  // One statement (its own transaction) for the common case; an exclusive sale also moves its result, so it runs in a
  // transaction that locks the result's row before the order's (the checkout's lock order).
  const settled = await settle(db, false);
  if (settled !== "exclusive") return settled;
  return db.transaction().execute(async (trx) => {
    const { order } = await lockOrder(trx, input.orderId);
    const checked = await settle(trx, false);
    if (checked !== "exclusive") return checked;
    await transferSoldResult(trx, order, now);
    const done = await settle(trx, true);
    if (done === "exclusive") throw new Error(`order ${order.id}: its result was not transferred`);
    return done;
  });
}

/**
 * A Stripe Checkout Session was paid by card: its order completed in one round trip when that is all there is to do.
 * Null, having changed nothing, when the session is no order's, its order is not `claimedOrderId` (the session's
 * metadata), or completion needs more or refuses (an exclusive result to transfer, a closed order, another amount):
 * markOrderPaid on the order findOrderByStripeSession finds then does it, or says why not.
 */
export async function markSessionPaid(
  db: Kysely<DB>,
  input: { sessionId: string; claimedOrderId: number | null; amountFen: number; externalRef: string; idempotencyKey: string; paidAt?: Date },
): Promise<(PaymentOutcome & { contractId: number | null }) | null> {
  if (typeof input.sessionId !== "string" || input.sessionId === "") return null;
  assertPayment(input);
  return settleSession(db, {
    sessionId: input.sessionId,
    claimedOrderId: input.claimedOrderId,
    amountFen: input.amountFen,
    externalRef: input.externalRef.trim(),
    idempotencyKey: input.idempotencyKey,
    now: input.paidAt ?? new Date(),
  });
}

async function close(
  db: Kysely<DB>,
  orderId: number,
  idempotencyKey: string,
  change: { status: "cancelled" | "expired" | "failed"; reason: OrderCloseReason; externalRef?: string | null; actorUserId?: number | null },
  now: Date,
  options: { owner?: number; strict?: boolean } = {},
): Promise<PaymentOutcome> {
  return db.transaction().execute(async (trx) => {
    const locked = await lockOrder(trx, orderId, idempotencyKey);
    const { order } = locked;
    if (options.owner !== undefined && order.buyer_organisation_id !== options.owner) {
      throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: orderId }, "orderId");
    }
    const done = { orderId: order.id, status: order.status, alreadyDone: true };
    if (locked.keyUsed) return done;
    if (order.status !== "pending") {
      if (options.strict) throw new CheckoutError("conflict", "checkout.error.notCancellable", { status: order.status }, "orderId");
      return done;
    }
    await closeLockedOrder(trx, order, { ...change, idempotencyKey, now });
    return { orderId: order.id, status: change.status, alreadyDone: false };
  });
}

/** The payment failed (e.g. checkout.session.async_payment_failed): holds and reservation released, order failed. */
export async function markPaymentFailed(
  db: Kysely<DB>,
  input: { orderId: number; externalRef: string; idempotencyKey: string; now?: Date },
): Promise<PaymentOutcome> {
  assertOrderId(input.orderId);
  assertExternalRef(input.externalRef);
  assertKey(input.idempotencyKey);
  return close(
    db,
    input.orderId,
    input.idempotencyKey,
    { status: "failed", reason: "payment_failed", externalRef: input.externalRef.trim() },
    input.now ?? new Date(),
  );
}

export type ExpireReason = "checkout_expired" | "reservation_lapsed" | "cancelled";

/**
 * Ends a pending order without a sale: the Stripe session expired, the reservation lapsed, or the buyer cancelled.
 * Voucher holds go back to the vouchers (to the programme if a voucher expired meanwhile) and the result is on sale
 * again. A completed or already closed order is left alone (alreadyDone).
 */
export async function expireOrder(
  db: Kysely<DB>,
  input: { orderId: number; reason: ExpireReason; idempotencyKey: string; actorUserId?: number | null; now?: Date },
): Promise<PaymentOutcome> {
  assertOrderId(input.orderId);
  if (!["checkout_expired", "reservation_lapsed", "cancelled"].includes(input.reason)) {
    throw new CheckoutError("invalid", "checkout.error.reasonUnknown", {}, "reason");
  }
  assertKey(input.idempotencyKey);
  return close(
    db,
    input.orderId,
    input.idempotencyKey,
    { status: input.reason === "cancelled" ? "cancelled" : "expired", reason: input.reason, actorUserId: input.actorUserId ?? null },
    input.now ?? new Date(),
  );
}

/** The buyer cancels its own pending order. Another organisation's order is "not_found" (its existence is not told). */
export async function cancelOrder(
  db: Kysely<DB>,
  buyer: { userId: number; organisationId: number },
  orderId: number,
  now: Date = new Date(),
): Promise<PaymentOutcome> {
  assertOrderId(orderId);
  return close(
    db,
    orderId,
    `order:${orderId}:cancel`,
    { status: "cancelled", reason: "cancelled", actorUserId: buyer.userId },
    now,
    { owner: buyer.organisationId, strict: true },
  );
}

/**
 * Refunds a completed order: the ledger reverses the payment and the voucher redemption and returns the voucher part
 * to the voucher (or to the programme when the voucher has expired), the contract is voided and an exclusive result is
 * back on sale. For card orders the Stripe webhook calls this on charge.refunded; bank transfers are refunded by the
 * operator. Refused ("conflict") for an order that was never paid, and when the institution has already been paid
 * out or reimbursed for it (the reversal would overdraw its account: that refund needs the money back first).
 */
export async function refundOrder(
  db: Kysely<DB>,
  input: { orderId: number; externalRef: string; idempotencyKey: string; reason?: string; actorUserId?: number | null; now?: Date },
): Promise<PaymentOutcome> {
  assertOrderId(input.orderId);
  assertExternalRef(input.externalRef);
  assertKey(input.idempotencyKey);
  const reason = (input.reason ?? "").trim() || "订单退款";
  if ([...reason].length > 500) throw new CheckoutError("invalid", "checkout.error.reasonTooLong", { max: 500 }, "reason");
  const now = input.now ?? new Date();
  try {
    return await db.transaction().execute(async (trx) => {
      const locked = await lockOrder(trx, input.orderId, input.idempotencyKey);
      const { order } = locked;
      const done = { orderId: order.id, status: order.status, alreadyDone: true };
      if (locked.keyUsed || order.status === "refunded") return done;
      if (order.status !== "completed") {
        throw new CheckoutError("conflict", "checkout.error.notRefundable", { status: order.status }, "orderId");
      }
      // Contract (rollups) before the ledger (platform accounts): the same lock order as completion.
      await voidOrderContract(trx, order, `退款：${reason}`, input.actorUserId ?? null, now);
      if (order.exclusive) await relistAfterRefund(trx, order, input.actorUserId ?? null, now);
      await refundOrderLedger(trx, {
        orderId: order.id,
        stripeEventId: order.payment_method === "card" ? input.externalRef.trim() : null,
        memo: `refund of order ${order.id}: ${reason}`.slice(0, 500),
        now,
      });
      await trx.updateTable("orders").set({ status: "refunded", refunded_at: now }).where("id", "=", order.id).execute();
      await addEvent(trx, {
        orderId: order.id,
        kind: "refunded",
        idempotencyKey: input.idempotencyKey,
        amountFen: order.cash_due_fen,
        externalRef: input.externalRef.trim(),
        actorUserId: input.actorUserId ?? null,
        note: reason,
        at: now,
      });
      return { orderId: order.id, status: "refunded" as const, alreadyDone: false };
    });
  } catch (error) {
    if (error instanceof InsufficientFundsError) {
      throw new CheckoutError("conflict", "checkout.error.alreadyPaidOut", {}, "orderId");
    }
    throw error;
  }
}

export async function findOrderByStripeSession(db: Kysely<DB>, sessionId: string): Promise<Order | null> {
  if (typeof sessionId !== "string" || sessionId === "") return null;
  return (await db.selectFrom("orders").selectAll().where("stripe_checkout_session_id", "=", sessionId).executeTakeFirst()) ?? null;
}

export async function findOrder(db: Kysely<DB>, orderId: number): Promise<Order | null> {
  if (!Number.isSafeInteger(orderId) || orderId <= 0) return null;
  return (await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst()) ?? null;
}

export interface SweepResult {
  expired: number;
  failed: { orderId: number; error: string }[];
}

/**
 * Expires every pending order whose payment deadline has passed (card orders with a Stripe session get a grace
 * period for the webhook), oldest first, each in its own transaction: one bad order does not stop the rest.
 */
export async function expireLapsedOrders(db: Kysely<DB>, now: Date = new Date(), options: { limit?: number } = {}): Promise<SweepResult> {
  const due = await db
    .selectFrom("orders as o")
    .select(["o.id", "o.exclusive"])
    .where("o.status", "=", "pending")
    .where(lapsedCondition("o", now))
    .orderBy("o.expires_at")
    .limit(options.limit ?? 500)
    .execute();
  const out: SweepResult = { expired: 0, failed: [] };
  for (const o of due) {
    try {
      const r = await expireOrder(db, {
        orderId: o.id,
        reason: o.exclusive ? "reservation_lapsed" : "checkout_expired",
        idempotencyKey: `order:${o.id}:expire`,
        now,
      });
      if (!r.alreadyDone) out.expired += 1;
    } catch (error) {
      out.failed.push({ orderId: o.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}
