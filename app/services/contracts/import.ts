import type { Kysely } from "kysely";
import type { DB, NewContract } from "../../../db/schema";
import { decodeUtf8, parseCsv } from "./csv";
import { inTransaction } from "./registry";
import { CONTRACT_COLUMNS, validateDraft, type ContractColumn, type ContractDraft, type ContractValues, type Problem } from "./validation";

/** Every problem on one line of the file (the header is line 1). */
export interface LineError {
  line: number;
  problems: Problem[];
}

export type ImportResult =
  | { ok: true; imported: number; firstCertificate: string | null; lastCertificate: string | null }
  | { ok: false; errors: LineError[] };

export interface ImportProgress {
  phase: "check" | "insert";
  done: number;
  total: number;
}

export interface ImportOptions {
  /** the bureau user importing; null from the command line */
  registeredBy?: number | null;
  /** shown in the audit log */
  fileName?: string;
  /** rows per INSERT statement (all in one transaction) */
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** the calendar day that bounds signing dates (China's today by default) */
  today?: string;
}

const LOOKUP_BATCH = 1000;

interface ValidRow {
  line: number;
  value: ContractValues;
}

/** Maps header names to column positions; header problems are reported on the header's line. */
function readHeader(fields: string[]): { index: Record<ContractColumn, number> } | { problems: Problem[] } {
  const names = fields.map((f) => f.trim().toLowerCase());
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) problems.push({ column: null, code: "headerDuplicate", params: { value: name } });
    seen.add(name);
    if (!(CONTRACT_COLUMNS as readonly string[]).includes(name)) problems.push({ column: null, code: "headerUnknown", params: { value: name } });
  }
  for (const column of CONTRACT_COLUMNS)
    if (!names.includes(column)) problems.push({ column: null, code: "headerMissing", params: { value: column, columns: CONTRACT_COLUMNS.join(",") } });
  if (problems.length > 0) return { problems };
  return { index: Object.fromEntries(CONTRACT_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<ContractColumn, number> };
}

/**
 * Validates a whole CSV file: encoding, syntax, header, every row's values, contract numbers unique within the file
 * and not yet registered. Returns the rows ready to insert, or every bad line.
 */
export async function validateContractsCsv(
  db: Kysely<DB>,
  input: Uint8Array | string,
  options: Pick<ImportOptions, "onProgress" | "today"> = {},
): Promise<{ ok: true; rows: ValidRow[] } | { ok: false; errors: LineError[] }> {
  let text: string;
  if (typeof input === "string") text = input;
  else {
    const decoded = decodeUtf8(input);
    if (!decoded.ok) return { ok: false, errors: decoded.badLines.map((line) => ({ line, problems: [{ column: null, code: "notUtf8" }] })) };
    text = decoded.text;
  }

  const byLine = new Map<number, Problem[]>();
  const report = (line: number, problems: Problem[]) => {
    if (problems.length > 0) byLine.set(line, [...(byLine.get(line) ?? []), ...problems]);
  };
  const parsed = parseCsv(text);
  for (const e of parsed.errors) report(e.line, [{ column: null, code: e.problem }]);

  const [header, ...records] = parsed.records;
  if (!header) {
    if (byLine.size === 0) report(1, [{ column: null, code: "headerMissing", params: { value: CONTRACT_COLUMNS.join(","), columns: CONTRACT_COLUMNS.join(",") } }]);
    return { ok: false, errors: sorted(byLine) };
  }
  const head = readHeader(header.fields);
  if ("problems" in head) {
    report(header.line, head.problems);
    return { ok: false, errors: sorted(byLine) };
  }
  if (records.length === 0 && byLine.size === 0) {
    report(header.line, [{ column: null, code: "noRows" }]);
    return { ok: false, errors: sorted(byLine) };
  }

  const rows: ValidRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const record of records) {
    if (record.fields.length !== header.fields.length) {
      report(record.line, [{ column: null, code: "fieldCount", params: { expected: header.fields.length, found: record.fields.length } }]);
      continue;
    }
    const draft = Object.fromEntries(CONTRACT_COLUMNS.map((c) => [c, record.fields[head.index[c]]])) as ContractDraft;
    const result = validateDraft(draft, { today: options.today });
    const contractNo = draft.contract_no.trim();
    const problems = result.ok ? [] : result.problems;
    if (contractNo !== "") {
      const first = firstLineOf.get(contractNo);
      if (first !== undefined) problems.push({ column: "contract_no", code: "duplicateInFile", params: { value: contractNo, other: first } });
      else firstLineOf.set(contractNo, record.line);
    }
    if (result.ok && problems.length === 0) rows.push({ line: record.line, value: result.value });
    else report(record.line, problems);
  }

  // Contract numbers already in the registry: looked up for every row whose number could be read.
  const numbers = [...firstLineOf.keys()];
  for (let i = 0; i < numbers.length; i += LOOKUP_BATCH) {
    const batch = numbers.slice(i, i + LOOKUP_BATCH);
    const taken = await db.selectFrom("contracts").select("contract_no").where("contract_no", "in", batch).execute();
    for (const { contract_no } of taken)
      report(firstLineOf.get(contract_no) as number, [{ column: "contract_no", code: "alreadyRegistered", params: { value: contract_no } }]);
    options.onProgress?.({ phase: "check", done: Math.min(i + LOOKUP_BATCH, numbers.length), total: numbers.length });
  }

  if (byLine.size > 0) return { ok: false, errors: sorted(byLine) };
  return { ok: true, rows };
}

