import { sql, type Kysely } from "kysely";
import type { DB, OrderStatus, PaymentMethod, TransferMode } from "../../../db/schema";
import { CatalogueError, transition } from "../catalogue/lifecycle";
import { InsufficientFundsError, lockEnterpriseVouchers } from "../ledger";
import { computeVoucherPart, quoteVoucherPart, VoucherError, type VoucherQuote } from "../vouchers/voucher-part";
import { chinaDate, lastValidDay } from "../vouchers/validation";
import { CheckoutError, violatedConstraint } from "./errors";
import { assertMode, loadResult, resolveOffer, saleBlock, type Offer, type OfferResult } from "./offer";
import { closeLockedOrder, completeLockedOrder, lapsedCondition } from "./order-core";
import { BANK_TRANSFER_DAYS, isExclusive, MAX_VOUCHERS_PER_ORDER, paymentDeadline, RESERVATION_MINUTES } from "./rules";

/** The enterprise user buying. */
export interface Buyer {
  userId: number;
  organisationId: number;
}

export interface StartCheckoutInput {
  resultId: number;
  mode: TransferMode;
  /** accept this quote (negotiable modes); its price replaces the listed one */
  quoteId?: number | null;
  /** vouchers to pay part of the price with, all from one programme; empty for none */
  voucherIds?: readonly number[];
  /** how much the vouchers should pay, in fen; absent: as much as they may (the voucher part) */
  voucherAmountFen?: number | null;
  /** how the rest is paid; ignored when the vouchers pay everything */
  method: "card" | "bank_transfer";
  /** whether online payment is configured (STRIPE_SECRET_KEY); a card checkout is refused without it */
  cardEnabled: boolean;
  now?: Date;
}

export interface StartedCheckout {
  orderId: number;
  status: OrderStatus;
  paymentMethod: PaymentMethod;
  priceFen: number;
  voucherPartFen: number;
  cashDueFen: number;
  expiresAt: Date;
  /** set when the vouchers paid everything and the order completed at once */
  contractId: number | null;
}

function asCheckoutError(error: unknown): unknown {
  if (error instanceof VoucherError) {
    const kind = error.key === "vouchers.error.balanceChanged" || error.key === "vouchers.error.partChanged" ? "conflict" : "invalid";
    return new CheckoutError(kind, error.key, error.params, "vouchers");
  }
  if (error instanceof InsufficientFundsError) return new CheckoutError("conflict", "vouchers.error.balanceChanged", {}, "vouchers");
  if (error instanceof CatalogueError && error.kind === "conflict") return new CheckoutError("conflict", "checkout.error.reserved", {}, "resultId");
  const violated = violatedConstraint(error);
  if (violated?.constraint === "result_reservations_one_active" || violated?.constraint === "orders_one_sale_per_exclusive_result") {
    return new CheckoutError("conflict", "checkout.error.reserved", {}, "resultId");
  }
  if (violated?.constraint === "orders_one_live_per_quote") return new CheckoutError("conflict", "checkout.error.quoteInUse", {}, "quoteId");
  return error;
}

function checkVoucherInput(input: StartCheckoutInput): { voucherIds: number[]; requested: number | null } {
  const voucherIds = [...(input.voucherIds ?? [])];
  if (voucherIds.length > MAX_VOUCHERS_PER_ORDER) {
    throw new CheckoutError("invalid", "checkout.error.tooManyVouchers", { max: MAX_VOUCHERS_PER_ORDER }, "vouchers");
  }
  if (voucherIds.some((id) => !Number.isSafeInteger(id) || id <= 0)) throw new CheckoutError("invalid", "vouchers.error.voucherNotYours", {}, "vouchers");
  if (new Set(voucherIds).size !== voucherIds.length) throw new CheckoutError("invalid", "vouchers.error.duplicateVoucher", {}, "vouchers");
  const requested = input.voucherAmountFen ?? null;
  if (requested !== null) {
    if (typeof requested !== "number" || !Number.isFinite(requested)) {
      throw new CheckoutError("invalid", "checkout.error.amountNotNumber", {}, "voucherAmount");
    }
    if (!Number.isInteger(requested)) throw new CheckoutError("invalid", "checkout.error.amountFraction", {}, "voucherAmount");
    if (requested < 0) throw new CheckoutError("invalid", "checkout.error.amountNegative", {}, "voucherAmount");
    if (requested === 0) throw new CheckoutError("invalid", "checkout.error.amountZero", {}, "voucherAmount");
    if (!Number.isSafeInteger(requested)) throw new CheckoutError("invalid", "checkout.error.amountTooLarge", {}, "voucherAmount");
    if (voucherIds.length === 0) throw new CheckoutError("invalid", "vouchers.error.noVoucherChosen", {}, "vouchers");
  }
  return { voucherIds, requested };
}

