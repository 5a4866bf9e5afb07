// 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-character alphabet (no I, O, Z, S, V); the last is a
// check character computed from the first 17 with the weights 3^i mod 31.
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17[i]);
    if (value < 0) throw new Error(`invalid character ${first17[i]} at position ${i + 1}`);
    sum += value * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

export type CreditCodeProblem = "length" | "characters" | "checksum";

/** Returns why a code is invalid, or null when it is valid. Lower-case input is accepted and upper-cased. */
export function creditCodeProblem(code: string): CreditCodeProblem | null {
  const c = code.trim().toUpperCase();
  if (c.length !== 18) return "length";
  for (const ch of c) if (!ALPHABET.includes(ch)) return "characters";
  return creditCodeCheckChar(c.slice(0, 17)) === c[17] ? null : "checksum";
}

export function normaliseCreditCode(code: string): string {
  return code.trim().toUpperCase();
}

/** Builds a valid code from a registration authority/type prefix, a 6-digit area code and a 9-character body. */
export function makeCreditCode(prefix: string, area: string, body: string): string {
  const first17 = `${prefix}${area}${body}`;
  if (first17.length !== 17) throw new Error("prefix + area + body must be 17 characters");
  return first17 + creditCodeCheckChar(first17);
}
