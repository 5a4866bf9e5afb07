import { z } from "zod";
import { FIELD_CODES, IP_TYPES, TRANSFER_MODES, type FieldCode, type IpType, type TransferMode } from "../../../db/schema";
import { REGIONS, type Region } from "../accounts/regions";

// What a technology result is made of, validated once for the web form, the bulk import and anything else that
// writes one. Messages are i18n keys (app/i18n/messages/catalogue.ts) with params: services never format text.

export const LIMITS = {
  title: 200,
  titleEn: 300,
  summary: 500,
  description: 20_000,
  keyword: 30,
  keywords: 20,
  inventor: 50,
  inventors: 30,
  ipItems: 20,
  ipNumber: 50,
  contactName: 50,
  contactPhone: 30,
  contactEmail: 254,
  /** a reviewer's reason for a rejection */
  reason: 1000,
} as const;

/** Legal status of an IP item (codes; labels are catalogue.ipStatus.<code>). The demo seed uses the same codes. */
export const IP_STATUSES = ["granted", "pending", "registered", "protected"] as const;
export type IpStatus = (typeof IP_STATUSES)[number];

/** A result as the catalogue stores it: money in integer fen, null price = negotiable (面议). */
export interface ResultInput {
  title: string;
  title_en: string | null;
  summary: string;
  description: string;
  field: FieldCode;
  keywords: string[];
  trl: number;
  ip: { type: IpType; number: string | null; status: IpStatus }[];
  modes: { mode: TransferMode; price_fen: number | null }[];
  inventors: string[];
  region: Region | null;
  state_funded: boolean;
  voucher_eligible: boolean;
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
}

/** One problem with the input: where (a path into the JSON shape), and an i18n key with its params. */
export interface Problem {
  path: (string | number)[];
  key: string;
  params?: Record<string, string | number>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

// ---- money ---------------------------------------------------------------------------------------------------

/** Up to 10 integer digits of yuan (under 100亿元): every fen value stays far inside the safe-integer range. */
export const MAX_PRICE_YUAN_DIGITS = 10;

export type YuanResult = { ok: true; fen: number } | { ok: false; key: string };

/**
 * A price in yuan → integer fen by string arithmetic only: "12.34" → 1234. No float ever holds the money (0.29 * 100
 * is 28.999999999999996). A JSON number is read through its shortest decimal form (String(12.34) is "12.34", the
 * digits that were written), then treated like the string. Refused: blank, negative, zero, more than two decimals
 * ("0.001"), exponents, anything that is not a plain decimal, and amounts of 10^10 yuan or more.
 */
export function parseYuanToFen(value: unknown): YuanResult {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { ok: false, key: "catalogue.error.price.invalid" };
    if (value < 0) return { ok: false, key: "catalogue.error.price.negative" };
    text = String(value);
    // Only tiny or huge numbers print with an exponent.
    if (/e/i.test(text)) return { ok: false, key: value >= 1 ? "catalogue.error.price.tooLarge" : "catalogue.error.price.tooManyDecimals" };
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return { ok: false, key: "catalogue.error.price.invalid" };
  }
  if (text === "") return { ok: false, key: "catalogue.error.price.required" };
  // Thousands separators as people type them: "12,345.50".
  if (/^-?\d{1,3}(,\d{3})+(\.\d*)?$/.test(text)) text = text.replace(/,/g, "");
  if (/^-\s*\d/.test(text)) return { ok: false, key: "catalogue.error.price.negative" };
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return { ok: false, key: "catalogue.error.price.invalid" };
  const whole = m[1].replace(/^0+(?=\d)/, "");
  const decimals = (m[2] ?? "").replace(/0+$/, "");
  if (decimals.length > 2) return { ok: false, key: "catalogue.error.price.tooManyDecimals" };
  if (whole.length > MAX_PRICE_YUAN_DIGITS) return { ok: false, key: "catalogue.error.price.tooLarge" };
  // At most 12 digits: Number() of a digit string this short is exact.
  const fen = Number(whole + decimals.padEnd(2, "0"));
  if (fen === 0) return { ok: false, key: "catalogue.error.price.zero" };
  return { ok: true, fen };
}

/** Integer fen → the yuan string a form shows ("1234.5" for 123450): exact for every safe integer. */
export function fenToYuanInput(fen: number): string {
  const digits = String(fen).padStart(3, "0");
  const fraction = digits.slice(-2).replace(/0+$/, "");
  return fraction ? `${digits.slice(0, -2)}.${fraction}` : digits.slice(0, -2);
}