interface VoucherPlan {
  programmeId: number;
  amountFen: number;
  allocations: { voucherId: number; amountFen: number }[];
  /** what the part was computed from, for order_place to check again under the vouchers' locks */
  basis: { voucherIds: number[]; balances: number[]; capUsedFen: number };
}

/**
 * Computes the voucher part on the server, checks the amount asked for against it and splits it over the vouchers,
 * soonest-expiring first. Reads without locks unless `lockFirst` (then the enterprise's vouchers in the programme are
 * locked before reading); either way order_place checks the basis again under those locks.
 */
async function planVoucherPart(
  trx: Kysely<DB>,
  buyer: Buyer,
  offer: Offer,
  voucherIds: number[],
  requested: number | null,
  now: Date,
  lockFirst: boolean,
): Promise<VoucherPlan | null> {
  if (voucherIds.length === 0) return null;
  if (lockFirst) await lockEnterpriseVouchers(trx, buyer.organisationId, voucherIds[0]);
  const quote = await quoteVoucherPart(trx, {
    enterpriseId: buyer.organisationId,
    sellerOrganisationId: offer.result.institutionId,
    voucherIds,
    priceFen: offer.priceFen,
    mode: offer.mode,
    now,
  });
  if (quote.voucherPartFen === 0) throw new VoucherError(`vouchers.error.zeroPart.${quote.limitedBy}`, "vouchers");
  const amount = requested ?? quote.voucherPartFen;
  if (amount > quote.balanceFen) {
    throw new CheckoutError("invalid", "checkout.error.aboveBalance", { max: quote.balanceFen }, "voucherAmount");
  }
  if (amount > quote.capRemainingFen) {
    throw new CheckoutError("invalid", "checkout.error.aboveCap", { max: quote.capRemainingFen }, "voucherAmount");
  }
  if (amount > quote.coverageLimitFen) {
    throw new CheckoutError("invalid", "checkout.error.aboveCoverage", { max: quote.coverageLimitFen }, "voucherAmount");
  }
  // The same split rule as the voucher part, bounded by the amount asked for.
  const split = computeVoucherPart({
    priceFen: offer.priceFen,
    coverageBps: quote.coverageBps,
    capRemainingFen: amount,
    vouchers: quote.vouchers.map((v) => ({ voucherId: v.voucherId, availableFen: v.availableFen, expiresAt: v.expiresAt })),
  });
  return {
    programmeId: quote.programmeId,
    amountFen: amount,
    allocations: split.allocations,
    basis: { voucherIds: quote.vouchers.map((v) => v.voucherId), balances: quote.vouchers.map((v) => v.availableFen), capUsedFen: quote.capUsedFen },
  };
}

/**
 * The optimistic attempt cannot finish: order_place found the result or the voucher basis moved since they were read,
 * or the order needs more than one statement (an exclusive reservation, a completion by voucher).
 */
class PlaceAgainLocked extends Error {}

/**
 * An exclusive result found reserved by an order whose time ran out (the sweeper has not got to it yet) is freed here,
 * under the result's lock the caller holds, so the next buyer does not wait for the sweeper.
 */
