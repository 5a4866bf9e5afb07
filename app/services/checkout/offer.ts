import { sql, type Kysely } from "kysely";
import { TRANSFER_MODES, type DB, type FieldCode, type ResultStatus, type TransferMode } from "../../../db/schema";
import { isInPublicity, isStale, publicityEndsAt } from "../catalogue/lifecycle";
import { chinaDate } from "../vouchers/validation";
import { CheckoutError } from "./errors";
import { isExclusive } from "./rules";

// What is on offer: a result's mode at its listed price, or at the price an institution quoted the buyer. The same
// checks serve the checkout page (no lock) and the checkout itself (under the result's row lock).

export interface OfferResult {
  id: number;
  title: string;
  institutionId: number;
  institution: string;
  field: FieldCode;
  status: ResultStatus;
  stateFunded: boolean;
  listedAt: Date | null;
  confirmedAt: Date | null;
  modes: { mode: TransferMode; price_fen: number | null }[];
  /** the row's version (xmin): any change to the result or its modes gives it a new one */
  version: string;
}

export interface OfferQuote {
  id: number;
  inquiryId: number;
  priceFen: number;
  validUntil: string;
}

export interface Offer {
  result: OfferResult;
  mode: TransferMode;
  exclusive: boolean;
  priceFen: number;
  quote: OfferQuote | null;
}

export function assertMode(mode: unknown): asserts mode is TransferMode {
  if (typeof mode !== "string" || !(TRANSFER_MODES as readonly string[]).includes(mode)) {
    throw new CheckoutError("invalid", "checkout.error.modeUnknown", { mode: String(mode) }, "mode");
  }
}

function assertPositiveId(value: unknown, field: string, key: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) throw new CheckoutError("not_found", key, {}, field);
}

/**
 * Reads a result with its modes; `lock` takes its row lock: "update" for an exclusive checkout (which reserves it),
 * "share" (FOR KEY SHARE, the lock the order's foreign key takes anyway) for others, which still waits for a
 * reservation in progress — the catalogue locks a row FOR UPDATE before moving it — so no licence is sold while an
 * exclusive sale of the same result is being made.
 */
export async function loadResult(db: Kysely<DB>, resultId: number, lock: "update" | "share" | null): Promise<OfferResult> {
  assertPositiveId(resultId, "resultId", "checkout.error.resultNotFound");
  // The modes come along as JSON in the same statement: a checkout is a hot path, one round trip saved per purchase.
  let query = db
    .selectFrom("technology_results as r")
    .innerJoin("organisations as o", "o.id", "r.institution_id")
    .select([
      "r.id",
      "r.title",
      "r.institution_id",
      "o.name",
      "r.field",
      "r.status",
      "r.state_funded",
      "r.listed_at",
      "r.confirmed_at",
      sql<string>`r.xmin::text`.as("version"),
      sql<{ mode: TransferMode; price_fen: number | null }[]>`(select coalesce(json_agg(json_build_object('mode', m.mode, 'price_fen', m.price_fen)), '[]')
        from result_modes m where m.result_id = r.id)`.as("modes"),
    ])
    .where("r.id", "=", resultId);
  if (lock === "update") query = query.forUpdate("r");
  if (lock === "share") query = query.forKeyShare("r");
  const row = await query.executeTakeFirst();
  if (!row) throw new CheckoutError("not_found", "checkout.error.resultNotFound", {}, "resultId");
  return {
    id: row.id,
    title: row.title,
    institutionId: row.institution_id,
    institution: row.name,
    field: row.field,
    status: row.status,
    stateFunded: row.state_funded,
    listedAt: row.listed_at,
    confirmedAt: row.confirmed_at,
    version: row.version,
    // json numbers: price_fen is at most 15 digits (result_modes), exact in a double.
    modes: row.modes.sort((a, b) => TRANSFER_MODES.indexOf(a.mode) - TRANSFER_MODES.indexOf(b.mode)),
  };
}