// ---- the schema ----------------------------------------------------------------------------------------------

const blankToNull = (v: unknown) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? null : v);
const textError = (iss: { input: unknown }) => (iss.input === undefined || iss.input === null ? "catalogue.error.required" : "catalogue.error.notText");

/** A missing code is "required"; a wrong one gets the specific message (which quotes it). */
const codeError = (key: string) => (iss: { input: unknown }) => (iss.input === undefined || iss.input === null ? "catalogue.error.required" : key);

function requiredText(max: number) {
  return z.string({ error: textError }).trim().min(1, "catalogue.error.required").max(max, "catalogue.error.tooLong");
}

function optionalText(max: number) {
  return z.preprocess(blankToNull, z.string({ error: "catalogue.error.notText" }).trim().max(max, "catalogue.error.tooLong").nullable());
}

/** A list of short texts: trimmed, blanks dropped, duplicates dropped (first kept). */
function textList(itemMax: number, countMax: number) {
  return z.preprocess(
    (v) => (v === undefined || v === null ? [] : v),
    z
      .array(z.string({ error: "catalogue.error.notText" }).trim().max(itemMax, "catalogue.error.tooLong"), { error: "catalogue.error.notList" })
      .transform((items) => [...new Set(items.filter((s) => s !== ""))])
      .refine((items) => items.length <= countMax, { message: "catalogue.error.tooMany", params: { max: countMax } }),
  );
}

const booleanFlag = z.preprocess((v) => (v === undefined || v === null ? false : v), z.boolean({ error: "catalogue.error.notBoolean" }));

const ipItemSchema = z
  .strictObject({
    type: z.enum(IP_TYPES, { error: codeError("catalogue.error.ipType") }),
    number: optionalText(LIMITS.ipNumber),
    status: z.enum(IP_STATUSES, { error: codeError("catalogue.error.ipStatus") }),
  })
  .superRefine((item, ctx) => {
    // Every kind of IP but a trade secret has a registration or application number a buyer can check.
    if (item.type !== "trade_secret" && item.number === null) ctx.addIssue({ code: "custom", path: ["number"], message: "catalogue.error.ipNumberRequired" });
  });

const modeSchema = z.strictObject({
  mode: z.enum(TRANSFER_MODES, { error: codeError("catalogue.error.mode") }),
  // null: negotiable (面议). A missing key is an error: "no price" must be said on purpose.
  price_yuan: z.unknown().transform((v, ctx): number | null => {
    if (v === null) return null;
    if (v === undefined) {
      ctx.addIssue({ code: "custom", message: "catalogue.error.price.missing" });
      return z.NEVER;
    }
    const parsed = parseYuanToFen(v);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.key, params: { max: MAX_PRICE_YUAN_DIGITS } });
      return z.NEVER;
    }
    return parsed.fen;
  }),
});

const modesSchema = z
  .array(modeSchema, { error: "catalogue.error.notList" })
  .min(1, "catalogue.error.modesRequired")
  .superRefine((modes, ctx) => {
    const seen = new Set<string>();
    modes.forEach((m, i) => {
      if (seen.has(m.mode)) ctx.addIssue({ code: "custom", path: [i, "mode"], message: "catalogue.error.modeDuplicate", params: { value: m.mode } });
      seen.add(m.mode);
    });
  })
  .transform((modes) =>
    modes
      .map((m) => ({ mode: m.mode, price_fen: m.price_yuan }))
      .sort((a, b) => TRANSFER_MODES.indexOf(a.mode) - TRANSFER_MODES.indexOf(b.mode)),
  );