async function freeLapsedReservation(trx: Kysely<DB>, result: OfferResult, now: Date): Promise<OfferResult> {
  if (result.status !== "reserved") return result;
  const lapsed = await trx
    .selectFrom("result_reservations as v")
    .innerJoin("orders as o", "o.id", "v.order_id")
    .select("o.id")
    .where("v.result_id", "=", result.id)
    .where("v.state", "=", "active")
    .where("o.status", "=", "pending")
    .where(lapsedCondition("o", now))
    .executeTakeFirst();
  if (!lapsed) return result;
  const order = await trx.selectFrom("orders").selectAll().where("id", "=", lapsed.id).forUpdate().executeTakeFirstOrThrow();
  await closeLockedOrder(trx, order, { status: "expired", reason: "reservation_lapsed", idempotencyKey: `order:${order.id}:expire`, now });
  return { ...result, status: "listed" };
}

/**
 * Starts a purchase: checks the result is on sale, computes and holds the voucher part, places the order and, for an
 * exclusive mode, reserves the result for RESERVATION_MINUTES (BANK_TRANSFER_DAYS when paying by transfer). When the
 * vouchers pay the whole price the order completes at once (contract, ledger, transfer). One transaction: a refusal
 * (CheckoutError) leaves nothing behind.
 */
export async function startCheckout(db: Kysely<DB>, buyer: Buyer, input: StartCheckoutInput): Promise<StartedCheckout> {
  const now = input.now ?? new Date();
  assertMode(input.mode);
  if (input.method !== "card" && input.method !== "bank_transfer") {
    throw new CheckoutError("invalid", "checkout.error.methodUnknown", {}, "method");
  }
  const quoteId = input.quoteId ?? null;
  const { voucherIds, requested } = checkVoucherInput(input);
  const exclusiveMode = isExclusive(input.mode);

  const checked = { quoteId, voucherIds, requested, exclusiveMode, now };
  // Optimistic first, for a sale that is one statement (a licence paid by card or transfer): the result and the voucher
  // part are read without locks, and order_place checks under its locks that neither moved. Otherwise, and when
  // another checkout got in between, the purchase runs in a transaction that locks before it reads.
  if (!exclusiveMode) {
    try {
      return await placeOrder(db, buyer, input, { ...checked, optimistic: true });
    } catch (error) {
      if (!(error instanceof PlaceAgainLocked)) throw asCheckoutError(error);
    }
  }
  try {
    return await db.transaction().execute((trx) => placeOrder(trx, buyer, input, { ...checked, optimistic: false }));
  } catch (error) {
    if (error instanceof PlaceAgainLocked) throw new CheckoutError("conflict", "vouchers.error.balanceChanged", {}, "vouchers");
    throw asCheckoutError(error);
  }
}

