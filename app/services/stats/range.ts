import { addDays, addMonths, daysInMonth, firstOfMonth, formatIsoDate, isLeapYear, lastOfMonth, parseIsoDate } from "../contracts/calendar";

/** Calendar days, both ends inclusive, 'YYYY-MM-DD'. */
export interface DateRange {
  from: string;
  to: string;
}

/**
 * The same range one year earlier. Each end moves back one year; 29 February becomes 28 February, and an end date on
 * the last day of February stays on the last day of February, so "January–February 2025" compares with
 * "January–February 2024" including 29 February (and a range ending 2024-02-29 with one ending 2023-02-28).
 */
export function previousYearRange(range: DateRange): DateRange {
  const shift = (date: string, end: boolean): string => {
    const p = parseIsoDate(date);
    if (!p) throw new RangeError(`not a calendar date: ${date}`);
    const year = p.year - 1;
    if (p.month === 2 && (p.day === 29 || (end && p.day === daysInMonth(p.year, 2))))
      return formatIsoDate({ year, month: 2, day: end ? (isLeapYear(year) ? 29 : 28) : 28 });
    return formatIsoDate({ year, month: p.month, day: p.day });
  };
  return { from: shift(range.from, false), to: shift(range.to, true) };
}

/**
 * numerator / denominator in percent, rounded half away from zero to two decimals, computed in integers (BigInt) so
 * sums of fen in the billions never meet floating-point error. Null when the denominator is 0.
 */
export function ratioPct(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  const n = BigInt(numerator) * 10_000n;
  const d = BigInt(denominator);
  let q = n / d;
  const r = n % d;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  if (2n * abs(r) >= abs(d)) q += n < 0n !== d < 0n ? -1n : 1n;
  return Number(q) / 100;
}

/** Growth in percent against the previous value, two decimals; null when the previous value is 0. */
export function growthPct(current: number, previous: number): number | null {
  return ratioPct(current - previous, previous);
}

/**
 * Splits a range into the whole calendar months it covers (read from the monthly rollup) and the days at either end
 * that do not fill a month (read from the daily rollup). A one-year range thus reads at most twelve months' rows plus
 * under two months of days, however many contracts there are.
 */
export function splitRange(range: DateRange): { months: DateRange | null; days: DateRange[] } {
  const firstWhole = range.from === firstOfMonth(range.from) ? range.from : addMonths(range.from, 1);
  const lastWholeEnd = range.to === lastOfMonth(range.to) ? range.to : addDays(firstOfMonth(range.to), -1);
  if (firstWhole > lastWholeEnd) return { months: null, days: [range] };
  const days: DateRange[] = [];
  if (range.from < firstWhole) days.push({ from: range.from, to: addDays(firstWhole, -1) });
  if (lastWholeEnd < range.to) days.push({ from: addDays(lastWholeEnd, 1), to: range.to });
  return { months: { from: firstWhole, to: firstOfMonth(lastWholeEnd) }, days };
}

/** Every month a range touches, as 'YYYY-MM'. */
export function monthsOf(range: DateRange): string[] {
  const out: string[] = [];
  for (let m = firstOfMonth(range.from); m <= range.to; m = addMonths(m, 1)) out.push(m.slice(0, 7));
  return out;
}
