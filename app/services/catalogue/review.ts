import type { Kysely } from "kysely";
import type { DB, FieldCode } from "../../../db/schema";
import { CatalogueError, transition, type Actor, type ResultDetail, type TransitionOptions } from "./lifecycle";
import { renderMarkdown } from "./markdown";

// The bureau's review queue: results submitted by institutions wait here, oldest first, until approved (listed) or
// rejected with a reason the owner sees. Decisions are lifecycle transitions, so each one writes audit_log and the
// search outbox in its transaction.

export interface QueueItem {
  id: number;
  title: string;
  institution: string;
  field: FieldCode;
  trl: number;
  state_funded: boolean;
  submitted_at: Date | null;
  /** submitted again after a rejection */
  resubmitted: boolean;
}

export const QUEUE_PAGE_SIZE = 50;

export async function reviewQueue(db: Kysely<DB>, options: { page?: number } = {}): Promise<{ items: QueueItem[]; total: number }> {
  const page = Math.max(1, Math.floor(options.page ?? 1));
  const base = db.selectFrom("technology_results as r").where("r.status", "=", "pending_review");
  const [items, total] = await Promise.all([
    base
      .innerJoin("organisations as o", "o.id", "r.institution_id")
      .select((eb) => [
        "r.id",
        "r.title",
        "o.name as institution",
        "r.field",
        "r.trl",
        "r.state_funded",
        "r.submitted_at",
        eb
          .exists(
            eb
              .selectFrom("audit_log as a")
              .select("a.id")
              .where("a.subject_type", "=", "technology_result")
              .whereRef("a.subject_id", "=", eb.cast("r.id", "text"))
              .where("a.action", "=", "result.reject"),
          )
          .as("resubmitted"),
      ])
      // First come, first served; ties by id so the order is stable across pages.
      .orderBy("r.submitted_at", "asc")
      .orderBy("r.id", "asc")
      .limit(QUEUE_PAGE_SIZE)
      .offset((page - 1) * QUEUE_PAGE_SIZE)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { items: items.map((i) => ({ ...i, resubmitted: Boolean(i.resubmitted) })), total: Number(total.n) };
}

export interface Decision {
  resultId: number;
  title: string;
  action: "approve" | "reject";
  reviewer: string | null;
  reason: string | null;
  at: Date;
}

/** The latest approvals and rejections, newest first. */
export async function recentDecisions(db: Kysely<DB>, limit = 20): Promise<Decision[]> {
  // Two steps rather than a join on a cast id, so both sides use their indexes.
  const rows = await db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_user_id")
    .select(["a.subject_id", "a.action", "a.detail", "a.created_at", "u.display_name"])
    .where("a.subject_type", "=", "technology_result")
    .where("a.action", "in", ["result.approve", "result.reject"])
    .orderBy("a.id", "desc")
    .limit(limit)
    .execute();
  const ids = [...new Set(rows.map((r) => Number(r.subject_id)).filter((id) => Number.isSafeInteger(id)))];
  const titles = new Map(
    ids.length ? (await db.selectFrom("technology_results").select(["id", "title"]).where("id", "in", ids).execute()).map((r) => [r.id, r.title]) : [],
  );
  return rows.flatMap((r) => {
    const title = titles.get(Number(r.subject_id));
    if (title === undefined) return [];
    return [
      {
        resultId: Number(r.subject_id),
        title,
        action: r.action === "result.approve" ? ("approve" as const) : ("reject" as const),
        reviewer: r.display_name,
        reason: typeof r.detail.reason === "string" ? r.detail.reason : null,
        at: r.created_at,
      },
    ];
  });
}

/** Approves a pending result: it is listed, with listed_at and confirmed_at set to now. */
export function approveResult(db: Kysely<DB>, actor: Actor, id: number, options: Pick<TransitionOptions, "now"> = {}) {
  return transition(db, actor, id, "approve", options);
}

/** Rejects a pending result; the reason (required) is shown to the owner, who may edit and resubmit. */
export function rejectResult(db: Kysely<DB>, actor: Actor, id: number, reason: string, options: Pick<TransitionOptions, "now"> = {}) {
  return transition(db, actor, id, "reject", { ...options, reason });
}

/** Parses a decision form: decision = approve | reject, reason for a rejection. */
export function parseDecision(form: { get(name: string): FormDataEntryValue | null }):
  | { ok: true; decision: "approve" }
  | { ok: true; decision: "reject"; reason: string }
  | { ok: false; error: CatalogueError } {
  const decision = form.get("decision");
  const reason = form.get("reason");
  if (decision === "approve") return { ok: true, decision };
  if (decision === "reject") {
    const text = typeof reason === "string" ? reason.trim() : "";
    if (text === "") return { ok: false, error: new CatalogueError("invalid", "catalogue.error.reasonRequired", {}, "reason") };
    return { ok: true, decision, reason: text };
  }
  return { ok: false, error: new CatalogueError("invalid", "catalogue.error.decision", {}, "decision") };
}

/** A result shaped for display to its owner or the bureau: dates as ISO strings, the description as safe HTML. */
export function previewOf(detail: ResultDetail) {
  return {
    id: detail.id,
    title: detail.title,
    title_en: detail.title_en,
    summary: detail.summary,
    descriptionHtml: detail.description ? renderMarkdown(detail.description) : "",
    field: detail.field,
    trl: detail.trl,
    keywords: detail.keywords,
    ip: detail.ip,
    modes: detail.modes,
    inventors: detail.inventors,
    contact_name: detail.contact_name,
    contact_phone: detail.contact_phone,
    contact_email: detail.contact_email,
    region: detail.region,
    state_funded: detail.state_funded,
    voucher_eligible: detail.voucher_eligible,
    institution: detail.institution,
    status: detail.status,
    rejection_reason: detail.rejection_reason,
    submitted_at: detail.submitted_at?.toISOString() ?? null,
    listed_at: detail.listed_at?.toISOString() ?? null,
    confirmed_at: detail.confirmed_at?.toISOString() ?? null,
  };
}
