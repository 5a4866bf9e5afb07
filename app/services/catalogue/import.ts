import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { DB, InstitutionType, NewTechnologyResult, ResultStatus } from "../../../db/schema";
import { recordListingChange } from "../../../search/outbox";
import { makeCreditCode } from "../accounts/credit-code";
import { inTransaction, type Actor } from "./lifecycle";
import { formatLineError, problemsFrom, resultShape, type LineError, type Problem, type ResultInput } from "./listing-input";

/**
 * Bulk import of technology results from JSON Lines: one result per line with the keys of the issue (title, title_en,
 * summary, description, field, keywords[], trl, ip[{type, number, status}], modes[{mode, price_yuan}], institution,
 * inventors[], region, state_funded, voucher_eligible; contact_name/contact_phone/contact_email may be added).
 *
 * All or nothing: every line is checked first (JSON syntax, every field, the institution, duplicates); if any line is
 * bad nothing is written and every bad line is reported. A good file goes in within one transaction, in multi-row
 * batches, with an audit row and a search-outbox row per result.
 */

export const IMPORT_STATUSES = ["draft", "pending_review", "listed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Where the results go. */
export type ImportScope =
  /** The web page: the signed-in institution. A line's `institution`, if given, must be its name. */
  | { kind: "institution"; institutionId: number; institutionName: string }
  /** The command line: each line names its institution; a missing one is created when createMissing is set. */
  | { kind: "any"; createMissing: boolean };

export type { LineError };
export { formatLineError };

export interface ImportProgress {
  phase: "validate" | "insert";
  done: number;
  total: number;
}

export interface ImportOptions {
  scope: ImportScope;
  status: ImportStatus;
  /** recorded as created_by and in the audit log; SYSTEM_ACTOR from the command line */
  actor: Actor;
  /** named in each result's audit row */
  source?: string;
  now?: Date;
  /** results per multi-row INSERT */
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface CreatedInstitution {
  id: number;
  name: string;
  institution_type: InstitutionType;
  credit_code: string;
}

export type ImportResult =
  | { ok: true; imported: number; firstId: number | null; lastId: number | null; createdInstitutions: CreatedInstitution[] }
  | { ok: false; errors: LineError[] };

interface ValidLine {
  line: number;
  input: ResultInput;
  institution: string | null;
}

const lineSchema = z.strictObject({
  ...resultShape,
  institution: z.preprocess(
    (v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? null : v),
    z.string({ error: "catalogue.error.notText" }).trim().max(100, "catalogue.error.tooLong").nullable(),
  ),
});

/** Text of a file: UTF-8 (a BOM is dropped). Lines with bytes that are not UTF-8 are reported, not guessed at. */
export function decodeJsonl(input: Uint8Array | string): { text: string; badLines: number[] } {
  if (typeof input === "string") return { text: input.replace(/^\uFEFF/, ""), badLines: [] };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(input), badLines: [] };
  } catch {
    const text = new TextDecoder("utf-8").decode(input);
    const badLines = text.split("\n").flatMap((l, i) => (l.includes("\uFFFD") ? [i + 1] : []));
    return { text, badLines };
  }
}

/** Reads the lines (numbered from 1; blank lines skipped) and checks each on its own. */
export function parseJsonlLines(text: string): { valid: ValidLine[]; errors: LineError[]; lines: number } {
  const valid: ValidLine[] = [];
  const errors: LineError[] = [];
  const rawLines = text.split("\n");
  let lines = 0;
  rawLines.forEach((rawLine, i) => {
    const line = i + 1;
    const source = rawLine.replace(/\r$/, "").trim();
    if (source === "") return;
    lines++;
    let raw: unknown;
    try {
      raw = JSON.parse(source);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ line, problems: [{ path: [], key: "catalogue.import.badJson", params: { message: message.slice(0, 160) } }] });
      return;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      errors.push({ line, problems: [{ path: [], key: "catalogue.import.notObject" }] });
      return;
    }
    const parsed = lineSchema.safeParse(raw);
    if (!parsed.success) {
      errors.push({ line, problems: problemsFrom(parsed.error, raw) });
      return;
    }
    const { institution, ...input } = parsed.data;
    valid.push({ line, input: input as ResultInput, institution });
  });
  return { valid, errors, lines };
}

