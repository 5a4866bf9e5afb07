import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { DB, InquiryStatus, QuoteStatus, TransferMode } from "../../../db/schema";
import type { FieldErrors, Message, Rejected } from "../accounts/types";
import { isStale } from "../catalogue/lifecycle";
import { addDays, isIsoDate } from "../contracts/calendar";
import { parseYuanToFen } from "../contracts/money";
import { chinaDate } from "../vouchers/validation";
import { CheckoutError, violatedConstraint } from "./errors";
import { assertMode } from "./offer";
import { MAX_QUOTE_DAYS } from "./rules";

// Negotiable modes (面议): the buyer asks, the institution quotes a price valid until a date, the buyer accepts the
// quote by checking out with it (startCheckout with quoteId). Form input comes back as field errors (all of them, not
// just the first); a missing or foreign inquiry is CheckoutError "not_found".

const phone = z
  .string({ error: "checkout.inquiry.error.required" })
  .trim()
  .min(1, "checkout.inquiry.error.required")
  .regex(/^[0-9+() -]{7,20}$/, "checkout.inquiry.error.phone");

function text(max: number) {
  return z
    .string({ error: "checkout.inquiry.error.required" })
    .trim()
    .min(1, "checkout.inquiry.error.required")
    .refine((v) => [...v].length <= max, { message: "checkout.inquiry.error.tooLong" });
}

const inquirySchema = z.object({ message: text(2000), contactName: text(50), contactPhone: phone });
export type InquiryField = keyof z.input<typeof inquirySchema>;
export const INQUIRY_FIELDS = Object.keys(inquirySchema.shape) as InquiryField[];

function fieldErrors<F extends string>(error: z.ZodError): FieldErrors<F> {
  const out: FieldErrors<F> = {};
  for (const issue of error.issues) {
    const name = String(issue.path[0]) as F;
    if (!out[name]) out[name] = issue.message;
  }
  return out;
}

/**
 * An enterprise asks about a negotiable mode of a listed result. One open inquiry per buyer, result and mode (the
 * database's inquiries_one_open).
 */
export async function createInquiry(
  db: Kysely<DB>,
  buyer: { userId: number; organisationId: number },
  input: { resultId: number; mode: string } & Partial<Record<InquiryField, unknown>>,
  now: Date = new Date(),
): Promise<{ ok: true; inquiryId: number } | Rejected<InquiryField | "mode">> {
  assertMode(input.mode);
  const mode: TransferMode = input.mode;
  const result = await db
    .selectFrom("technology_results")
    .select(["id", "institution_id", "status", "listed_at", "confirmed_at"])
    .where("id", "=", Number.isSafeInteger(input.resultId) && input.resultId > 0 ? input.resultId : 0)
    .executeTakeFirst();
  if (!result) throw new CheckoutError("not_found", "checkout.error.resultNotFound", {}, "resultId");
  if (result.status !== "listed" || isStale(result, now)) return { ok: false, fieldErrors: {}, formError: { key: "checkout.inquiry.error.notOnSale" } };
  if (result.institution_id === buyer.organisationId) return { ok: false, fieldErrors: {}, formError: { key: "checkout.error.ownResult" } };
  const offered = await db
    .selectFrom("result_modes")
    .select("price_fen")
    .where("result_id", "=", result.id)
    .where("mode", "=", mode)
    .executeTakeFirst();
  if (!offered) return { ok: false, fieldErrors: { mode: "checkout.error.modeNotOffered" } };
  if (offered.price_fen !== null) return { ok: false, fieldErrors: { mode: "checkout.inquiry.error.fixedPrice" } };

  const parsed = inquirySchema.safeParse({ message: input.message, contactName: input.contactName, contactPhone: input.contactPhone });
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrors<InquiryField>(parsed.error) };
  try {
    const { id } = await db
      .insertInto("inquiries")
      .values({
        result_id: result.id,
        mode,
        enterprise_id: buyer.organisationId,
        user_id: buyer.userId,
        institution_id: result.institution_id,
        message: parsed.data.message,
        contact_name: parsed.data.contactName,
        contact_phone: parsed.data.contactPhone,
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ok: true, inquiryId: id };
  } catch (error) {
    if (violatedConstraint(error)?.constraint === "inquiries_one_open") {
      return { ok: false, fieldErrors: {}, formError: { key: "checkout.inquiry.error.alreadyOpen" } };
    }
    throw error;
  }
}

export type QuoteField = "price" | "validUntil" | "note";

async function lockInquiry(trx: Kysely<DB>, inquiryId: number, owner: { column: "institution_id" | "enterprise_id"; organisationId: number }) {
  const row =
    Number.isSafeInteger(inquiryId) && inquiryId > 0
      ? await trx.selectFrom("inquiries").selectAll().where("id", "=", inquiryId).forUpdate().executeTakeFirst()
      : undefined;
  if (!row || row[owner.column] !== owner.organisationId) throw new CheckoutError("not_found", "checkout.inquiry.error.notFound", {}, "inquiryId");
  return row;
}