async function placeOrder(
  trx: Kysely<DB>,
  buyer: Buyer,
  input: StartCheckoutInput,
  checked: { quoteId: number | null; voucherIds: number[]; requested: number | null; exclusiveMode: boolean; now: Date; optimistic: boolean },
): Promise<StartedCheckout> {
  const { now, optimistic } = checked;
  let result = await loadResult(trx, input.resultId, optimistic ? null : checked.exclusiveMode ? "update" : "share");
  if (checked.exclusiveMode) result = await freeLapsedReservation(trx, result, now);
  const blocked = saleBlock(result, now);
  if (blocked) throw blocked;
  if (result.institutionId === buyer.organisationId) throw new CheckoutError("forbidden", "checkout.error.ownResult", {}, "resultId");
  const offer = await resolveOffer(trx, result, { mode: input.mode, quoteId: checked.quoteId, buyerOrganisationId: buyer.organisationId, now });

  const plan = await planVoucherPart(trx, buyer, offer, checked.voucherIds, checked.requested, now, !optimistic);
  const voucherPartFen = plan?.amountFen ?? 0;
  const cashDueFen = offer.priceFen - voucherPartFen;
  const method: PaymentMethod = cashDueFen === 0 ? "voucher" : input.method;
  if (method === "card" && !input.cardEnabled) throw new CheckoutError("invalid", "checkout.error.cardUnavailable", {}, "method");
  if (optimistic && method === "voucher") throw new PlaceAgainLocked();
  const expiresAt = paymentDeadline(method, now);

  const bigints = (values: readonly number[]) => sql`${`{${values.join(",")}}`}::text::bigint[]`;
  const { rows } = await sql<{ outcome: "placed" | "changed"; order_id: number | null }>`
    select * from order_place(${result.id}::bigint, ${offer.mode}, ${offer.quote?.id ?? null}::bigint, ${buyer.organisationId}::bigint,
      ${buyer.userId}::bigint, ${result.institutionId}::bigint, ${offer.priceFen}::bigint, ${voucherPartFen}::bigint,
      ${plan?.programmeId ?? null}::bigint, ${method}, ${expiresAt}::timestamptz, ${now}::timestamptz,
      ${bigints(plan?.basis.voucherIds ?? [])}, ${bigints(plan?.basis.balances ?? [])}, ${plan?.basis.capUsedFen ?? 0}::bigint,
      ${bigints(plan?.allocations.map((a) => a.voucherId) ?? [])}, ${bigints(plan?.allocations.map((a) => a.amountFen) ?? [])},
      ${optimistic ? result.version : null}::text)`.execute(trx);
  if (rows[0].outcome === "changed") throw new PlaceAgainLocked();
  const orderId = rows[0].order_id as number;
  if (offer.exclusive) {
    await transition(trx, { id: buyer.userId, organisationId: buyer.organisationId, role: "enterprise" }, result.id, "reserve", { now });
    await trx.insertInto("result_reservations").values({ order_id: orderId, result_id: result.id, reserved_at: now, expires_at: expiresAt }).execute();
  }
  let contractId: number | null = null;
  if (method === "voucher") {
    contractId = await completeLockedOrder(
      trx,
      { id: orderId, exclusive: offer.exclusive, result_id: result.id, cash_due_fen: 0 },
      { method: "voucher", externalRef: null, idempotencyKey: null, actorUserId: buyer.userId, now },
    );
  }
  return {
    orderId,
    status: contractId === null ? "pending" : "completed",
    paymentMethod: method,
    priceFen: offer.priceFen,
    voucherPartFen,
    cashDueFen,
    expiresAt,
    contractId,
  };
}

// ---- the checkout page ----

export interface UsableVoucher {
  voucherId: number;
  serial: string;
  programmeId: number;
  programmeName: string;
  availableFen: number;
  expiresAt: Date;
  /** the last day it can be used, YYYY-MM-DD in China */
  lastValidDay: string;
}

export interface CheckoutPreview {
  offer: Offer | null;
  /** why it cannot be bought now (the error a checkout would throw), or null */
  block: CheckoutError | null;
  vouchers: UsableVoucher[];
  selectedVoucherIds: number[];
  voucherQuote: VoucherQuote | null;
  voucherError: CheckoutError | null;
  reservationMinutes: number;
  bankTransferDays: number;
}

/**
 * The buyer's active vouchers with money left, from programmes that cover this kind of purchase and have started.
 * Ordered by programme, then soonest expiry.
 */
export async function usableVouchers(db: Kysely<DB>, enterpriseId: number, mode: TransferMode, now: Date = new Date()): Promise<UsableVoucher[]> {
  const rows = await db
    .selectFrom("vouchers as v")
    .innerJoin("voucher_programmes as p", "p.id", "v.programme_id")
    .innerJoin("ledger_accounts as a", (join) => join.onRef("a.voucher_id", "=", "v.id").on("a.purpose", "=", "voucher_available"))
    .select(["v.id", "v.serial", "v.programme_id", "p.name", "a.balance", "v.expires_at"])
    .where("v.enterprise_id", "=", enterpriseId)
    .where("v.status", "=", "active")
    .where("v.expires_at", ">", now)
    .where("a.balance", ">", 0)
    .where("p.valid_from", "<=", chinaDate(now))
    .where(sql<boolean>`${mode} = any(p.qualifying_modes)`)
    .orderBy("v.programme_id")
    .orderBy("v.expires_at")
    .orderBy("v.id")
    .execute();
  return rows.map((r) => ({
    voucherId: r.id,
    serial: r.serial,
    programmeId: r.programme_id,
    programmeName: r.name,
    availableFen: r.balance,
    expiresAt: r.expires_at,
    lastValidDay: lastValidDay(r.expires_at),
  }));
}

/**
 * What the checkout page shows: the price, whether the result can be bought, the buyer's usable vouchers and the
 * voucher part for the chosen ones (by default all usable vouchers of the programme with the most money left),
 * computed on the server exactly as the checkout will compute it. Reads only.
 */
