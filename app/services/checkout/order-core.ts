import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import type { DB, Order, OrderCloseReason, OrderEventKind } from "../../../db/schema";
import { recordListingChange } from "../../../search/outbox";
import { SYSTEM_ACTOR, transition, writeAudit } from "../catalogue/lifecycle";
import { voidContract } from "../contracts/registry";
import { releaseOrderHolds } from "../ledger";
import { CheckoutError } from "./errors";
import { STRIPE_GRACE_MINUTES } from "./rules";
import { settleOrder } from "./settle";

// The order's state changes, on an order row the caller has locked (lockOrder). Lock order everywhere in the checkout:
// technology result row → order row → vouchers → ledger accounts (the ledger locks accounts in id order). Every path
// that touches more than one of them takes them in this order, so two checkouts never wait on each other in a cycle.

/**
 * A pending order has lapsed when its deadline passed; a card order that has a Stripe session gets STRIPE_GRACE_MINUTES
 * more, because Stripe reports its session's end (or a last-second payment) by webhook, a little after the fact.
 */
export function lapsedCondition(alias: string, now: Date): RawBuilder<SqlBool> {
  const grace = new Date(now.getTime() - STRIPE_GRACE_MINUTES * 60_000);
  const session = sql.ref(`${alias}.stripe_checkout_session_id`);
  const expires = sql.ref(`${alias}.expires_at`);
  return sql<SqlBool>`((${session} is null and ${expires} <= ${now}) or ${expires} <= ${grace})`;
}

export function assertOrderId(orderId: unknown): asserts orderId is number {
  if (typeof orderId !== "number" || !Number.isSafeInteger(orderId) || orderId <= 0) {
    throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: String(orderId) }, "orderId");
  }
}

export interface LockedOrder {
  order: Order;
  /** the idempotency key given was already recorded for this order */
  keyUsed: boolean;
}

/**
 * Locks an order for a state change, reading whether `key` was recorded, in as few round trips as possible. A
 * non-exclusive order is locked straight away (one statement); an exclusive one moves its result too, so the
 * result's row is locked first, then the order's (the checkout's lock order). Throws CheckoutError "not_found" for an
 * unknown order, "invalid" for a key recorded for another order.
 */
export async function lockOrder(trx: Kysely<DB>, orderId: number, key: string | null = null): Promise<LockedOrder> {
  assertOrderId(orderId);
  const base = trx
    .selectFrom("orders as o")
    .selectAll("o")
    .select([
      (eb) =>
        (key === null
          ? sql<number | null>`null::bigint`
          : eb.selectFrom("order_events as ev").select("ev.order_id").where("ev.idempotency_key", "=", key).limit(1)
        ).as("key_order_id"),
    ])
    .where("o.id", "=", orderId);
  // exclusive never changes (orders_guard), so "not exclusive" is safe to test before the lock is granted.
  let row = await base.where("o.exclusive", "=", false).forUpdate("o").executeTakeFirst();
  if (!row) {
    const peek = await trx.selectFrom("orders").select("result_id").where("id", "=", orderId).executeTakeFirst();
    if (!peek) throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: orderId }, "orderId");
    await trx.selectFrom("technology_results").select("id").where("id", "=", peek.result_id).forUpdate().execute();
    row = await base.forUpdate("o").executeTakeFirstOrThrow();
  }
  const { key_order_id, ...order } = row;
  if (key_order_id !== null && key_order_id !== orderId && key !== null) {
    throw new CheckoutError("invalid", "checkout.error.keyOfOtherOrder", { key }, "idempotencyKey");
  }
  return { order, keyUsed: key_order_id === orderId };
}

export async function addEvent(
  trx: Kysely<DB>,
  event: {
    orderId: number;
    kind: OrderEventKind;
    idempotencyKey?: string | null;
    amountFen?: number | null;
    externalRef?: string | null;
    actorUserId?: number | null;
    note?: string | null;
    at: Date;
  },
): Promise<void> {
  await trx
    .insertInto("order_events")
    .values({
      order_id: event.orderId,
      kind: event.kind,
      idempotency_key: event.idempotencyKey ?? null,
      amount_fen: event.amountFen ?? null,
      external_ref: event.externalRef ?? null,
      actor_user_id: event.actorUserId ?? null,
      note: event.note ?? null,
      created_at: event.at,
    })
    .execute();
}

export function assertKey(key: unknown, field = "idempotencyKey"): asserts key is string {
  if (typeof key !== "string" || key.trim() === "" || key.length > 200) {
    throw new CheckoutError("invalid", "checkout.error.keyRequired", {}, field);
  }
}

export interface CompletionPayment {
  method: "card" | "bank_transfer" | "voucher";
  /** the card payment / bank transaction as the payer's side names it */
  externalRef: string | null;
  idempotencyKey: string | null;
  actorUserId: number | null;
  now: Date;
}

/**
 * An exclusive sale moves its result: transferred, and the reservation converted. On the result's row, which the caller
 * has locked before the order's (lockOrder), in the caller's transaction.
 */
