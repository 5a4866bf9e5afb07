// Yuan amounts as people type them ("1234", "1234.5", "1234.56") ↔ integer fen, by string arithmetic only: a float
// never touches money (0.29 * 100 is 28.999999999999996 in binary floating point).

/** Largest accepted amount: 13 integer digits of yuan keeps every fen value a safe integer. */
const MAX_YUAN_DIGITS = 13;

export type YuanProblem = "required" | "negativeAmount" | "tooManyDecimals" | "badAmount" | "amountTooLarge";

export type ParsedYuan = { ok: true; fen: number } | { ok: false; problem: YuanProblem };

export function parseYuanToFen(input: string): ParsedYuan {
  const text = input.trim();
  if (text === "") return { ok: false, problem: "required" };
  if (/^-\d+(\.\d+)?$/.test(text) && /[1-9]/.test(text)) return { ok: false, problem: "negativeAmount" };
  if (/^-?\d+\.\d{3,}$/.test(text)) return { ok: false, problem: "tooManyDecimals" };
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return { ok: false, problem: "badAmount" };
  const whole = m[1].replace(/^0+(?=\d)/, "");
  if (whole.length > MAX_YUAN_DIGITS) return { ok: false, problem: "amountTooLarge" };
  const fraction = (m[2] ?? "").padEnd(2, "0");
  // At most 15 digits: exactly representable, so Number() is exact here.
  return { ok: true, fen: Number(whole + fraction) };
}

/** Integer fen → yuan with two decimals ("1234.50"), exact for every safe integer. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${fen}`);
  const digits = String(Math.abs(fen)).padStart(3, "0");
  return `${fen < 0 ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
