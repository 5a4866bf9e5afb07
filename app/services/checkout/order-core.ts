import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import type { DB, Order, OrderCloseReason, OrderEventKind } from "../../../db/schema";
import { recordListingChange } from "../../../search/outbox";
import { SYSTEM_ACTOR, transition, writeAudit } from "../catalogue/lifecycle";
import { regionLabel, registerContract, voidContract } from "../contracts/registry";
import { recordBankTransfer, recordCardPayment, redeemOrderHolds, releaseOrderHolds } from "../ledger";
import { chinaDate } from "../vouchers/validation";
import { CheckoutError } from "./errors";
import { bankReference, CONTRACT_TYPE_BY_MODE, STRIPE_GRACE_MINUTES } from "./rules";

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

/**
 * Locks an order for a state change: first its result (exclusive modes move the result too), then the order row.
 * Throws CheckoutError "not_found" for an unknown order.
 */
export async function lockOrder(trx: Kysely<DB>, orderId: number): Promise<Order> {
  assertOrderId(orderId);
  const peek = await trx.selectFrom("orders").select(["result_id", "exclusive"]).where("id", "=", orderId).executeTakeFirst();
  if (!peek) throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: orderId }, "orderId");
  if (peek.exclusive) await trx.selectFrom("technology_results").select("id").where("id", "=", peek.result_id).forUpdate().execute();
  return trx.selectFrom("orders").selectAll().where("id", "=", orderId).forUpdate().executeTakeFirstOrThrow();
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

/** The event an idempotency key recorded, if any; a key recorded for another order is a caller's bug. */
export async function eventByKey(trx: Kysely<DB>, orderId: number, key: string): Promise<{ kind: OrderEventKind } | null> {
  const row = await trx.selectFrom("order_events").select(["order_id", "kind"]).where("idempotency_key", "=", key).executeTakeFirst();
  if (!row) return null;
  if (row.order_id !== orderId) {
    throw new CheckoutError("invalid", "checkout.error.keyOfOtherOrder", { key }, "idempotencyKey");
  }
  return { kind: row.kind };
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
 * Completes a pending order whose payment is in: the result is transferred (exclusive) or its listing refreshed, the
 * technology contract registered, the voucher holds redeemed, the cash payment posted and the order closed as
 * completed — all in the caller's transaction. The most contended rows (the contract rollups and the platform's
 * ledger accounts) are touched last, so their locks are held for the shortest time.
 */
export async function completeLockedOrder(trx: Kysely<DB>, order: Order, payment: CompletionPayment): Promise<number> {
  const { now } = payment;
  if (order.exclusive) {
    await transition(trx, SYSTEM_ACTOR, order.result_id, "transfer", { now });
    await trx
      .updateTable("result_reservations")
      .set({ state: "converted", ended_at: now })
      .where("order_id", "=", order.id)
      .where("state", "=", "active")
      .execute();
  } else {
    // A non-exclusive sale leaves the listing on sale; its document is refreshed (e.g. how often it sold).
    await recordListingChange(trx, order.result_id);
  }
  if (order.quote_id !== null) {
    await trx.updateTable("quotes").set({ status: "accepted" }).where("id", "=", order.quote_id).execute();
    await trx
      .updateTable("inquiries")
      .set({ status: "accepted", updated_at: now })
      .where("id", "=", (eb) => eb.selectFrom("quotes").select("inquiry_id").where("id", "=", order.quote_id))
      .execute();
  }

  const [parties, result] = await Promise.all([
    trx.selectFrom("organisations").select(["id", "region"]).where("id", "=", order.buyer_organisation_id).executeTakeFirstOrThrow(),
    trx.selectFrom("technology_results").select(["field"]).where("id", "=", order.result_id).executeTakeFirstOrThrow(),
  ]);
  // Technical income: a platform sale is a pure technology contract, so all of its value is technical income.
  const contract = await registerContract(trx, {
    source: "platform",
    orderId: order.id,
    signedOn: chinaDate(now),
    type: CONTRACT_TYPE_BY_MODE[order.mode],
    field: result.field,
    amountFen: order.price_fen,
    technicalIncomeFen: order.price_fen,
    sellerOrganisationId: order.seller_organisation_id,
    buyerOrganisationId: order.buyer_organisation_id,
    buyerRegion: regionLabel(parties.region ?? "other"),
    registeredBy: payment.actorUserId,
    registeredAt: now,
  });
  if (order.voucher_part_fen > 0) {
    await redeemOrderHolds(trx, { orderId: order.id, institutionId: order.seller_organisation_id, contractId: contract.id });
  }
  await trx
    .updateTable("orders")
    .set({ status: "completed", paid_at: now, contract_id: contract.id, payment_ref: payment.externalRef })
    .where("id", "=", order.id)
    .execute();
  await addEvent(trx, {
    orderId: order.id,
    kind: "paid",
    idempotencyKey: payment.idempotencyKey,
    amountFen: order.cash_due_fen,
    externalRef: payment.externalRef,
    actorUserId: payment.actorUserId,
    note: payment.method === "voucher" ? "voucher covered the whole price" : null,
    at: now,
  });
  if (payment.method === "card") {
    await recordCardPayment(trx, {
      orderId: order.id,
      institutionId: order.seller_organisation_id,
      amountFen: order.cash_due_fen,
      contractId: contract.id,
      stripeEventId: payment.externalRef,
    });
  } else if (payment.method === "bank_transfer") {
    await recordBankTransfer(trx, {
      orderId: order.id,
      institutionId: order.seller_organisation_id,
      amountFen: order.cash_due_fen,
      contractId: contract.id,
      reference: payment.externalRef ?? bankReference(order.id),
    });
  }
  return contract.id;
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
export async function voidOrderContract(trx: Kysely<DB>, order: Order, reason: string, actorUserId: number | null): Promise<void> {
  if (order.contract_id === null) return;
  const contract = await trx.selectFrom("contracts").select("status").where("id", "=", order.contract_id).executeTakeFirst();
  if (!contract || contract.status === "voided") return;
  await voidContract(trx, { contractId: order.contract_id, reason, actorUserId });
}
