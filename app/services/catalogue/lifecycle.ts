import { sql, type Kysely, type SqlBool, type Transaction } from "kysely";
import {
  RESULT_STATUSES,
  TRANSFER_MODES,
  type DB,
  type OrganisationKind,
  type ResultStatus,
  type TechnologyResultUpdate,
} from "../../../db/schema";
import { recordListingChange } from "../../../search/outbox";
import { LIMITS, type IpStatus, type ResultInput } from "./listing-input";
import { PUBLICITY_DAYS, STALE_AFTER_DAYS, publicityEndsAt as publicityEnd, staleBefore } from "./visibility";

/**
 * The life of a technology result (issue 3):
 *
 *   draft ─submit→ pending_review ─approve→ listed ─reserve→ reserved ─transfer→ transferred
 *                        └─reject→ rejected (edit, submit again)      └─release→ listed
 *   draft, pending_review, listed, rejected ─withdraw→ withdrawn ─reopen→ draft
 *
 * Every change runs in one transaction that locks the row, checks the move is allowed from the status it finds, writes
 * an audit_log row and queues the result for the search index (recordListingChange). A refused change writes nothing.
 */

// Staleness and publicity are stated once, in ./visibility (also read by search and the public API); this module
// re-exports them with helpers over a result row.
export { PUBLICITY_DAYS, STALE_AFTER_DAYS, staleBefore };

const DAY_MS = 86_400_000;

/** Owners are reminded this many days before a listing would go stale. */
export const RECONFIRM_REMINDER_DAYS = 30;

/** Statuses in which the owner may change the content. A listed result is withdrawn, reopened and resubmitted. */
export const EDITABLE_STATUSES: readonly ResultStatus[] = ["draft", "rejected"];

/** Who performs a change: a signed-in user (SessionUser fits), or the market itself (checkout, scheduled jobs). */
export interface Actor {
  id: number | null;
  organisationId: number | null;
  role: OrganisationKind | "system";
}

export const SYSTEM_ACTOR: Actor = { id: null, organisationId: null, role: "system" };

type Authority = "owner" | "bureau" | "market";

export const TRANSITIONS = {
  submit: { from: ["draft", "rejected"], to: "pending_review", by: "owner" },
  withdraw: { from: ["draft", "pending_review", "listed", "rejected"], to: "withdrawn", by: "owner" },
  reopen: { from: ["withdrawn"], to: "draft", by: "owner" },
  approve: { from: ["pending_review"], to: "listed", by: "bureau" },
  reject: { from: ["pending_review"], to: "rejected", by: "bureau" },
  // Checkout's moves: an order reserves a listing, a cancelled order releases it, a completed one transfers it.
  reserve: { from: ["listed"], to: "reserved", by: "market" },
  release: { from: ["reserved"], to: "listed", by: "market" },
  transfer: { from: ["reserved"], to: "transferred", by: "market" },
} as const satisfies Record<string, { from: readonly ResultStatus[]; to: ResultStatus; by: Authority }>;

export type TransitionAction = keyof typeof TRANSITIONS;

/** The actions allowed from a status (for showing buttons; the service checks again under a row lock). */
export function actionsFrom(status: ResultStatus): TransitionAction[] {
  return (Object.keys(TRANSITIONS) as TransitionAction[]).filter((a) => (TRANSITIONS[a].from as readonly ResultStatus[]).includes(status));
}

export type CatalogueErrorKind = "not_found" | "forbidden" | "conflict" | "invalid";

/** A refused change. `key` is an i18n key; `field` names the form field for "invalid". Nothing was written. */
export class CatalogueError extends Error {
  constructor(
    readonly kind: CatalogueErrorKind,
    readonly key: string,
    readonly params: Record<string, string | number> = {},
    readonly field?: string,
  ) {
    super(`${kind}: ${key}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ""}`);
    this.name = "CatalogueError";
  }
}

/** HTTP status for a refused change, for routes. */
export function httpStatusOf(error: CatalogueError): number {
  return { not_found: 404, forbidden: 403, conflict: 409, invalid: 400 }[error.kind];
}

/** Runs fn in the caller's transaction if there is one, else in a new one (checkout reserves inside its own). */
export function inTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute((trx: Transaction<DB>) => fn(trx));
}

