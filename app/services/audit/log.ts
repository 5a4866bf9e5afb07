import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { DB } from "../../../db/schema";
import { isIsoDate } from "../contracts/calendar";
import { AUDIT_AREAS, type AuditArea } from "./areas";

// The audit log (操作记录): every change a person makes to listings, contracts, vouchers, money and accounts is one row
// of audit_log, written in the same transaction as the change by the service that makes it. Here it is read back:
// the operator sees all of it, an organisation's administrator what their colleagues did.

export const AUDIT_PAGE_SIZE = 50;

export interface AuditEntry {
  id: number;
  at: Date;
  action: string;
  subjectType: string;
  subjectId: string;
  /** null for the market's own moves (a lapsed reservation, an import from the command line) */
  actor: { id: number; name: string; email: string; organisationName: string } | null;
  detail: Record<string, unknown>;
}

export interface AuditFilters {
  area: AuditArea | null;
  /** part of the actor's name or e-mail */
  actor: string | null;
  /** a subject id, e.g. a result's or an order's number */
  subject: string | null;
  /** China dates, inclusive */
  from: string | null;
  to: string | null;
  /** page back: entries older than this id */
  before: number | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const optionalText = (max: number) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null), z.string().max(max, "too long").nullable());
const optionalDate = z.preprocess(
  (v) => (typeof v === "string" && v !== "" ? v : null),
  z
    .string()
    .regex(DATE, "must be a date (YYYY-MM-DD)")
    .refine(isIsoDate, "must be a real date")
    .nullable(),
);

const filtersSchema = z
  .object({
    area: z.preprocess((v) => (v === "" || v === undefined ? null : v), z.enum(AUDIT_AREAS, { error: "is not a known area" }).nullable()),
    actor: optionalText(100),
    subject: optionalText(40),
    from: optionalDate,
    to: optionalDate,
    before: z.preprocess((v) => (v === "" || v === undefined || v === null ? null : v), z.coerce.number().int().positive("must be a positive whole number").nullable()),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ["to"], message: "must not be before from" });

/** The filters from a query string; a bad value comes back named. */
export function parseAuditFilters(params: URLSearchParams): { ok: true; filters: AuditFilters } | { ok: false; parameter: string; message: string } {
  const raw = Object.fromEntries(["area", "actor", "subject", "from", "to", "before"].map((k) => [k, params.get(k) ?? undefined]));
  const parsed = filtersSchema.safeParse(raw);
  if (parsed.success) return { ok: true, filters: parsed.data as AuditFilters };
  const issue = parsed.error.issues[0];
  return { ok: false, parameter: String(issue.path[0]), message: issue.message };
}

/** Action prefixes of each area of the market. */
const AREA_PREFIXES: Record<AuditArea, readonly string[]> = {
  accounts: ["account.", "member.", "organisation."],
  catalogue: ["result."],
  contracts: ["contract."],
  vouchers: ["voucher.", "voucher_programme.", "reimbursement_batch.", "spot_check.", "related_party."],
  money: ["order.", "institution_payout."],
};

/**
 * A page of the log, newest first, and the id to pass as `before` for the next page (null on the last).
 * `organisationId` limits it to what that organisation's people did.
 */
export async function listAuditLog(
  db: Kysely<DB>,
  filters: AuditFilters,
  options: { organisationId?: number; limit?: number } = {},
): Promise<{ entries: AuditEntry[]; nextBefore: number | null }> {
  const limit = options.limit ?? AUDIT_PAGE_SIZE;
  let query = db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_user_id")
    .leftJoin("organisations as o", "o.id", "u.organisation_id")
    .select(["a.id", "a.created_at", "a.action", "a.subject_type", "a.subject_id", "a.detail", "u.id as actor_id", "u.display_name", "u.email", "o.name as organisation_name"])
    .orderBy("a.id", "desc")
    .limit(limit + 1);
  if (options.organisationId !== undefined) query = query.where("u.organisation_id", "=", options.organisationId);
  if (filters.area) {
    const prefixes = AREA_PREFIXES[filters.area];
    query = query.where((eb) => eb.or(prefixes.map((p) => eb("a.action", "like", `${p.replace(/_/g, "\\_")}%`))));
  }
  if (filters.actor) {
    const pattern = `%${filters.actor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb("u.display_name", "ilike", pattern), eb("u.email", "ilike", pattern)]));
  }
  if (filters.subject) query = query.where("a.subject_id", "=", filters.subject);
  if (filters.from) query = query.where("a.created_at", ">=", sql<Date>`${filters.from}::date::timestamp at time zone 'Asia/Shanghai'`);
  if (filters.to) query = query.where("a.created_at", "<", sql<Date>`(${filters.to}::date + 1)::timestamp at time zone 'Asia/Shanghai'`);
  if (filters.before) query = query.where("a.id", "<", filters.before);
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  return {
    entries: page.map((r) => ({
      id: r.id,
      at: r.created_at,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      actor: r.actor_id === null ? null : { id: r.actor_id, name: r.display_name ?? "", email: r.email ?? "", organisationName: r.organisation_name ?? "" },
      detail: (r.detail ?? {}) as Record<string, unknown>,
    })),
    nextBefore: rows.length > limit ? page[page.length - 1].id : null,
  };
}

const NO_FILTERS: AuditFilters = { area: null, actor: null, subject: null, from: null, to: null, before: null };

/**
 * A log page for a query string: its filters, entries and next page, or, for a bad filter, which one (and no entries).
 */
export async function auditPage(
  db: Kysely<DB>,
  params: URLSearchParams,
  options: { organisationId?: number } = {},
): Promise<{ filters: AuditFilters; entries: AuditEntry[]; nextBefore: number | null; invalid: { parameter: string } | null }> {
  const parsed = parseAuditFilters(params);
  if (!parsed.ok) return { filters: NO_FILTERS, entries: [], nextBefore: null, invalid: { parameter: parsed.parameter } };
  const { entries, nextBefore } = await listAuditLog(db, parsed.filters, options);
  return { filters: parsed.filters, entries, nextBefore, invalid: null };
}

/** The most entries one export holds; narrow the filters for more. */
export const AUDIT_EXPORT_MAX = 20_000;

/** Every entry the filters match (up to AUDIT_EXPORT_MAX, newest first), for a CSV export. */
export async function auditExport(
  db: Kysely<DB>,
  filters: AuditFilters,
  options: { organisationId?: number; pageSize?: number; max?: number } = {},
): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
  const max = options.max ?? AUDIT_EXPORT_MAX;
  const entries: AuditEntry[] = [];
  let before = filters.before;
  for (;;) {
    const page = await listAuditLog(db, { ...filters, before }, { organisationId: options.organisationId, limit: options.pageSize ?? 1_000 });
    entries.push(...page.entries);
    if (page.nextBefore === null) return { entries, truncated: false };
    if (entries.length >= max) return { entries: entries.slice(0, max), truncated: true };
    before = page.nextBefore;
  }
}