/** The result's own keys, in the JSON shape of the bulk import (prices in yuan). */
export const resultShape = {
  title: requiredText(LIMITS.title),
  title_en: optionalText(LIMITS.titleEn),
  summary: requiredText(LIMITS.summary),
  description: z.preprocess(
    (v) => (v === undefined || v === null ? "" : v),
    z.string({ error: "catalogue.error.notText" }).max(LIMITS.description, "catalogue.error.tooLong").transform((s) => s.replace(/\r\n?/g, "\n").trim()),
  ),
  field: z.enum(FIELD_CODES, { error: codeError("catalogue.error.field") }),
  keywords: textList(LIMITS.keyword, LIMITS.keywords),
  trl: z.preprocess(
    (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: (iss) => (iss.input === undefined || iss.input === null ? "catalogue.error.required" : "catalogue.error.trl") })
      .int("catalogue.error.trl")
      .min(1, "catalogue.error.trl")
      .max(9, "catalogue.error.trl"),
  ),
  ip: z.preprocess(
    (v) => (v === undefined || v === null ? [] : v),
    z.array(ipItemSchema, { error: "catalogue.error.notList" }).max(LIMITS.ipItems, "catalogue.error.tooMany"),
  ),
  modes: z.preprocess((v) => (v === undefined || v === null ? [] : v), modesSchema),
  inventors: textList(LIMITS.inventor, LIMITS.inventors),
  region: z.preprocess(blankToNull, z.enum(REGIONS, { error: "catalogue.error.region" }).nullable()),
  state_funded: booleanFlag,
  voucher_eligible: booleanFlag,
  contact_name: optionalText(LIMITS.contactName),
  contact_phone: z.preprocess(
    blankToNull,
    z
      .string({ error: "catalogue.error.notText" })
      .trim()
      .max(LIMITS.contactPhone, "catalogue.error.tooLong")
      .regex(/^\+?[0-9][0-9\- ()]{4,}$/, "catalogue.error.phone")
      .nullable(),
  ),
  contact_email: z.preprocess(
    blankToNull,
    z
      .string({ error: "catalogue.error.notText" })
      .trim()
      .toLowerCase()
      .max(LIMITS.contactEmail, "catalogue.error.email")
      .pipe(z.email({ error: "catalogue.error.email" }))
      .nullable(),
  ),
};

export const resultSchema = z.strictObject(resultShape);

/** The keys a result may carry in JSON (the bulk import adds `institution`). */
export const RESULT_KEYS = Object.keys(resultShape) as (keyof typeof resultShape)[];

/** Reads a value at a path of the raw input, to quote what was given in a message. */
export function valueAt(raw: unknown, path: readonly (string | number | symbol)[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p as string | number];
  }
  return v;
}

function quote(v: unknown): string {
  const text = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Zod issues → problems with i18n keys and the params their messages use. */
export function problemsFrom(error: z.ZodError, raw: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push({ path: [...path, key], key: "catalogue.error.unknownKey", params: { value: key } });
      continue;
    }
    const key = issue.message.startsWith("catalogue.") ? issue.message : "catalogue.error.invalid";
    const params: Record<string, string | number> = {};
    if (issue.code === "too_big") params.max = Number(issue.maximum);
    if (issue.code === "too_small") params.min = Number(issue.minimum);
    if (issue.code === "custom" && issue.params) {
      for (const [k, v] of Object.entries(issue.params)) if (typeof v === "string" || typeof v === "number") params[k] = v;
    }
    const given = valueAt(raw, path);
    if (given !== undefined && params.value === undefined) params.value = quote(given);
    problems.push(Object.keys(params).length > 0 ? { path, key, params } : { path, key });
  }
  return problems;
}

/** Validates a result in the JSON shape (prices as price_yuan). */
export function parseResultInput(raw: unknown): Parsed<ResultInput> {
  const parsed = resultSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: problemsFrom(parsed.error, raw) };
  return { ok: true, value: parsed.data as ResultInput };
}

