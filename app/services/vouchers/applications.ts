import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { DB, VoucherApplicationStatus } from "../../../db/schema";
import type { Rejected } from "../accounts/types";
import { InsufficientFundsError, postVoucherIssue } from "../ledger";
import { APPLICATION_FIELDS, type SameKeys } from "./form-fields";
import type { Actor } from "./programmes";
import { uniqueViolation } from "../accounts/validation";
import { chinaDate, endOfChinaDay, fieldErrorsFrom, formError, idFrom, positiveId, requiredText } from "./validation";

const applicationSchema = z.object({
  programmeId: positiveId,
  purpose: requiredText(500),
  contactName: requiredText(50),
  contactPhone: z
    .string({ error: "vouchers.error.required" })
    .trim()
    .min(1, "vouchers.error.required")
    .regex(/^[0-9+() -]{7,20}$/, "vouchers.error.phone"),
});

export type ApplicationField = keyof z.input<typeof applicationSchema>;
export { APPLICATION_FIELDS };
const applicationFieldsMatch: SameKeys<ApplicationField, (typeof APPLICATION_FIELDS)[number]> = true;
void applicationFieldsMatch;
export type ApplicationInput = Partial<Record<ApplicationField, unknown>>;

/**
 * An enterprise applies to a programme with a short form. Refused (nothing written) when the programme is closed or
 * past its last day, its budget cannot cover another voucher, or the enterprise already has an application waiting.
 */
export async function applyForVoucher(
  db: Kysely<DB>,
  actor: Actor,
  input: ApplicationInput,
  now: Date = new Date(),
): Promise<{ ok: true; applicationId: number } | Rejected<ApplicationField>> {
  const parsed = applicationSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<ApplicationField>(parsed.error) };
  const v = parsed.data;
  const org = await db.selectFrom("organisations").select("kind").where("id", "=", actor.organisationId).executeTakeFirst();
  if (org?.kind !== "enterprise") return formError("vouchers.error.enterpriseOnly");
  const programme = await db
    .selectFrom("voucher_programmes as p")
    .leftJoin("ledger_accounts as b", (join) => join.onRef("b.programme_id", "=", "p.id").on("b.purpose", "=", "programme_budget"))
    .select(["p.id", "p.status", "p.valid_to", "p.voucher_amount_fen", "b.balance"])
    .where("p.id", "=", v.programmeId)
    .executeTakeFirst();
  if (!programme) return { ok: false, fieldErrors: { programmeId: "vouchers.error.programmeNotFound" } };
  if (programme.status !== "open" || programme.valid_to < chinaDate(now)) return formError("vouchers.error.programmeClosed");
  // Honest early refusal; the ledger still decides at approval.
  if ((programme.balance ?? 0) < programme.voucher_amount_fen) return formError("vouchers.error.budgetExhausted");
  try {
    const { id } = await db
      .insertInto("voucher_applications")
      .values({
        programme_id: v.programmeId,
        enterprise_id: actor.organisationId,
        applicant_id: actor.userId,
        purpose: v.purpose,
        contact_name: v.contactName,
        contact_phone: v.contactPhone,
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ok: true, applicationId: id };
  } catch (error) {
    if (uniqueViolation(error) === "voucher_applications_one_pending") return formError("vouchers.error.alreadyPending");
    throw error;
  }
}

/** The enterprise withdraws its own pending application. */
export async function withdrawApplication(
  db: Kysely<DB>,
  actor: Actor,
  applicationId: unknown,
  now: Date = new Date(),
): Promise<{ ok: boolean }> {
  const id = idFrom(applicationId);
  if (id === null) return { ok: false };
  const result = await db
    .updateTable("voucher_applications")
    .set({ status: "withdrawn", decided_at: now, decided_by: actor.userId })
    .where("id", "=", id)
    .where("enterprise_id", "=", actor.organisationId)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return { ok: result.numUpdatedRows > 0n };
}

/** 'CXQ-2026-000123': the programme year and a per-year sequence (the counter row serialises concurrent issues). */
async function nextSerial(db: Kysely<DB>, year: number): Promise<string> {
  const { last_value } = await db
    .insertInto("voucher_serial_counters")
    .values({ year, last_value: 1 })
    .onConflict((oc) => oc.column("year").doUpdateSet((eb) => ({ last_value: eb("voucher_serial_counters.last_value", "+", 1) })))
    .returning("last_value")
    .executeTakeFirstOrThrow();
  return `CXQ-${year}-${String(last_value).padStart(6, "0")}`;
}

export interface IssuedVoucher {
  voucherId: number;
  serial: string;
  amountFen: number;
  expiresAt: Date;
}

/**
 * The bureau approves an application: a voucher with a serial number is issued and its amount moves out of the
 * programme's budget in the ledger, in one transaction. When the budget cannot cover it, the database refuses the
 * ledger posting and nothing at all is written.
 */