export async function transferSoldResult(trx: Kysely<DB>, order: Pick<Order, "id" | "result_id">, now: Date): Promise<void> {
  await transition(trx, SYSTEM_ACTOR, order.result_id, "transfer", { now });
  await trx
    .updateTable("result_reservations")
    .set({ state: "converted", ended_at: now })
    .where("order_id", "=", order.id)
    .where("state", "=", "active")
    .execute();
}

/**
 * Completes a pending order, locked by the caller, whose payment is in (or which the vouchers paid in full): the result
 * is transferred (exclusive modes), then order_settle registers the contract, redeems the voucher holds, posts the
 * payment and completes the order, all in the caller's transaction. Returns the contract's id.
 */
export async function completeLockedOrder(
  trx: Kysely<DB>,
  order: Pick<Order, "id" | "exclusive" | "result_id" | "cash_due_fen">,
  payment: CompletionPayment,
): Promise<number> {
  if (order.exclusive) await transferSoldResult(trx, order, payment.now);
  const settled = await settleOrder(trx, {
    orderId: order.id,
    method: payment.method,
    amountFen: payment.method === "voucher" ? null : order.cash_due_fen,
    externalRef: payment.externalRef,
    idempotencyKey: payment.idempotencyKey,
    actorUserId: payment.actorUserId,
    now: payment.now,
    transferred: true,
  });
  if (settled === "exclusive" || settled.alreadyDone || settled.contractId === null) {
    throw new Error(`order ${order.id} was not pending when its completion ran`);
  }
  return settled.contractId;
}

/** Ends an exclusive order's active reservation and puts the result back on sale. */
async function releaseReservation(trx: Kysely<DB>, order: Order, now: Date): Promise<void> {
  if (!order.exclusive) return;
  const ended = await trx
    .updateTable("result_reservations")
    .set({ state: "released", ended_at: now })
    .where("order_id", "=", order.id)
    .where("state", "=", "active")
    .executeTakeFirst();
  if (Number(ended.numUpdatedRows) === 0) return;
  const result = await trx.selectFrom("technology_results").select("status").where("id", "=", order.result_id).executeTakeFirstOrThrow();
  if (result.status === "reserved") await transition(trx, SYSTEM_ACTOR, order.result_id, "release", { now });
}

export interface CloseInput {
  status: "cancelled" | "expired" | "failed";
  reason: OrderCloseReason;
  idempotencyKey: string | null;
  externalRef?: string | null;
  actorUserId?: number | null;
  now: Date;
}

/** Closes a pending order without a sale: voucher holds released, reservation ended, the order closed. */
export async function closeLockedOrder(trx: Kysely<DB>, order: Order, input: CloseInput): Promise<void> {
  const { now } = input;
  await releaseReservation(trx, order, now);
  if (order.voucher_part_fen > 0) await releaseOrderHolds(trx, { orderId: order.id, now });
  await trx
    .updateTable("orders")
    .set({ status: input.status, closed_at: now, close_reason: input.reason })
    .where("id", "=", order.id)
    .execute();
  await addEvent(trx, {
    orderId: order.id,
    kind: input.status === "failed" ? "payment_failed" : input.status,
    idempotencyKey: input.idempotencyKey,
    externalRef: input.externalRef ?? null,
    actorUserId: input.actorUserId ?? null,
    note: input.reason,
    at: now,
  });
}

/**
 * Puts a transferred result back on sale after the refund of its exclusive sale. The catalogue's transition table has
 * no move out of "transferred" (a sale is final there); a refund is the one exception, written here with the same
 * audit and outbox rows a transition writes.
 */
export async function relistAfterRefund(trx: Kysely<DB>, order: Order, actorUserId: number | null, now: Date): Promise<void> {
  const row = await trx.selectFrom("technology_results").select("status").where("id", "=", order.result_id).forUpdate().executeTakeFirstOrThrow();
  if (row.status !== "transferred") return;
  await trx
    .updateTable("technology_results")
    .set({ status: "listed", transferred_at: null, updated_at: now })
    .where("id", "=", order.result_id)
    .where("status", "=", "transferred")
    .execute();
  await writeAudit(trx, { id: actorUserId, organisationId: null, role: "system" }, "result.relist", order.result_id, {
    from: "transferred",
    to: "listed",
    reason: "refund",
    order_id: order.id,
  });
  await recordListingChange(trx, order.result_id);
}

/** Voids the order's contract as part of a refund (no-op when it is voided already). */
export async function voidOrderContract(trx: Kysely<DB>, order: Order, reason: string, actorUserId: number | null, at: Date): Promise<void> {
  if (order.contract_id === null) return;
  const contract = await trx.selectFrom("contracts").select("status").where("id", "=", order.contract_id).executeTakeFirst();
  if (!contract || contract.status === "voided") return;
  await voidContract(trx, { contractId: order.contract_id, reason, actorUserId, at });
}