function sorted(byLine: Map<number, Problem[]>): LineError[] {
  return [...byLine.entries()].sort(([a], [b]) => a - b).map(([line, problems]) => ({ line, problems }));
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}

/**
 * Imports a CSV file of contracts (columns as in CONTRACT_COLUMNS): all rows or none. Every row is validated first;
 * if any is bad nothing is written and every bad line is returned. Good files are inserted in batches inside one
 * transaction, with one audit-log entry for the import.
 */
export async function importContractsCsv(db: Kysely<DB>, input: Uint8Array | string, options: ImportOptions = {}): Promise<ImportResult> {
  const checked = await validateContractsCsv(db, input, options);
  if (!checked.ok) return checked;
  const { rows } = checked;
  const batchSize = options.batchSize ?? 1000;
  try {
    return await inTransaction(db, async (trx) => {
      let first: string | null = null;
      let last: string | null = null;
      for (let i = 0; i < rows.length; i += batchSize) {
        const values: NewContract[] = rows.slice(i, i + batchSize).map(({ value: v }) => ({
          contract_no: v.contractNo,
          signed_on: v.signedOn,
          type: v.type,
          field: v.field,
          seller: v.seller,
          seller_type: v.sellerType,
          buyer: v.buyer,
          buyer_region: v.buyerRegion,
          amount_fen: v.amountFen,
          technical_income_fen: v.technicalIncomeFen,
          source: "import",
          registered_by: options.registeredBy ?? null,
        }));
        const inserted = await trx.insertInto("contracts").values(values).returning(["id", "certificate_no"]).execute();
        first ??= inserted[0]?.certificate_no ?? null;
        last = inserted[inserted.length - 1]?.certificate_no ?? last;
        options.onProgress?.({ phase: "insert", done: Math.min(i + batchSize, rows.length), total: rows.length });
      }
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: options.registeredBy ?? null,
          action: "contract.import",
          subject_type: "contract_import",
          subject_id: first ?? "",
          detail: { file: options.fileName ?? null, contracts: rows.length, first_certificate: first, last_certificate: last },
        })
        .execute();
      return { ok: true as const, imported: rows.length, firstCertificate: first, lastCertificate: last };
    });
  } catch (error) {
    // Someone registered one of these numbers between the check and the insert: report which, as a fresh check would.
    if (isUniqueViolation(error)) {
      const again = await validateContractsCsv(db, input, { today: options.today });
      if (!again.ok) return again;
    }
    throw error;
  }
}