export async function approveApplication(
  db: Kysely<DB>,
  actor: Actor,
  applicationId: unknown,
  now: Date = new Date(),
): Promise<{ ok: true; voucher: IssuedVoucher } | Rejected<never>> {
  const id = idFrom(applicationId);
  if (id === null) return formError("vouchers.error.applicationNotFound");
  try {
    return await db.transaction().execute(async (trx) => {
      const app = await trx
        .selectFrom("voucher_applications as a")
        .innerJoin("voucher_programmes as p", "p.id", "a.programme_id")
        .select([
          "a.id",
          "a.status",
          "a.enterprise_id",
          "p.id as programme_id",
          "p.bureau_id",
          "p.year",
          "p.status as programme_status",
          "p.valid_to",
          "p.voucher_amount_fen",
        ])
        .where("a.id", "=", id)
        .forUpdate("a")
        .executeTakeFirst();
      if (!app || app.bureau_id !== actor.organisationId) return formError("vouchers.error.applicationNotFound");
      if (app.status !== "pending") return formError("vouchers.error.alreadyDecided");
      if (app.programme_status !== "open" || app.valid_to < chinaDate(now)) return formError("vouchers.error.programmeClosed");

      const serial = await nextSerial(trx, app.year);
      const expiresAt = endOfChinaDay(app.valid_to);
      const voucher = await trx
        .insertInto("vouchers")
        .values({
          serial,
          programme_id: app.programme_id,
          enterprise_id: app.enterprise_id,
          application_id: app.id,
          amount_fen: app.voucher_amount_fen,
          issued_at: now,
          expires_at: expiresAt,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .updateTable("voucher_applications")
        .set({ status: "approved", decided_by: actor.userId, decided_at: now })
        .where("id", "=", app.id)
        .execute();
      await postVoucherIssue(trx, {
        voucherId: voucher.id,
        programmeId: app.programme_id,
        bureauId: app.bureau_id,
        enterpriseId: app.enterprise_id,
        amountFen: app.voucher_amount_fen,
        issuedAt: now,
      });
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: actor.userId,
          action: "voucher.issue",
          subject_type: "voucher",
          subject_id: String(voucher.id),
          detail: { serial, applicationId: app.id, amountFen: app.voucher_amount_fen },
        })
        .execute();
      return { ok: true as const, voucher: { voucherId: voucher.id, serial, amountFen: app.voucher_amount_fen, expiresAt } };
    });
  } catch (error) {
    if (error instanceof InsufficientFundsError) return formError("vouchers.error.budgetExhausted");
    throw error;
  }
}

/** At most this many applications are approved in one go (a page lists up to 500 pending). */
export const MAX_BATCH_APPROVALS = 500;

export interface BatchApproval {
  issued: { applicationId: number; serial: string }[];
  /** Left pending because the budget ran out before them (oldest applications are served first). */
  leftForBudget: number[];
  /** Not approved for another reason (decided meanwhile, another programme's, the programme closed). */
  refused: { applicationId: number; key: string }[];
}

/**
 * The bureau approves several pending applications of one programme at once: oldest first, each on its own as
 * approveApplication does it (a voucher issued from the budget, in its own transaction), so one refusal stops none of
 * the others. Once the budget cannot cover another voucher, the rest stay pending. Refused with nothing written when
 * no application is chosen or too many.
 */
