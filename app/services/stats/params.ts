import { formatIsoDate, isIsoDate, parseIsoDate, todayInChina } from "../contracts/calendar";
import type { DateRange } from "./range";
import { GROUP_BYS, type GroupBy } from "./turnover";

export type RangeParseResult = { ok: true; range: DateRange } | { ok: false; parameter: string; message: string };

const MIN_DATE = "1900-01-01";
const MAX_DATE = "9999-12-31";
/** A public endpoint answers month by month: a range of centuries would be a denial of service, not a question. */
const MAX_YEARS = 100;

function readDate(params: URLSearchParams, name: "from" | "to"): { ok: true; value: string | null } | { ok: false; message: string } {
  const raw = params.get(name);
  if (raw === null || raw.trim() === "") return { ok: true, value: null };
  const value = raw.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return { ok: false, message: `${name} must be a date written YYYY-MM-DD, got "${raw}"` };
  if (!isIsoDate(value)) return { ok: false, message: `${name} is not a real date: ${value}` };
  if (value < MIN_DATE || value > MAX_DATE) return { ok: false, message: `${name} must lie between ${MIN_DATE} and ${MAX_DATE}` };
  return { ok: true, value };
}

/**
 * Reads `from` and `to` (both inclusive). With `defaults`, a missing date takes the default; without, both are
 * required. An error names the parameter at fault (`to` when the range runs backwards).
 */
export function parseRangeParams(params: URLSearchParams, defaults?: DateRange): RangeParseResult {
  const from = readDate(params, "from");
  if (!from.ok) return { ok: false, parameter: "from", message: from.message };
  const to = readDate(params, "to");
  if (!to.ok) return { ok: false, parameter: "to", message: to.message };
  const range = { from: from.value ?? defaults?.from, to: to.value ?? defaults?.to };
  if (!range.from) return { ok: false, parameter: "from", message: "from is required (YYYY-MM-DD)" };
  if (!range.to) return { ok: false, parameter: "to", message: "to is required (YYYY-MM-DD)" };
  if (range.from > range.to) return { ok: false, parameter: "to", message: `to (${range.to}) is before from (${range.from})` };
  if (Number(range.to.slice(0, 4)) - Number(range.from.slice(0, 4)) > MAX_YEARS)
    return { ok: false, parameter: "to", message: `the range may span at most ${MAX_YEARS} years` };
  return { ok: true, range: { from: range.from, to: range.to } };
}

export function parseGroupBy(params: URLSearchParams): { ok: true; groupBy: GroupBy | null } | { ok: false; parameter: string; message: string } {
  const raw = params.get("group_by");
  if (raw === null || raw === "") return { ok: true, groupBy: null };
  if ((GROUP_BYS as readonly string[]).includes(raw)) return { ok: true, groupBy: raw as GroupBy };
  return { ok: false, parameter: "group_by", message: `group_by must be one of ${GROUP_BYS.join(", ")}, got "${raw}"` };
}

export interface RangePreset {
  id: "ytd" | "lastYear" | "last3";
  range: DateRange;
}

/** The dashboard's presets: this year to date (the default), last calendar year, and the last three years to date. */
export function rangePresets(today: string = todayInChina()): RangePreset[] {
  const p = parseIsoDate(today);
  if (!p) throw new RangeError(`not a calendar date: ${today}`);
  const jan1 = (year: number) => formatIsoDate({ year, month: 1, day: 1 });
  return [
    { id: "ytd", range: { from: jan1(p.year), to: today } },
    { id: "lastYear", range: { from: jan1(p.year - 1), to: formatIsoDate({ year: p.year - 1, month: 12, day: 31 }) } },
    { id: "last3", range: { from: jan1(p.year - 2), to: today } },
  ];
}