/** University if the name says so (大学, 学院, 学校, University, College); otherwise a research institute. */
export function institutionTypeFromName(name: string): InstitutionType {
  return /大学|学院|学校|university|college/i.test(name) ? "university" : "institute";
}

/**
 * A valid unified social credit code derived from the name, for an institution the command line creates: prefix 12
 * (public institution registered by the staffing authority), area 410300 (Luoyang), a 9-digit body from SHA-256 of
 * the name (and a counter when taken), then the GB 32100 check character. The same name gives the same code on
 * every machine; the bureau replaces it with the real code when the institution registers.
 */
export function creditCodeForName(name: string, attempt = 0): string {
  const digest = createHash("sha256").update(attempt === 0 ? name : `${name}#${attempt}`).digest();
  const body = String(digest.readUInt32BE(0) * 1000 + (digest.readUInt16BE(4) % 1000)).padStart(9, "0").slice(-9);
  return makeCreditCode("12", "410300", body);
}

const LOOKUP_BATCH = 1000;

function addProblem(errorsByLine: Map<number, Problem[]>, line: number, problem: Problem) {
  const list = errorsByLine.get(line) ?? [];
  list.push(problem);
  errorsByLine.set(line, list);
}

interface Resolved {
  /** institution name → id, for existing institutions */
  existing: Map<string, number>;
  /** names to create, with the region of their first line */
  missing: Map<string, string | null>;
}