export async function approveApplications(
  db: Kysely<DB>,
  actor: Actor,
  input: { programmeId: number; applicationIds: readonly unknown[] },
  now: Date = new Date(),
): Promise<{ ok: true; result: BatchApproval } | Rejected<never>> {
  const ids = [...new Set(input.applicationIds.map(idFrom))];
  if (ids.length === 0) return formError("vouchers.error.noneSelected");
  if (ids.length > MAX_BATCH_APPROVALS || ids.includes(null)) return formError("vouchers.error.badSelection", { max: MAX_BATCH_APPROVALS });
  const chosen = ids as number[];
  const inProgramme = await db
    .selectFrom("voucher_applications")
    .select("id")
    .where("id", "in", chosen)
    .where("programme_id", "=", input.programmeId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  const ordered = inProgramme.map((a) => a.id);
  const result: BatchApproval = {
    issued: [],
    leftForBudget: [],
    refused: chosen.filter((id) => !ordered.includes(id)).map((applicationId) => ({ applicationId, key: "vouchers.error.applicationNotFound" })),
  };
  for (const applicationId of ordered) {
    if (result.leftForBudget.length > 0) {
      result.leftForBudget.push(applicationId);
      continue;
    }
    const approved = await approveApplication(db, actor, applicationId, now);
    if (approved.ok) result.issued.push({ applicationId, serial: approved.voucher.serial });
    else if (approved.formError?.key === "vouchers.error.budgetExhausted") result.leftForBudget.push(applicationId);
    else result.refused.push({ applicationId, key: approved.formError?.key ?? "vouchers.error.generic" });
  }
  return { ok: true, result };
}

/** The bureau rejects an application with a reason the enterprise will see. */
export async function rejectApplication(
  db: Kysely<DB>,
  actor: Actor,
  input: { applicationId: unknown; note: unknown },
  now: Date = new Date(),
): Promise<{ ok: true } | Rejected<"note">> {
  const note = requiredText(200).safeParse(input.note);
  if (!note.success) return { ok: false, fieldErrors: { note: note.error.issues[0].message } };
  const id = idFrom(input.applicationId);
  if (id === null) return formError("vouchers.error.applicationNotFound");
  const result = await db
    .updateTable("voucher_applications as a")
    .set({ status: "rejected", decided_by: actor.userId, decided_at: now, decision_note: note.data })
    .where("a.id", "=", id)
    .where("a.status", "=", "pending")
    .where("a.programme_id", "in", (eb) => eb.selectFrom("voucher_programmes").select("id").where("bureau_id", "=", actor.organisationId))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? { ok: true } : formError("vouchers.error.alreadyDecided");
}

export interface ApplicationRow {
  id: number;
  programmeId: number;
  programmeName: string;
  programmeYear: number;
  enterpriseId: number;
  enterpriseName: string;
  applicantName: string;
  purpose: string;
  contactName: string;
  contactPhone: string;
  status: VoucherApplicationStatus;
  decisionNote: string | null;
  createdAt: Date;
  decidedAt: Date | null;
  voucherSerial: string | null;
  /** what the enterprise already holds from this programme (issued amounts), to judge against the yearly cap */
  enterpriseIssuedFen: number;
  /** vouchers of the enterprise the bureau revoked, in any programme: worth a look before issuing another */
  enterpriseRevokedVouchers: number;
  /** institutions recorded as related to the enterprise (its vouchers never pay them) */
  enterpriseRelatedParties: number;
  /** the enterprise's voucher purchases a spot check found irregular */
  enterpriseIrregularFindings: number;
}

export async function listApplications(
  db: Kysely<DB>,
  filter: { programmeId?: number; enterpriseId?: number; status?: VoucherApplicationStatus; limit?: number },
): Promise<ApplicationRow[]> {
  let query = db
    .selectFrom("voucher_applications as a")
    .innerJoin("voucher_programmes as p", "p.id", "a.programme_id")
    .innerJoin("organisations as o", "o.id", "a.enterprise_id")
    .innerJoin("users as u", "u.id", "a.applicant_id")
    .leftJoin("vouchers as v", "v.application_id", "a.id")
    .select([
      "a.id",
      "a.programme_id",
      "p.name as programme_name",
      "p.year as programme_year",
      "a.enterprise_id",
      "o.name as enterprise_name",
      "u.display_name as applicant_name",
      "a.purpose",
      "a.contact_name",
      "a.contact_phone",
      "a.status",
      "a.decision_note",
      "a.created_at",
      "a.decided_at",
      "v.serial",
      sql<number>`(select coalesce(sum(w.amount_fen), 0)::bigint from vouchers w
                    where w.enterprise_id = a.enterprise_id and w.programme_id = a.programme_id)`.as("issued"),
      sql<number>`(select count(*)::int from vouchers w where w.enterprise_id = a.enterprise_id and w.status = 'revoked')`.as("revoked"),
      sql<number>`(select count(*)::int from related_parties rp where rp.enterprise_id = a.enterprise_id and rp.relation <> 'none')`.as("related"),
      sql<number>`(select count(*)::int from spot_check_items i join orders r on r.id = i.order_id
                    where r.buyer_organisation_id = a.enterprise_id and i.outcome = 'irregular')`.as("irregular"),
    ])
    .orderBy("a.created_at", "desc")
    .orderBy("a.id", "desc")
    .limit(filter.limit ?? 200);
  if (filter.programmeId !== undefined) query = query.where("a.programme_id", "=", filter.programmeId);
  if (filter.enterpriseId !== undefined) query = query.where("a.enterprise_id", "=", filter.enterpriseId);
  if (filter.status !== undefined) query = query.where("a.status", "=", filter.status);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    programmeId: r.programme_id,
    programmeName: r.programme_name,
    programmeYear: r.programme_year,
    enterpriseId: r.enterprise_id,
    enterpriseName: r.enterprise_name,
    applicantName: r.applicant_name,
    purpose: r.purpose,
    contactName: r.contact_name,
    contactPhone: r.contact_phone,
    status: r.status,
    decisionNote: r.decision_note,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    voucherSerial: r.serial,
    enterpriseIssuedFen: r.issued,
    enterpriseRevokedVouchers: r.revoked,
    enterpriseRelatedParties: r.related,
    enterpriseIrregularFindings: r.irregular,
  }));
}
