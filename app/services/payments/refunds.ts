import type { Kysely } from "kysely";
import type Stripe from "stripe";
import type { DB } from "../../../db/schema";
import { CheckoutError } from "../checkout/errors";
import { findOrder } from "../checkout/payments";
import { refundPayment, type RefundResult } from "./stripe";

const MAX_REASON = 500;

/**
 * The operator refunds a completed card order through Stripe: the whole cash part, with the order's refund idempotency
 * key, so pressing twice refunds once. The ledger reversal, the voided contract and the vouchers' return follow when
 * Stripe reports the refund (charge.refunded). Who asked and why goes to the audit log. Refusals (CheckoutError) change
 * nothing and call nobody.
 */
export async function requestCardRefund(
  db: Kysely<DB>,
  stripe: Stripe,
  input: { orderId: number; reason: string; actorUserId: number },
): Promise<RefundResult> {
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (reason === "") throw new CheckoutError("invalid", "checkout.inquiry.error.reasonRequired", {}, "reason");
  if (reason.length > MAX_REASON) throw new CheckoutError("invalid", "checkout.inquiry.error.tooLong", {}, "reason");
  const order = await findOrder(db, input.orderId);
  if (!order) throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: input.orderId }, "orderId");
  if (order.payment_method !== "card") throw new CheckoutError("invalid", "checkout.refund.notCard", {}, "orderId");
  if (order.status !== "completed") throw new CheckoutError("conflict", "checkout.error.notRefundable", { status: order.status }, "orderId");
  if (!order.payment_ref?.startsWith("pi_")) throw new CheckoutError("conflict", "checkout.refund.noPayment", {}, "orderId");

  const refund = await refundPayment(stripe, { paymentIntentId: order.payment_ref, amountFen: order.cash_due_fen, orderId: order.id });
  await db
    .insertInto("audit_log")
    .values({
      actor_user_id: input.actorUserId,
      action: "order.refund_requested",
      subject_type: "order",
      subject_id: String(order.id),
      detail: { reason, refund_id: refund.refundId, amount_fen: refund.amountFen, status: refund.status },
    })
    .execute();
  return refund;
}