export async function previewCheckout(
  db: Kysely<DB>,
  buyer: Buyer,
  input: { resultId: number; mode: TransferMode; quoteId?: number | null; voucherIds?: readonly number[] | null; now?: Date },
): Promise<CheckoutPreview> {
  const now = input.now ?? new Date();
  assertMode(input.mode);
  const result = await loadResult(db, input.resultId, null);
  const offer = await resolveOffer(db, result, { mode: input.mode, quoteId: input.quoteId ?? null, buyerOrganisationId: buyer.organisationId, now });
  let block = saleBlock(result, now);
  if (!block && result.institutionId === buyer.organisationId) block = new CheckoutError("forbidden", "checkout.error.ownResult", {}, "resultId");
  const vouchers = await usableVouchers(db, buyer.organisationId, input.mode, now);

  let selected: number[];
  if (input.voucherIds) {
    selected = [...input.voucherIds];
  } else {
    const byProgramme = new Map<number, number>();
    for (const v of vouchers) byProgramme.set(v.programmeId, (byProgramme.get(v.programmeId) ?? 0) + v.availableFen);
    const best = [...byProgramme.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
    selected = vouchers.filter((v) => v.programmeId === best).map((v) => v.voucherId);
  }

  let voucherQuote: VoucherQuote | null = null;
  let voucherError: CheckoutError | null = null;
  if (selected.length > 0) {
    try {
      voucherQuote = await quoteVoucherPart(db, {
        enterpriseId: buyer.organisationId,
        sellerOrganisationId: result.institutionId,
        voucherIds: selected,
        priceFen: offer.priceFen,
        mode: offer.mode,
        now,
      });
      if (voucherQuote.voucherPartFen === 0) {
        voucherError = new CheckoutError("invalid", `vouchers.error.zeroPart.${voucherQuote.limitedBy}`, {}, "vouchers");
      }
    } catch (error) {
      const mapped = asCheckoutError(error);
      if (!(mapped instanceof CheckoutError)) throw mapped;
      voucherError = mapped;
    }
  }
  return {
    offer,
    block,
    vouchers,
    selectedVoucherIds: selected,
    voucherQuote,
    voucherError,
    reservationMinutes: RESERVATION_MINUTES,
    bankTransferDays: BANK_TRANSFER_DAYS,
  };
}

/**
 * Records the Stripe Checkout Session created for a pending card order. One statement (it runs on every card
 * checkout): the order is updated only while it is pending, paid by card and has no session yet; recording the same
 * session again changes nothing.
 */
export async function attachStripeSession(
  db: Kysely<DB>,
  input: { orderId: number; sessionId: string; url?: string | null; now?: Date },
): Promise<void> {
  if (typeof input.sessionId !== "string" || input.sessionId.trim() === "" || input.sessionId.length > 255) {
    throw new CheckoutError("invalid", "checkout.error.sessionInvalid", {}, "sessionId");
  }
  if (!Number.isSafeInteger(input.orderId) || input.orderId <= 0) {
    throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: String(input.orderId) }, "orderId");
  }
  const { rows } = await sql<{ status: OrderStatus; payment_method: PaymentMethod; session: string | null; attached: boolean }>`
    with attached as (
      update orders set stripe_checkout_session_id = ${input.sessionId}, stripe_checkout_url = ${input.url ?? null}
       where id = ${input.orderId} and status = 'pending' and payment_method = 'card' and stripe_checkout_session_id is null
      returning id
    ), noted as (
      insert into order_events (order_id, kind, external_ref, created_at)
      select id, 'stripe_session', ${input.sessionId}, ${input.now ?? new Date()}::timestamptz from attached
    )
    select o.status, o.payment_method, o.stripe_checkout_session_id as session, exists (select 1 from attached) as attached
      from orders o where o.id = ${input.orderId}`.execute(db);
  const row = rows[0];
  if (!row) throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: input.orderId }, "orderId");
  if (row.attached || row.session === input.sessionId) return;
  throw new CheckoutError("conflict", "checkout.error.notPayable", { status: row.status }, "orderId");
}