function authorize(actor: Actor, by: Authority, institutionId: number): void {
  if (by === "owner" && !(actor.role === "institution" && actor.organisationId === institutionId))
    throw new CatalogueError("forbidden", "catalogue.error.notOwner");
  if (by === "bureau" && actor.role !== "bureau") throw new CatalogueError("forbidden", "catalogue.error.bureauOnly");
  if (by === "market" && !(actor.role === "system" || actor.role === "operator" || actor.role === "enterprise"))
    throw new CatalogueError("forbidden", "catalogue.error.marketOnly");
}

export async function writeAudit(
  db: Kysely<DB>,
  actor: Actor,
  action: string,
  resultId: number,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({ actor_user_id: actor.id, action, subject_type: "technology_result", subject_id: String(resultId), detail })
    .execute();
}

async function lockResult(trx: Kysely<DB>, id: number) {
  if (!Number.isSafeInteger(id) || id <= 0) throw new CatalogueError("not_found", "catalogue.error.notFound");
  const row = await trx
    .selectFrom("technology_results")
    .select(["id", "institution_id", "status", "listed_at"])
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new CatalogueError("not_found", "catalogue.error.notFound");
  return row;
}

export const REASON_MAX = LIMITS.reason;

export interface TransitionOptions {
  /** required for reject */
  reason?: string;
  now?: Date;
}

/** Applies one move to a locked row; the caller holds the transaction. */
async function applyTransition(
  trx: Kysely<DB>,
  actor: Actor,
  row: { id: number; institution_id: number; status: ResultStatus },
  action: TransitionAction,
  options: TransitionOptions,
): Promise<{ from: ResultStatus; to: ResultStatus }> {
  const rule = TRANSITIONS[action];
  authorize(actor, rule.by, row.institution_id);
  if (!(rule.from as readonly ResultStatus[]).includes(row.status))
    throw new CatalogueError("conflict", "catalogue.error.transition", { action, status: row.status });
  const now = options.now ?? new Date();
  let reason: string | undefined;
  if (action === "reject") {
    reason = (options.reason ?? "").trim();
    if (reason === "") throw new CatalogueError("invalid", "catalogue.error.reasonRequired", {}, "reason");
    if (reason.length > REASON_MAX) throw new CatalogueError("invalid", "catalogue.error.tooLong", { max: REASON_MAX }, "reason");
  }
  const to = rule.to;
  const set: TechnologyResultUpdate = { status: to, updated_at: now };
  if (action === "submit") Object.assign(set, { submitted_at: now, rejection_reason: null });
  if (action === "approve") Object.assign(set, { listed_at: now, confirmed_at: now, rejection_reason: null });
  if (action === "reject") set.rejection_reason = reason;
  if (action === "transfer") set.transferred_at = now;
  const updated = await trx
    .updateTable("technology_results")
    .set(set)
    .where("id", "=", row.id)
    .where("status", "=", row.status)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new CatalogueError("conflict", "catalogue.error.transition", { action, status: row.status });
  await writeAudit(trx, actor, `result.${action}`, row.id, reason === undefined ? { from: row.status, to } : { from: row.status, to, reason });
  await recordListingChange(trx, row.id);
  return { from: row.status, to };
}

/** Moves a result along its lifecycle, or throws a CatalogueError and writes nothing. */
export async function transition(
  db: Kysely<DB>,
  actor: Actor,
  id: number,
  action: TransitionAction,
  options: TransitionOptions = {},
): Promise<{ id: number; from: ResultStatus; to: ResultStatus }> {
  return inTransaction(db, async (trx) => {
    const row = await lockResult(trx, id);
    return { id, ...(await applyTransition(trx, actor, row, action, options)) };
  });
}

/** The owner says the listing is still true and available: confirmed_at = now, and a stale one returns. */
export async function reconfirmResult(db: Kysely<DB>, actor: Actor, id: number, options: { now?: Date } = {}): Promise<{ confirmedAt: Date }> {
  const now = options.now ?? new Date();
  return inTransaction(db, async (trx) => {
    const row = await lockResult(trx, id);
    authorize(actor, "owner", row.institution_id);
    if (row.status !== "listed" && row.status !== "reserved")
      throw new CatalogueError("conflict", "catalogue.error.transition", { action: "reconfirm", status: row.status });
    await trx.updateTable("technology_results").set({ confirmed_at: now, updated_at: now }).where("id", "=", id).execute();
    await writeAudit(trx, actor, "result.reconfirm", id, { status: row.status });
    await recordListingChange(trx, id);
    return { confirmedAt: now };
  });
}