/** Why the result cannot be bought right now, as the error a checkout would throw; null when it can. */
export function saleBlock(result: OfferResult, now: Date): CheckoutError | null {
  if (result.status === "reserved") return new CheckoutError("conflict", "checkout.error.reserved", {}, "resultId");
  if (result.status === "transferred") return new CheckoutError("conflict", "checkout.error.sold", {}, "resultId");
  if (result.status !== "listed") return new CheckoutError("conflict", "checkout.error.notListed", {}, "resultId");
  const confirmable = { status: result.status, listed_at: result.listedAt, confirmed_at: result.confirmedAt };
  if (isStale(confirmable, now)) return new CheckoutError("conflict", "checkout.error.stale", {}, "resultId");
  const publicised = { state_funded: result.stateFunded, listed_at: result.listedAt, modes: result.modes };
  if (isInPublicity(publicised, now)) {
    const until = publicityEndsAt(publicised) as Date;
    return new CheckoutError("conflict", "checkout.error.publicity", { date: chinaDate(until) }, "resultId");
  }
  return null;
}

/** The buyer's quote, checked against the result and mode and still open for acceptance. */
export async function loadQuote(
  db: Kysely<DB>,
  quoteId: number,
  buyerOrganisationId: number,
  resultId: number,
  now: Date,
): Promise<OfferQuote & { mode: TransferMode }> {
  assertPositiveId(quoteId, "quoteId", "checkout.error.quoteNotFound");
  const q = await db
    .selectFrom("quotes as q")
    .innerJoin("inquiries as i", "i.id", "q.inquiry_id")
    .select(["q.id", "q.inquiry_id", "q.price_fen", "q.valid_until", "q.status", "i.result_id", "i.mode", "i.enterprise_id", "i.status as inquiry_status"])
    .where("q.id", "=", quoteId)
    .executeTakeFirst();
  if (!q || q.enterprise_id !== buyerOrganisationId || q.result_id !== resultId) {
    throw new CheckoutError("not_found", "checkout.error.quoteNotFound", {}, "quoteId");
  }
  if (q.status !== "offered" || (q.inquiry_status !== "quoted" && q.inquiry_status !== "open")) {
    throw new CheckoutError("conflict", "checkout.error.quoteNotOffered", {}, "quoteId");
  }
  if (q.valid_until < chinaDate(now)) {
    throw new CheckoutError("conflict", "checkout.error.quoteExpired", { date: q.valid_until }, "quoteId");
  }
  return { id: q.id, inquiryId: q.inquiry_id, priceFen: q.price_fen, validUntil: q.valid_until, mode: q.mode };
}

/**
 * The price of a mode: the listed price, or the quote's for a negotiable mode. A negotiable mode without a quote and a
 * mode the result does not offer are refused.
 */
export async function resolveOffer(
  db: Kysely<DB>,
  result: OfferResult,
  input: { mode: TransferMode; quoteId: number | null; buyerOrganisationId: number; now: Date },
): Promise<Offer> {
  const offered = result.modes.find((m) => m.mode === input.mode);
  if (!offered) throw new CheckoutError("invalid", "checkout.error.modeNotOffered", { mode: input.mode }, "mode");
  if (input.quoteId !== null) {
    const quote = await loadQuote(db, input.quoteId, input.buyerOrganisationId, result.id, input.now);
    if (quote.mode !== input.mode) throw new CheckoutError("invalid", "checkout.error.quoteOtherMode", {}, "mode");
    return { result, mode: input.mode, exclusive: isExclusive(input.mode), priceFen: quote.priceFen, quote };
  }
  if (offered.price_fen === null) throw new CheckoutError("invalid", "checkout.error.negotiable", {}, "mode");
  return { result, mode: input.mode, exclusive: isExclusive(input.mode), priceFen: offered.price_fen, quote: null };
}
