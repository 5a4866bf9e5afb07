import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import { creditCodeProblem, normaliseCreditCode } from "../accounts/credit-code";
import { formError, type FieldErrors, type Rejected } from "../accounts/types";
import { uniqueViolation } from "../accounts/validation";
import { isIsoDate, todayInChina } from "../contracts/calendar";

// 发票 (migration 0021): the buyer of a completed purchase asks the seller for an invoice over the contract price, with
// the invoice title and taxpayer number (its unified social credit code); the seller records the invoice it issued.
// The invoice itself is issued outside the market (the tax bureau's e-invoice service); the market keeps the request,
// the number and the date, so both sides and the bureau's reimbursement can see that it exists.

export type InvoiceRequestField = "title" | "taxId" | "email";
export type InvoiceIssueField = "invoiceNo" | "issuedOn";

export interface OrderInvoice {
  title: string;
  taxId: string;
  email: string | null;
  requestedBy: string;
  requestedAt: Date;
  /** null until the seller records the invoice */
  issued: { invoiceNo: string; issuedOn: string; issuedBy: string } | null;
}

interface Party {
  userId: number;
  organisationId: number;
}

const INVOICE_NO = /^[0-9A-Za-z]{8,30}$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;

export async function getInvoice(db: Kysely<DB>, orderId: number): Promise<OrderInvoice | null> {
  const row = await db
    .selectFrom("order_invoices as i")
    .innerJoin("users as r", "r.id", "i.requested_by")
    .leftJoin("users as s", "s.id", "i.issued_by")
    .select(["i.title", "i.tax_id", "i.email", "r.display_name as requested_by", "i.requested_at", "i.invoice_no", "i.issued_on", "s.display_name as issued_by"])
    .where("i.order_id", "=", orderId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    title: row.title,
    taxId: row.tax_id,
    email: row.email,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    issued: row.invoice_no !== null && row.issued_on !== null ? { invoiceNo: row.invoice_no, issuedOn: row.issued_on, issuedBy: row.issued_by ?? "" } : null,
  };
}

/** What the invoice form starts with: the buyer's own name and credit code. */
export async function invoiceDefaults(db: Kysely<DB>, buyerOrganisationId: number): Promise<{ title: string; taxId: string }> {
  const org = await db.selectFrom("organisations").select(["name", "credit_code"]).where("id", "=", buyerOrganisationId).executeTakeFirst();
  return { title: org?.name ?? "", taxId: org?.credit_code ?? "" };
}

/**
 * The buyer asks for the invoice of a completed order. Refused, with nothing written, for bad input, someone else's
 * order, an order not completed, or one whose invoice was already asked for.
 */
export async function requestInvoice(
  db: Kysely<DB>,
  buyer: Party,
  input: { orderId: number; title?: unknown; taxId?: unknown; email?: unknown },
  now: Date = new Date(),
): Promise<{ ok: true } | Rejected<InvoiceRequestField>> {
  const errors: FieldErrors<InvoiceRequestField> = {};
  const title = typeof input.title === "string" ? input.title.trim() : "";
  if (title === "") errors.title = "checkout.invoice.error.required";
  else if ([...title].length > 100) errors.title = "checkout.invoice.error.tooLong";
  const taxId = typeof input.taxId === "string" ? normaliseCreditCode(input.taxId) : "";
  const taxProblem = taxId === "" ? null : creditCodeProblem(taxId);
  if (taxId === "") errors.taxId = "checkout.invoice.error.required";
  else if (taxProblem) errors.taxId = `auth.error.creditCode.${taxProblem}`;
  const email = typeof input.email === "string" && input.email.trim() !== "" ? input.email.trim() : null;
  if (email !== null && (email.length > 200 || !EMAIL.test(email))) errors.email = "checkout.invoice.error.email";
  if (Object.keys(errors).length > 0) return { ok: false, fieldErrors: errors };

  try {
    return await db.transaction().execute(async (trx) => {
      const order = await trx
        .selectFrom("orders")
        .select(["id", "status"])
        .where("id", "=", input.orderId)
        .where("buyer_organisation_id", "=", buyer.organisationId)
        .forShare()
        .executeTakeFirst();
      if (!order) return formError("checkout.error.orderNotFound");
      if (order.status !== "completed") return formError("checkout.invoice.error.notCompleted");
      await trx
        .insertInto("order_invoices")
        .values({ order_id: order.id, title, tax_id: taxId, email, requested_by: buyer.userId, requested_at: now })
        .execute();
      await trx
        .insertInto("audit_log")
        .values({ actor_user_id: buyer.userId, action: "order.invoice_request", subject_type: "order", subject_id: String(order.id), detail: { title, taxId } })
        .execute();
      return { ok: true as const };
    });
  } catch (error) {
    if (uniqueViolation(error) === "order_invoices_pkey") return formError("checkout.invoice.error.alreadyRequested");
    throw error;
  }
}

/**
 * The seller records the invoice it issued for a requested one: its number and date (not before the order was paid,
 * not after today). Refused, with nothing changed, for bad input, someone else's sale, no request, an invoice already
 * recorded, or an order refunded since the request.
 */
export async function issueInvoice(
  db: Kysely<DB>,
  seller: Party,
  input: { orderId: number; invoiceNo?: unknown; issuedOn?: unknown },
  now: Date = new Date(),
): Promise<{ ok: true } | Rejected<InvoiceIssueField>> {
  const errors: FieldErrors<InvoiceIssueField> = {};
  const invoiceNo = typeof input.invoiceNo === "string" ? input.invoiceNo.replace(/\s+/g, "") : "";
  if (invoiceNo === "") errors.invoiceNo = "checkout.invoice.error.required";
  else if (!INVOICE_NO.test(invoiceNo)) errors.invoiceNo = "checkout.invoice.error.invoiceNo";
  const issuedOn = typeof input.issuedOn === "string" ? input.issuedOn.trim() : "";
  if (issuedOn === "") errors.issuedOn = "checkout.invoice.error.required";
  else if (!isIsoDate(issuedOn)) errors.issuedOn = "checkout.invoice.error.date";
  else if (issuedOn > todayInChina(now)) errors.issuedOn = "checkout.invoice.error.future";
  if (Object.keys(errors).length > 0) return { ok: false, fieldErrors: errors };

  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("orders as o")
      .leftJoin("order_invoices as i", "i.order_id", "o.id")
      .select(["o.id", "o.status", "o.paid_at", "i.order_id as requested", "i.invoice_no"])
      .where("o.id", "=", input.orderId)
      .where("o.seller_organisation_id", "=", seller.organisationId)
      .forUpdate("o")
      .executeTakeFirst();
    if (!row) return formError("checkout.error.orderNotFound");
    if (row.requested === null) return formError("checkout.invoice.error.notRequested");
    if (row.invoice_no !== null) return formError("checkout.invoice.error.alreadyIssued");
    if (row.status !== "completed") return formError("checkout.invoice.error.notCompleted");
    if (row.paid_at && issuedOn < todayInChina(row.paid_at)) {
      return { ok: false as const, fieldErrors: { issuedOn: "checkout.invoice.error.beforePaid" } };
    }
    await trx
      .updateTable("order_invoices")
      .set({ invoice_no: invoiceNo, issued_on: issuedOn, issued_by: seller.userId, issued_at: now })
      .where("order_id", "=", row.id)
      .execute();
    await trx
      .insertInto("audit_log")
      .values({ actor_user_id: seller.userId, action: "order.invoice_issue", subject_type: "order", subject_id: String(row.id), detail: { invoiceNo, issuedOn } })
      .execute();
    return { ok: true as const };
  });
}
