// Large sums written in units (万元 / 亿元, K / M / B). Every compact format in the app picks its unit here, in whole
// fen, so none of them can print "10000.0万元": a sum that rounds up to the next unit is written in that unit.

/** A unit a sum can be written in: its size in fen, its decimals, its label, and whether its whole part is grouped. */
export interface AmountUnit {
  fen: number;
  decimals: number;
  label: string;
  grouped?: boolean;
}

/** n / d rounded half up, exactly (non-negative safe integers). */
function roundDiv(n: number, d: number): number {
  const q = Math.floor(n / d);
  const rest = n - q * d;
  return rest * 2 >= d ? q + 1 : q;
}

/**
 * `fen` in the largest of `units` (smallest first) that it reaches once rounded: 999,960 fen is 1.0万, not 9,999.6 or
 * 10,000元. The value is the absolute amount with the unit's decimals; the sign is apart, for formats that put a
 * currency sign before it.
 */
export function inUnits(fen: number, units: readonly AmountUnit[]): { sign: string; value: string; unit: AmountUnit } {
  const abs = Math.abs(fen);
  const step = (u: AmountUnit) => u.fen / 10 ** u.decimals;
  let i = units.length - 1;
  while (i > 0 && abs < units[i].fen) i -= 1;
  while (i < units.length - 1 && roundDiv(abs, step(units[i])) * step(units[i]) >= units[i + 1].fen) i += 1;
  const unit = units[i];
  const steps = roundDiv(abs, step(unit));
  const scale = 10 ** unit.decimals;
  const whole = Math.floor(steps / scale);
  const wholeText = unit.grouped ? whole.toLocaleString("en") : String(whole);
  const value = unit.decimals > 0 ? `${wholeText}.${String(steps % scale).padStart(unit.decimals, "0")}` : wholeText;
  return { sign: fen < 0 && steps > 0 ? "-" : "", value, unit };
}

/** "12.50" → "12.5", "3.00" → "3"; whole numbers stay as they are. */
export function withoutTrailingZeros(value: string): string {
  return value.includes(".") ? value.replace(/\.?0+$/, "") : value;
}
