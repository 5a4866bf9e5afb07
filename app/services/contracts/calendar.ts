// Calendar days as 'YYYY-MM-DD' strings. Contracts are signed on calendar days, so no time zone ever enters the
// arithmetic: everything here works on year, month and day numbers.

export interface YearMonthDay {
  year: number;
  month: number;
  day: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** 'YYYY-MM-DD' → its parts, or null when it is not written that way or names no real day (2023-02-29). */
export function parseIsoDate(text: string): YearMonthDay | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isIsoDate(text: string): boolean {
  return parseIsoDate(text) !== null;
}

export function formatIsoDate({ year, month, day }: YearMonthDay): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function mustParse(date: string): YearMonthDay {
  const parts = parseIsoDate(date);
  if (!parts) throw new RangeError(`not a calendar date: ${date}`);
  return parts;
}

/** Days since 1970-01-01 (proleptic Gregorian), for day arithmetic without Date objects' time zones. */
function toEpochDay({ year, month, day }: YearMonthDay): number {
  return Math.round(Date.UTC(year, month - 1, day) / 86_400_000);
}

function fromEpochDay(n: number): YearMonthDay {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function addDays(date: string, days: number): string {
  return formatIsoDate(fromEpochDay(toEpochDay(mustParse(date)) + days));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return toEpochDay(mustParse(to)) - toEpochDay(mustParse(from));
}

export function firstOfMonth(date: string): string {
  const p = mustParse(date);
  return formatIsoDate({ ...p, day: 1 });
}

export function lastOfMonth(date: string): string {
  const p = mustParse(date);
  return formatIsoDate({ ...p, day: daysInMonth(p.year, p.month) });
}

/** The first day of the month `months` after the month of `date` (negative goes back). */
export function addMonths(date: string, months: number): string {
  const p = mustParse(date);
  const index = p.year * 12 + (p.month - 1) + months;
  return formatIsoDate({ year: Math.floor(index / 12), month: (index % 12) + 1, day: 1 });
}

/** Today in China (UTC+8, no daylight saving), where the bureau works. */
export function todayInChina(now: Date = new Date()): string {
  const shifted = new Date(now.getTime() + 8 * 3_600_000);
  return formatIsoDate({ year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() });
}