/** "modes[1].price_yuan": a problem's path as the import reports it (indexes from 0, like jq). */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${p}` : p), "");
}

/** Every problem on one line of an imported file (lines numbered from 1). */
export interface LineError {
  line: number;
  problems: Problem[];
}

/**
 * "line 3: trl: …; modes[0].price_yuan: …": one report line per bad input line, the reasons in the translator's
 * language. The command line keeps "line N" (the issue's format); the page passes a localised label. Lives here, not
 * in import.ts, so the import page can format in the browser without pulling in server code.
 */
export function formatLineError(
  error: LineError,
  t: (key: string, params?: Record<string, string | number>) => string,
  lineLabel: (line: number) => string = (line) => `line ${line}`,
): string {
  const parts = error.problems.map((p) => {
    const where = formatPath(p.path);
    const message = t(p.key, p.params);
    return where ? `${where}: ${message}` : message;
  });
  return `${lineLabel(error.line)}: ${parts.join("; ")}`;
}

// ---- the web form --------------------------------------------------------------------------------------------

/** How many IP rows the form offers at most. */
export const FORM_IP_ROWS_MAX = LIMITS.ipItems;

/** Splits a typed list on commas, enumeration commas, semicolons or new lines (Chinese or Latin punctuation). */
export function splitList(text: string): string[] {
  return text
    .split(/[,，、;；\n\r]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The form's field names: `price.<mode>` for a mode's price, `ip.<row>.<key>` for an IP row. */
export type FormValues = Record<string, string>;

export interface FormParse {
  result: Parsed<ResultInput>;
  /** field name → first problem, for field-level messages */
  fieldErrors: Record<string, Problem>;
  /** what was typed, to fill the form again */
  values: FormValues;
}

type FormSource = { get(name: string): FormDataEntryValue | null };

function text(form: FormSource, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

/**
 * Reads the result form: mode checkboxes `mode.<m>` with `pricing.<m>` = fixed | negotiable and `price.<m>` in
 * yuan, IP rows `ip.<i>.type|number|status` (blank rows ignored), lists typed with separators. Problems come back
 * keyed by the form field they belong to.
 */
export function parseResultForm(form: FormSource): FormParse {
  const values: FormValues = {};
  const keep = (name: string) => {
    values[name] = text(form, name);
    return values[name];
  };
  for (const name of ["title", "title_en", "summary", "description", "field", "trl", "region", "keywords", "inventors", "contact_name", "contact_phone", "contact_email"])
    keep(name);
  for (const name of ["state_funded", "voucher_eligible"]) keep(name);

  const modes: { mode: string; price_yuan: string | null }[] = [];
  const modeField: string[] = [];
  for (const mode of TRANSFER_MODES) {
    const on = keep(`mode.${mode}`) !== "";
    const pricing = keep(`pricing.${mode}`);
    const price = keep(`price.${mode}`);
    if (!on) continue;
    modes.push({ mode, price_yuan: pricing === "negotiable" ? null : price });
    modeField.push(`price.${mode}`);
  }

  const ip: { type: string; number: string; status: string }[] = [];
  const ipRow: number[] = [];
  for (let i = 0; i < FORM_IP_ROWS_MAX; i++) {
    const type = keep(`ip.${i}.type`);
    const number = keep(`ip.${i}.number`);
    const status = keep(`ip.${i}.status`);
    if (!type.trim() && !number.trim() && !status.trim()) continue;
    ip.push({ type, number, status });
    ipRow.push(i);
  }
  for (const key of Object.keys(values)) if (values[key] === "") delete values[key];

  const raw = {
    title: values.title ?? "",
    title_en: values.title_en ?? null,
    summary: values.summary ?? "",
    description: values.description ?? "",
    field: values.field ?? undefined,
    keywords: splitList(values.keywords ?? ""),
    trl: values.trl ?? undefined,
    ip: ip.map((row) => ({ type: row.type || undefined, number: row.number, status: row.status || undefined })),
    modes,
    inventors: splitList(values.inventors ?? ""),
    region: values.region ?? null,
    state_funded: values.state_funded === "true",
    voucher_eligible: values.voucher_eligible === "true",
    contact_name: values.contact_name ?? null,
    contact_phone: values.contact_phone ?? null,
    contact_email: values.contact_email ?? null,
  };
  const result = parseResultInput(raw);
  const fieldErrors: Record<string, Problem> = {};
  if (!result.ok) {
    for (const problem of result.problems) {
      const [top, index, sub] = problem.path;
      let name = String(top ?? "form");
      if (top === "modes" && typeof index === "number") name = sub === "price_yuan" ? modeField[index] : "modes";
      else if (top === "ip" && typeof index === "number") name = `ip.${ipRow[index]}.${String(sub ?? "type")}`;
      fieldErrors[name] ??= problem;
    }
  }
  return { result, fieldErrors, values };
}

/** The form's values for a stored result (edit page). */
export function formValuesOf(input: ResultInput): FormValues {
  const values: FormValues = {
    title: input.title,
    title_en: input.title_en ?? "",
    summary: input.summary,
    description: input.description,
    field: input.field,
    trl: String(input.trl),
    region: input.region ?? "",
    keywords: input.keywords.join("，"),
    inventors: input.inventors.join("，"),
    contact_name: input.contact_name ?? "",
    contact_phone: input.contact_phone ?? "",
    contact_email: input.contact_email ?? "",
  };
  if (input.state_funded) values.state_funded = "true";
  if (input.voucher_eligible) values.voucher_eligible = "true";
  for (const m of input.modes) {
    values[`mode.${m.mode}`] = "true";
    values[`pricing.${m.mode}`] = m.price_fen === null ? "negotiable" : "fixed";
    if (m.price_fen !== null) values[`price.${m.mode}`] = fenToYuanInput(m.price_fen);
  }
  input.ip.forEach((item, i) => {
    values[`ip.${i}.type`] = item.type;
    values[`ip.${i}.number`] = item.number ?? "";
    values[`ip.${i}.status`] = item.status;
  });
  return values;
}
