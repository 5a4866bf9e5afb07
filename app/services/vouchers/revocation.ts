import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import type { Rejected } from "../accounts/types";
import { closeLockedOrder, lockOrder } from "../checkout/order-core";
import { isVoucherExpired, LedgerError, lockVouchers, outstandingHolds, postVoucherRevocation } from "../ledger";
import type { Actor } from "./programmes";
import { formError, idFrom, requiredText } from "./validation";

// Revocation (撤销), the bureau's fraud control: a voucher found misused (a related-party deal, a failed spot check)
// stops paying at once. Pending orders paying with it are cancelled and their holds come back; everything unspent
// returns to the programme's budget. Purchases already completed keep their redemption: undoing one is a refund.

export interface RevokedVoucher {
  serial: string;
  /** returned to the programme: the available balance, and what the cancelled orders held */
  returnedFen: number;
  /** the pending orders cancelled because they were paying with this voucher */
  cancelledOrders: { orderId: number; stripeSessionId: string | null }[];
}

async function pendingHolders(db: Kysely<DB>, voucherId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("ledger_transactions as t")
    .innerJoin("orders as o", "o.id", "t.order_id")
    .select("o.id")
    .distinct()
    .where("t.voucher_id", "=", voucherId)
    .where("t.kind", "=", "voucher_hold")
    .where("o.status", "=", "pending")
    .orderBy("o.id")
    .execute();
  return rows.map((r) => r.id);
}

/**
 * The bureau that runs the voucher's programme revokes it, giving a reason the enterprise will see. First, in one
 * transaction, the voucher is marked revoked and its available balance returns to the programme: from then on nothing
 * can be held on it. Then each pending order holding it is cancelled in its own transaction, in the checkout's lock
 * order (order, then voucher), and what it held goes to the programme too; an order being paid at that moment
 * completes instead. Revoking again finishes that second step if it was cut short. Refused, with nothing changed,
 * for a voucher of another bureau, or one already revoked (and settled) or expired.
 */
export async function revokeVoucher(
  db: Kysely<DB>,
  actor: Actor,
  input: { voucherId: unknown; reason: unknown },
  now: Date = new Date(),
): Promise<({ ok: true } & RevokedVoucher) | Rejected<"reason">> {
  const reason = requiredText(200).safeParse(input.reason);
  if (!reason.success) return { ok: false, fieldErrors: { reason: reason.error.issues[0].message } };
  const voucherId = idFrom(input.voucherId);
  if (voucherId === null) return formError("vouchers.error.voucherNotFound");

  const revoked = await db.transaction().execute(async (trx) => {
    const [voucher] = await lockVouchers(trx, [voucherId], "update").catch((error: unknown) => {
      if (error instanceof LedgerError && error.code === "not_found") return [null];
      throw error;
    });
    if (!voucher || voucher.bureauId !== actor.organisationId) return formError("vouchers.error.voucherNotFound");
    if (voucher.status === "revoked") return { serial: voucher.serial, returnedFen: 0, already: true };
    if (isVoucherExpired(voucher, now)) {
      return formError("vouchers.error.voucherExpired", { serial: voucher.serial });
    }
    const posted = await postVoucherRevocation(trx, { voucherId, actorUserId: actor.userId, reason: reason.data, now });
    if (!posted) throw new Error(`voucher ${voucherId} was active under its lock but was not revoked`);
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: actor.userId,
        action: "voucher.revoke",
        subject_type: "voucher",
        subject_id: String(voucherId),
        detail: { serial: posted.serial, reason: reason.data, returnedFen: posted.returnedFen },
      })
      .execute();
    return { serial: posted.serial, returnedFen: posted.returnedFen, already: false };
  });
  if ("ok" in revoked) return revoked;

  const cancelledOrders: RevokedVoucher["cancelledOrders"] = [];
  let returnedFen = revoked.returnedFen;
  for (const orderId of await pendingHolders(db, voucherId)) {
    const cancelled = await db.transaction().execute(async (trx) => {
      const { order } = await lockOrder(trx, orderId);
      if (order.status !== "pending") return null;
      const heldFen = (await outstandingHolds(trx, order.id)).find((h) => h.voucherId === voucherId)?.amountFen ?? 0;
      await closeLockedOrder(trx, order, {
        status: "cancelled",
        reason: "voucher_revoked",
        idempotencyKey: `order:${order.id}:voucher-revoked`,
        actorUserId: actor.userId,
        now,
      });
      return { orderId: order.id, stripeSessionId: order.stripe_checkout_session_id, heldFen };
    });
    if (cancelled) {
      cancelledOrders.push({ orderId: cancelled.orderId, stripeSessionId: cancelled.stripeSessionId });
      returnedFen += cancelled.heldFen;
    }
  }
  if (revoked.already && cancelledOrders.length === 0) return formError("vouchers.error.alreadyRevoked", { serial: revoked.serial });
  return { ok: true, serial: revoked.serial, returnedFen, cancelledOrders };
}