// ---- content --------------------------------------------------------------------------------------------------

function contentColumns(input: ResultInput) {
  return {
    title: input.title,
    title_en: input.title_en,
    summary: input.summary,
    description: input.description,
    field: input.field,
    keywords: input.keywords,
    trl: input.trl,
    region: input.region,
    state_funded: input.state_funded,
    voucher_eligible: input.voucher_eligible,
    inventors: input.inventors,
    contact_name: input.contact_name,
    contact_phone: input.contact_phone,
    contact_email: input.contact_email,
  };
}

async function writeChildren(trx: Kysely<DB>, resultId: number, input: ResultInput): Promise<void> {
  if (input.ip.length > 0)
    await trx
      .insertInto("result_ip_items")
      .values(input.ip.map((it) => ({ result_id: resultId, type: it.type, number: it.number, status: it.status })))
      .execute();
  if (input.modes.length > 0)
    await trx
      .insertInto("result_modes")
      .values(input.modes.map((m) => ({ result_id: resultId, mode: m.mode, price_fen: m.price_fen })))
      .execute();
}

export interface SaveOptions {
  /** also submit for review, in the same transaction */
  submit?: boolean;
  now?: Date;
}

/** A new result of the actor's institution, as a draft (or submitted right away). Input must be validated. */
export async function createResult(db: Kysely<DB>, actor: Actor, input: ResultInput, options: SaveOptions = {}): Promise<{ id: number; status: ResultStatus }> {
  if (actor.role !== "institution" || actor.organisationId === null) throw new CatalogueError("forbidden", "catalogue.error.notOwner");
  const institutionId = actor.organisationId;
  const now = options.now ?? new Date();
  return inTransaction(db, async (trx) => {
    const { id } = await trx
      .insertInto("technology_results")
      .values({ ...contentColumns(input), institution_id: institutionId, created_by: actor.id, created_at: now, updated_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeChildren(trx, id, input);
    await writeAudit(trx, actor, "result.create", id, { status: "draft" });
    await recordListingChange(trx, id);
    if (!options.submit) return { id, status: "draft" as const };
    const { to } = await applyTransition(trx, actor, { id, institution_id: institutionId, status: "draft" }, "submit", { now });
    return { id, status: to };
  });
}

/** Replaces the content of a draft or rejected result of the actor's institution (and optionally submits it). */
export async function updateResult(
  db: Kysely<DB>,
  actor: Actor,
  id: number,
  input: ResultInput,
  options: SaveOptions = {},
): Promise<{ id: number; status: ResultStatus }> {
  const now = options.now ?? new Date();
  return inTransaction(db, async (trx) => {
    const row = await lockResult(trx, id);
    authorize(actor, "owner", row.institution_id);
    if (!EDITABLE_STATUSES.includes(row.status)) throw new CatalogueError("conflict", "catalogue.error.notEditable", { status: row.status });
    await trx.updateTable("technology_results").set({ ...contentColumns(input), updated_at: now }).where("id", "=", id).execute();
    await trx.deleteFrom("result_ip_items").where("result_id", "=", id).execute();
    await trx.deleteFrom("result_modes").where("result_id", "=", id).execute();
    await writeChildren(trx, id, input);
    await writeAudit(trx, actor, "result.update", id, { status: row.status });
    await recordListingChange(trx, id);
    if (!options.submit) return { id, status: row.status };
    const { to } = await applyTransition(trx, actor, row, "submit", { now });
    return { id, status: to };
  });
}

// ---- staleness and publicity ----------------------------------------------------------------------------------

interface Confirmable {
  status: ResultStatus;
  listed_at: Date | null;
  confirmed_at: Date | null;
}

/** When the owner last vouched for the listing: the last re-confirmation, else the approval. */
export function lastConfirmedAt(r: Pick<Confirmable, "listed_at" | "confirmed_at">): Date | null {
  return r.confirmed_at ?? r.listed_at;
}

/** The moment the listing goes stale unless re-confirmed (null when it was never listed). */
export function staleAt(r: Pick<Confirmable, "listed_at" | "confirmed_at">): Date | null {
  const last = lastConfirmedAt(r);
  return last ? new Date(last.getTime() + STALE_AFTER_DAYS * DAY_MS) : null;
}

/**
 * A listing (listed or reserved) not confirmed for STALE_AFTER_DAYS is stale and leaves the storefront. The same test
 * as the storefront's SQL: coalesce(confirmed_at, listed_at) < staleBefore(now).
 */
export function isStale(r: Confirmable, now: Date = new Date()): boolean {
  if (r.status !== "listed" && r.status !== "reserved") return false;
  const last = lastConfirmedAt(r);
  return last !== null && last < staleBefore(now);
}

/** Not stale yet, but within RECONFIRM_REMINDER_DAYS of it: the owner is asked to re-confirm. */
export function reconfirmDueSoon(r: Confirmable, now: Date = new Date()): boolean {
  const at = staleAt(r);
  if (!at || isStale(r, now) || (r.status !== "listed" && r.status !== "reserved")) return false;
  return at.getTime() - now.getTime() <= RECONFIRM_REMINDER_DAYS * DAY_MS;
}

interface Publicised {
  state_funded: boolean;
  listed_at: Date | null;
  modes: readonly { price_fen: number | null }[];
}

/**
 * A state-funded result with a negotiated price (any negotiable mode) is in publicity (公示) for PUBLICITY_DAYS after
 * listing and cannot be bought meanwhile. Null: no publicity needed (or not listed yet).
 */
export function publicityEndsAt(r: Publicised): Date | null {
  if (!r.listed_at) return null;
  return publicityEnd({ state_funded: r.state_funded, negotiable: r.modes.some((m) => m.price_fen === null), listed_at: r.listed_at });
}

export function isInPublicity(r: Publicised, now: Date = new Date()): boolean {
  const ends = publicityEndsAt(r);
  return ends !== null && now < ends;
}

// ---- reading --------------------------------------------------------------------------------------------------

export interface ResultDetail extends ResultInput {
  id: number;
  institution_id: number;
  institution: string;
  status: ResultStatus;
  rejection_reason: string | null;
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
  listed_at: Date | null;
  confirmed_at: Date | null;
  transferred_at: Date | null;
}

/** Everything about one result, any status (for its owner and the bureau; never for the public). */
export async function getResultDetail(db: Kysely<DB>, id: number): Promise<ResultDetail | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const row = await db
    .selectFrom("technology_results as r")
    .innerJoin("organisations as o", "o.id", "r.institution_id")
    .selectAll("r")
    .select("o.name as institution")
    .where("r.id", "=", id)
    .executeTakeFirst();
  if (!row) return null;
  const [ip, modes] = await Promise.all([
    db.selectFrom("result_ip_items").select(["type", "number", "status"]).where("result_id", "=", id).orderBy("id").execute(),
    db.selectFrom("result_modes").select(["mode", "price_fen"]).where("result_id", "=", id).execute(),
  ]);
  return {
    id: row.id,
    institution_id: row.institution_id,
    institution: row.institution,
    status: row.status,
    rejection_reason: row.rejection_reason,
    title: row.title,
    title_en: row.title_en,
    summary: row.summary,
    description: row.description,
    field: row.field,
    keywords: row.keywords,
    trl: row.trl,
    ip: ip.map((i) => ({ type: i.type, number: i.number, status: i.status as IpStatus })),
    modes: modes.sort((a, b) => TRANSFER_MODES.indexOf(a.mode) - TRANSFER_MODES.indexOf(b.mode)),
    inventors: row.inventors,
    region: row.region as ResultDetail["region"],
    state_funded: row.state_funded,
    voucher_eligible: row.voucher_eligible,
    contact_name: row.contact_name,
    contact_phone: row.contact_phone,
    contact_email: row.contact_email,
    created_at: row.created_at,
    updated_at: row.updated_at,
    submitted_at: row.submitted_at,
    listed_at: row.listed_at,
    confirmed_at: row.confirmed_at,
    transferred_at: row.transferred_at,
  };
}

/** A result for its owner: 404 if there is none, 403 if it belongs to another institution. */
export async function getOwnResult(db: Kysely<DB>, actor: Actor, id: number): Promise<ResultDetail> {
  const detail = await getResultDetail(db, id);
  if (!detail) throw new CatalogueError("not_found", "catalogue.error.notFound");
  authorize(actor, "owner", detail.institution_id);
  return detail;
}

export interface OwnResultRow {
  id: number;
  title: string;
  status: ResultStatus;
  field: ResultDetail["field"];
  trl: number;
  rejection_reason: string | null;
  updated_at: Date;
  submitted_at: Date | null;
  listed_at: Date | null;
  confirmed_at: Date | null;
  modes: { mode: ResultDetail["modes"][number]["mode"]; price_fen: number | null }[];
  state_funded: boolean;
}

export const OWN_RESULTS_PAGE_SIZE = 50;

/** One page of an institution's results, newest change first, with the count per status (for filter tabs). */
export async function listInstitutionResults(
  db: Kysely<DB>,
  institutionId: number,
  options: { status?: ResultStatus | "stale" | null; page?: number; now?: Date } = {},
): Promise<{ rows: OwnResultRow[]; total: number; counts: Record<ResultStatus | "stale", number> }> {
  const now = options.now ?? new Date();
  const page = Math.max(1, Math.floor(options.page ?? 1));
  const staleClause = sql<SqlBool>`r.status in ('listed', 'reserved') and coalesce(r.confirmed_at, r.listed_at) < ${staleBefore(now)}`;
  let query = db.selectFrom("technology_results as r").where("r.institution_id", "=", institutionId);
  if (options.status === "stale") query = query.where(staleClause);
  else if (options.status) query = query.where("r.status", "=", options.status);

  const [rows, totalRow, countRows] = await Promise.all([
    query
      .select([
        "r.id",
        "r.title",
        "r.status",
        "r.field",
        "r.trl",
        "r.rejection_reason",
        "r.updated_at",
        "r.submitted_at",
        "r.listed_at",
        "r.confirmed_at",
        "r.state_funded",
      ])
      .orderBy("r.updated_at", "desc")
      .orderBy("r.id", "desc")
      .limit(OWN_RESULTS_PAGE_SIZE)
      .offset((page - 1) * OWN_RESULTS_PAGE_SIZE)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
    db
      .selectFrom("technology_results as r")
      .where("r.institution_id", "=", institutionId)
      .select((eb) => ["r.status", eb.fn.countAll<number>().as("n"), sql<number>`count(*) filter (where ${staleClause})`.as("stale")])
      .groupBy("r.status")
      .execute(),
  ]);
  const ids = rows.map((r) => r.id);
  const modes = ids.length
    ? await db.selectFrom("result_modes").select(["result_id", "mode", "price_fen"]).where("result_id", "in", ids).execute()
    : [];
  const counts = Object.fromEntries([...RESULT_STATUSES, "stale"].map((s) => [s, 0])) as Record<ResultStatus | "stale", number>;
  for (const c of countRows) {
    counts[c.status] = Number(c.n);
    counts.stale += Number(c.stale);
  }
  return {
    rows: rows.map((r) => ({
      ...r,
      modes: modes
        .filter((m) => m.result_id === r.id)
        .map((m) => ({ mode: m.mode, price_fen: m.price_fen }))
        .sort((a, b) => TRANSFER_MODES.indexOf(a.mode) - TRANSFER_MODES.indexOf(b.mode)),
    })),
    total: Number(totalRow.n),
    counts,
  };
}

/** The audit trail of one result, oldest first (shown to its owner and the bureau). */
export async function resultHistory(db: Kysely<DB>, id: number) {
  const rows = await db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_user_id")
    .select(["a.id", "a.action", "a.detail", "a.created_at", "u.display_name as actor"])
    .where("a.subject_type", "=", "technology_result")
    .where("a.subject_id", "=", String(id))
    .orderBy("a.id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    action: r.action,
    actor: r.actor,
    at: r.created_at,
    reason: typeof r.detail.reason === "string" ? r.detail.reason : null,
  }));
}