/** Checks a whole file without writing. */
export async function validateImport(
  db: Kysely<DB>,
  input: Uint8Array | string,
  options: Pick<ImportOptions, "scope" | "onProgress">,
): Promise<{ ok: true; lines: ValidLine[]; resolved: Resolved } | { ok: false; errors: LineError[] }> {
  const { text, badLines } = decodeJsonl(input);
  const parsed = parseJsonlLines(text);
  const errorsByLine = new Map<number, Problem[]>();
  for (const e of parsed.errors) errorsByLine.set(e.line, [...e.problems]);
  for (const line of badLines) errorsByLine.set(line, [{ path: [], key: "catalogue.import.notUtf8" }]);
  if (parsed.lines === 0) return { ok: false, errors: [{ line: 1, problems: [{ path: [], key: "catalogue.import.empty" }] }] };
  options.onProgress?.({ phase: "validate", done: parsed.lines, total: parsed.lines });

  const scope = options.scope;
  const resolved: Resolved = { existing: new Map(), missing: new Map() };
  const nameOf = (v: ValidLine) => (scope.kind === "institution" ? scope.institutionName : (v.institution ?? ""));

  if (scope.kind === "institution") {
    resolved.existing.set(scope.institutionName, scope.institutionId);
    for (const v of parsed.valid) {
      if (v.institution !== null && v.institution !== scope.institutionName.trim())
        addProblem(errorsByLine, v.line, {
          path: ["institution"],
          key: "catalogue.import.otherInstitution",
          params: { value: v.institution, expected: scope.institutionName },
        });
    }
  } else {
    for (const v of parsed.valid) if (v.institution === null) addProblem(errorsByLine, v.line, { path: ["institution"], key: "catalogue.error.required" });
    const names = [...new Set(parsed.valid.flatMap((v) => (v.institution ? [v.institution] : [])))];
    const kinds = new Map<string, { id: number; kind: string }>();
    for (let i = 0; i < names.length; i += LOOKUP_BATCH) {
      const rows = await db
        .selectFrom("organisations")
        .select(["id", "name", "kind"])
        .where("name", "in", names.slice(i, i + LOOKUP_BATCH))
        .orderBy("id")
        .execute();
      // An institution of that name wins over another kind; the oldest wins among several.
      for (const r of rows) {
        const known = kinds.get(r.name);
        if (!known || (known.kind !== "institution" && r.kind === "institution")) kinds.set(r.name, { id: r.id, kind: r.kind });
      }
    }
    for (const v of parsed.valid) {
      if (!v.institution) continue;
      const found = kinds.get(v.institution);
      if (found?.kind === "institution") resolved.existing.set(v.institution, found.id);
      else if (found) addProblem(errorsByLine, v.line, { path: ["institution"], key: "catalogue.import.notInstitution", params: { value: v.institution } });
      else if (scope.createMissing) {
        if (!resolved.missing.has(v.institution)) resolved.missing.set(v.institution, v.input.region);
      } else addProblem(errorsByLine, v.line, { path: ["institution"], key: "catalogue.import.unknownInstitution", params: { value: v.institution } });
    }
  }

  // The same result twice in the file, or already in the catalogue (a re-run of an import): refused, so an import
  // can be repeated after a failure without doubling anything. Withdrawn results do not count.
  const firstLine = new Map<string, number>();
  for (const v of parsed.valid) {
    const key = `${nameOf(v)}\u0000${v.input.title}`;
    const first = firstLine.get(key);
    if (first !== undefined) addProblem(errorsByLine, v.line, { path: ["title"], key: "catalogue.import.duplicateInFile", params: { other: first } });
    else firstLine.set(key, v.line);
  }
  const institutionIds = [...new Set(resolved.existing.values())];
  const candidates = parsed.valid.filter((v) => resolved.existing.has(nameOf(v)));
  if (institutionIds.length > 0) {
    for (let i = 0; i < candidates.length; i += LOOKUP_BATCH) {
      const batch = candidates.slice(i, i + LOOKUP_BATCH);
      const rows = await db
        .selectFrom("technology_results")
        .select(["id", "institution_id", "title"])
        .where("institution_id", "in", institutionIds)
        .where("title", "in", [...new Set(batch.map((v) => v.input.title))])
        .where("status", "<>", "withdrawn")
        .execute();
      const taken = new Map(rows.map((r) => [`${r.institution_id}\u0000${r.title}`, r.id]));
      for (const v of batch) {
        const id = taken.get(`${resolved.existing.get(nameOf(v))}\u0000${v.input.title}`);
        if (id !== undefined) addProblem(errorsByLine, v.line, { path: ["title"], key: "catalogue.import.alreadyExists", params: { id } });
      }
    }
  }

  if (errorsByLine.size > 0) {
    return { ok: false, errors: [...errorsByLine.entries()].sort(([a], [b]) => a - b).map(([line, problems]) => ({ line, problems })) };
  }
  return { ok: true, lines: parsed.valid, resolved };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Validates, then imports everything in one transaction, or nothing. */
export async function importResults(db: Kysely<DB>, input: Uint8Array | string, options: ImportOptions): Promise<ImportResult> {
  const checked = await validateImport(db, input, options);
  if (!checked.ok) return checked;
  const { lines, resolved } = checked;
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 500;
  const scope = options.scope;
  const status: ResultStatus = options.status;
  const total = lines.length;

  return inTransaction(db, async (trx) => {
    const institutionIds = new Map(resolved.existing);
    const createdInstitutions: CreatedInstitution[] = [];
    if (resolved.missing.size > 0) {
      const names = [...resolved.missing.keys()];
      const used = new Set<string>();
      const codes: string[] = [];
      for (const name of names) {
        let attempt = 0;
        let code = creditCodeForName(name);
        // A code already held (by anyone, or by another name in this file) moves on to the next attempt.
        while (used.has(code) || (await trx.selectFrom("organisations").select("id").where("credit_code", "=", code).executeTakeFirst()))
          code = creditCodeForName(name, ++attempt);
        used.add(code);
        codes.push(code);
      }
      for (const batch of chunk(
        names.map((name, i) => ({ name, code: codes[i] })),
        batchSize,
      )) {
        const rows = await trx
          .insertInto("organisations")
          .values(
            batch.map((b) => ({
              kind: "institution" as const,
              institution_type: institutionTypeFromName(b.name),
              name: b.name,
              credit_code: b.code,
              region: resolved.missing.get(b.name) ?? null,
            })),
          )
          .returning(["id", "name", "institution_type", "credit_code"])
          .execute();
        for (const r of rows) {
          institutionIds.set(r.name, r.id);
          createdInstitutions.push({ id: r.id, name: r.name, institution_type: r.institution_type as InstitutionType, credit_code: r.credit_code ?? "" });
        }
        await trx
          .insertInto("audit_log")
          .values(
            rows.map((r) => ({
              actor_user_id: options.actor.id,
              action: "organisation.created_by_import",
              subject_type: "organisation",
              subject_id: String(r.id),
              detail: { source: options.source ?? null, credit_code: r.credit_code },
            })),
          )
          .execute();
      }
    }

    const timestamps: Pick<NewTechnologyResult, "submitted_at" | "listed_at" | "confirmed_at"> =
      status === "listed"
        ? { submitted_at: now, listed_at: now, confirmed_at: now }
        : status === "pending_review"
          ? { submitted_at: now, listed_at: null, confirmed_at: null }
          : { submitted_at: null, listed_at: null, confirmed_at: null };
    let done = 0;
    let firstId: number | null = null;
    let lastId: number | null = null;
    options.onProgress?.({ phase: "insert", done, total });
    for (const batch of chunk(lines, batchSize)) {
      const rows = batch.map((v) => {
        const name = scope.kind === "institution" ? scope.institutionName : (v.institution as string);
        const institutionId = institutionIds.get(name);
        if (institutionId === undefined) throw new Error(`no institution id for ${name} (line ${v.line})`);
        const r = v.input;
        return {
          institution_id: institutionId,
          title: r.title,
          title_en: r.title_en,
          summary: r.summary,
          description: r.description,
          field: r.field,
          keywords: r.keywords,
          trl: r.trl,
          region: r.region,
          state_funded: r.state_funded,
          voucher_eligible: r.voucher_eligible,
          inventors: r.inventors,
          contact_name: r.contact_name,
          contact_phone: r.contact_phone,
          contact_email: r.contact_email,
          status,
          created_by: options.actor.id,
          created_at: now,
          updated_at: now,
          ...timestamps,
        } satisfies NewTechnologyResult;
      });
      const inserted = await trx.insertInto("technology_results").values(rows).returning(["id", "institution_id", "title"]).execute();
      // Ids are matched to lines by position: check rather than trust the order RETURNING gives.
      const ids = inserted.map((r, i) => {
        if (r.title !== rows[i].title || r.institution_id !== rows[i].institution_id) throw new Error(`import: inserted rows came back out of order at line ${batch[i].line}`);
        return r.id;
      });
      const ipRows = batch.flatMap((v, i) => v.input.ip.map((it) => ({ result_id: ids[i], type: it.type, number: it.number, status: it.status })));
      const modeRows = batch.flatMap((v, i) => v.input.modes.map((m) => ({ result_id: ids[i], mode: m.mode, price_fen: m.price_fen })));
      for (const part of chunk(ipRows, 2000)) await trx.insertInto("result_ip_items").values(part).execute();
      for (const part of chunk(modeRows, 2000)) await trx.insertInto("result_modes").values(part).execute();
      await trx
        .insertInto("audit_log")
        .values(
          batch.map((v, i) => ({
            actor_user_id: options.actor.id,
            action: "result.import",
            subject_type: "technology_result",
            subject_id: String(ids[i]),
            detail: { status, source: options.source ?? null, line: v.line },
          })),
        )
        .execute();
      await recordListingChange(trx, ids);
      firstId ??= ids[0] ?? null;
      lastId = ids[ids.length - 1] ?? lastId;
      done += batch.length;
      options.onProgress?.({ phase: "insert", done, total });
    }
    return { ok: true as const, imported: total, firstId, lastId, createdInstitutions };
  });
}