/** Whether the inquiry's offered quote is being paid for right now (then it may not be replaced or withdrawn). */
async function quoteInUse(trx: Kysely<DB>, inquiryId: number): Promise<boolean> {
  const row = await trx
    .selectFrom("orders as o")
    .innerJoin("quotes as q", "q.id", "o.quote_id")
    .select("o.id")
    .where("q.inquiry_id", "=", inquiryId)
    .where("o.status", "=", "pending")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The institution quotes a price (yuan as typed, to the fen) valid through a date (today … today + MAX_QUOTE_DAYS,
 * China calendar). A new quote replaces the one before. Refused while the buyer is paying for the current quote.
 */
export async function quoteInquiry(
  db: Kysely<DB>,
  seller: { userId: number; organisationId: number },
  inquiryId: number,
  input: { price?: unknown; validUntil?: unknown; note?: unknown },
  now: Date = new Date(),
): Promise<{ ok: true; quoteId: number } | Rejected<QuoteField>> {
  const errors: FieldErrors<QuoteField> = {};
  let priceFen = 0;
  const priceText = typeof input.price === "string" ? input.price : "";
  const parsedPrice = parseYuanToFen(priceText);
  if (!parsedPrice.ok) errors.price = `checkout.amount.${parsedPrice.problem}`;
  else if (parsedPrice.fen === 0) errors.price = "checkout.amount.notPositive";
  else priceFen = parsedPrice.fen;

  const today = chinaDate(now);
  const validUntil = typeof input.validUntil === "string" ? input.validUntil.trim() : "";
  if (validUntil === "") errors.validUntil = "checkout.inquiry.error.required";
  else if (!isIsoDate(validUntil)) errors.validUntil = "checkout.inquiry.error.date";
  else if (validUntil < today) errors.validUntil = "checkout.inquiry.error.validPast";
  else if (validUntil > addDays(today, MAX_QUOTE_DAYS)) errors.validUntil = "checkout.inquiry.error.validTooLong";

  const note = typeof input.note === "string" ? input.note.trim() : "";
  if ([...note].length > 1000) errors.note = "checkout.inquiry.error.tooLong";
  if (Object.keys(errors).length > 0) return { ok: false, fieldErrors: errors };

  return db.transaction().execute(async (trx) => {
    const inquiry = await lockInquiry(trx, inquiryId, { column: "institution_id", organisationId: seller.organisationId });
    if (inquiry.status !== "open" && inquiry.status !== "quoted") {
      return { ok: false as const, fieldErrors: {}, formError: { key: "checkout.inquiry.error.closed" } };
    }
    if (await quoteInUse(trx, inquiry.id)) return { ok: false as const, fieldErrors: {}, formError: { key: "checkout.inquiry.error.quoteInUse" } };
    await trx.updateTable("quotes").set({ status: "superseded" }).where("inquiry_id", "=", inquiry.id).where("status", "=", "offered").execute();
    const { id } = await trx
      .insertInto("quotes")
      .values({ inquiry_id: inquiry.id, price_fen: priceFen, valid_until: validUntil, note: note || null, created_by: seller.userId, created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx.updateTable("inquiries").set({ status: "quoted", updated_at: now }).where("id", "=", inquiry.id).execute();
    return { ok: true as const, quoteId: id };
  });
}

/** The institution declines an inquiry with a reason the buyer sees. */
export async function declineInquiry(
  db: Kysely<DB>,
  seller: { userId: number; organisationId: number },
  inquiryId: number,
  reasonInput: unknown,
  now: Date = new Date(),
): Promise<{ ok: true } | Rejected<"reason">> {
  const reason = typeof reasonInput === "string" ? reasonInput.trim() : "";
  if (reason === "") return { ok: false, fieldErrors: { reason: "checkout.inquiry.error.reasonRequired" } };
  if ([...reason].length > 500) return { ok: false, fieldErrors: { reason: "checkout.inquiry.error.tooLong" } };
  return db.transaction().execute(async (trx) => {
    const inquiry = await lockInquiry(trx, inquiryId, { column: "institution_id", organisationId: seller.organisationId });
    if (inquiry.status !== "open" && inquiry.status !== "quoted") return { ok: false as const, fieldErrors: {}, formError: { key: "checkout.inquiry.error.closed" } };
    if (await quoteInUse(trx, inquiry.id)) return { ok: false as const, fieldErrors: {}, formError: { key: "checkout.inquiry.error.quoteInUse" } };
    await trx.updateTable("quotes").set({ status: "withdrawn" }).where("inquiry_id", "=", inquiry.id).where("status", "=", "offered").execute();
    await trx.updateTable("inquiries").set({ status: "declined", decline_reason: reason, updated_at: now }).where("id", "=", inquiry.id).execute();
    return { ok: true as const };
  });
}

/** The buyer withdraws its own inquiry (and with it any quote it was given). */
export async function withdrawInquiry(
  db: Kysely<DB>,
  buyer: { userId: number; organisationId: number },
  inquiryId: number,
  now: Date = new Date(),
): Promise<{ ok: boolean; formError?: Message }> {
  return db.transaction().execute(async (trx) => {
    const inquiry = await lockInquiry(trx, inquiryId, { column: "enterprise_id", organisationId: buyer.organisationId });
    if (inquiry.status !== "open" && inquiry.status !== "quoted") return { ok: false, formError: { key: "checkout.inquiry.error.closed" } };
    if (await quoteInUse(trx, inquiry.id)) return { ok: false, formError: { key: "checkout.inquiry.error.quoteInUse" } };
    await trx.updateTable("quotes").set({ status: "withdrawn" }).where("inquiry_id", "=", inquiry.id).where("status", "=", "offered").execute();
    await trx.updateTable("inquiries").set({ status: "withdrawn", updated_at: now }).where("id", "=", inquiry.id).execute();
    return { ok: true };
  });
}

// ---- reading ----

export interface InquiryQuote {
  id: number;
  priceFen: number;
  validUntil: string;
  note: string | null;
  status: QuoteStatus;
  createdAt: Date;
  /** offered and valid today */
  acceptable: boolean;
}

export interface InquiryRow {
  id: number;
  resultId: number;
  resultTitle: string;
  mode: TransferMode;
  enterprise: string;
  institution: string;
  message: string;
  contactName: string;
  contactPhone: string;
  status: InquiryStatus;
  declineReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** the latest quote, if any */
  quote: InquiryQuote | null;
  /** a pending order is paying for the current quote */
  orderId: number | null;
}

export async function listInquiries(
  db: Kysely<DB>,
  who: { enterpriseId?: number; institutionId?: number },
  options: { status?: InquiryStatus | null; inquiryId?: number; limit?: number; now?: Date } = {},
): Promise<InquiryRow[]> {
  const now = options.now ?? new Date();
  const today = chinaDate(now);
  let query = db
    .selectFrom("inquiries as i")
    .innerJoin("technology_results as r", "r.id", "i.result_id")
    .innerJoin("organisations as e", "e.id", "i.enterprise_id")
    .innerJoin("organisations as s", "s.id", "i.institution_id")
    .leftJoinLateral(
      (eb) => eb.selectFrom("quotes as q").selectAll("q").whereRef("q.inquiry_id", "=", "i.id").orderBy("q.id", "desc").limit(1).as("q"),
      (join) => join.onTrue(),
    )
    .select([
      "i.id",
      "i.result_id",
      "r.title",
      "i.mode",
      "e.name as enterprise",
      "s.name as institution",
      "i.message",
      "i.contact_name",
      "i.contact_phone",
      "i.status",
      "i.decline_reason",
      "i.created_at",
      "i.updated_at",
      "q.id as quote_id",
      "q.price_fen",
      "q.valid_until",
      "q.note",
      "q.status as quote_status",
      "q.created_at as quoted_at",
      (eb) =>
        eb
          .selectFrom("orders as o")
          .select("o.id")
          .whereRef("o.quote_id", "=", "q.id")
          .where("o.status", "=", "pending")
          .limit(1)
          .as("order_id"),
    ]);
  if (who.enterpriseId !== undefined) query = query.where("i.enterprise_id", "=", who.enterpriseId);
  if (who.institutionId !== undefined) query = query.where("i.institution_id", "=", who.institutionId);
  if (options.status) query = query.where("i.status", "=", options.status);
  if (options.inquiryId !== undefined) query = query.where("i.id", "=", options.inquiryId);
  const rows = await query
    .orderBy(sql`case when i.status in ('open', 'quoted') then 0 else 1 end`)
    .orderBy("i.updated_at", "desc")
    .orderBy("i.id", "desc")
    .limit(options.limit ?? 100)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    resultId: r.result_id,
    resultTitle: r.title,
    mode: r.mode,
    enterprise: r.enterprise,
    institution: r.institution,
    message: r.message,
    contactName: r.contact_name,
    contactPhone: r.contact_phone,
    status: r.status,
    declineReason: r.decline_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    quote:
      r.quote_id === null || r.quote_id === undefined
        ? null
        : {
            id: r.quote_id,
            priceFen: r.price_fen as number,
            validUntil: r.valid_until as string,
            note: r.note ?? null,
            status: r.quote_status as QuoteStatus,
            createdAt: r.quoted_at as Date,
            acceptable: r.quote_status === "offered" && (r.valid_until as string) >= today,
          },
    orderId: r.order_id ?? null,
  }));
}

/** All quotes given on an inquiry, newest first. */
export async function quoteHistory(db: Kysely<DB>, inquiryId: number) {
  return db
    .selectFrom("quotes")
    .select(["id", "price_fen", "valid_until", "note", "status", "created_at"])
    .where("inquiry_id", "=", inquiryId)
    .orderBy("id", "desc")
    .execute();
}
