import { makeCreditCode } from "../../app/services/accounts/credit-code";
import type { IpType } from "../schema";
import type { Rng } from "./random";

// Identifiers that look and check like real ones: unified social credit codes whose 9-character body is itself a
// valid organisation code (GB 11714), and Chinese patent numbers with their check digit.

/** Credit-code letters (no I, O, Z, S, V), usable inside the organisation-code body too. */
const CODE_LETTERS = "ABCDEFGHJKLMNPQRTUWXY";
const DIGITS = "0123456789";

/** GB 11714 check character of an 8-character organisation code: weights 3,7,9,10,5,8,4,2 mod 11; 10 → X. */
export function organisationCodeCheckChar(first8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = first8[i];
    const value = ch >= "0" && ch <= "9" ? Number(ch) : ch.charCodeAt(0) - 55; // A = 10 … Z = 35
    sum += value * weights[i];
  }
  const c = 11 - (sum % 11);
  return c === 10 ? "X" : c === 11 ? "0" : String(c);
}

export type CreditCodeKind = "public_institution" | "government" | "enterprise";

const PREFIX: Record<CreditCodeKind, string> = {
  public_institution: "12", // 机构编制 · 事业单位
  government: "11", // 机构编制 · 机关
  enterprise: "91", // 工商 · 企业
};

/** A valid, not yet used credit code for an organisation of this kind registered in `area` (6-digit GB/T 2260). */
export function uniqueCreditCode(rng: Rng, kind: CreditCodeKind, area: string, used: Set<string>): string {
  for (;;) {
    let first8: string;
    if (kind === "enterprise" && rng.chance(0.65)) {
      // Registered after 2015: organisation code "MA" + 6 characters.
      first8 = "MA" + Array.from({ length: 6 }, () => rng.pick((DIGITS + CODE_LETTERS).split(""))).join("");
    } else {
      // Older registration: an 8-digit organisation code (public bodies in Henan start with 4).
      const lead = kind === "enterprise" ? rng.pick(["1", "6", "7"]) : "4";
      first8 = lead + String(rng.int(0, 9_999_999)).padStart(7, "0");
    }
    const code = makeCreditCode(PREFIX[kind], area, first8 + organisationCodeCheckChar(first8));
    if (!used.has(code)) {
      used.add(code);
      return code;
    }
  }
}

/** Check digit of a 12-digit CN patent application number: weights 2…9,2…5 mod 11; 10 → X. */
export function patentCheckDigit(digits12: string): string {
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits12[i]) * weights[i];
  const c = sum % 11;
  return c === 10 ? "X" : String(c);
}

/** IP item status codes used by the seed. */
export type IpStatus = "granted" | "pending" | "registered" | "protected";

const PATENT_KIND_DIGIT: Partial<Record<IpType, string>> = { invention_patent: "1", utility_model: "2", design_patent: "3" };

/**
 * A plausible, unique number for an IP item, or null for a trade secret. Granted patents: ZL + application number
 * (ZL202110123456.7); pending inventions: the bare application number; software copyright 2021SR0123456; IC layout
 * BS.215012345; plant variety CNA20191234.5.
 */
export function ipNumber(rng: Rng, type: IpType, status: IpStatus, used: Set<string>): string | null {
  if (type === "trade_secret") return null;
  for (;;) {
    let number: string;
    const kindDigit = PATENT_KIND_DIGIT[type];
    if (kindDigit) {
      const year = status === "pending" ? rng.int(2022, 2025) : type === "invention_patent" ? rng.int(2013, 2022) : rng.int(2016, 2024);
      const digits = `${year}${kindDigit}${String(rng.int(100, 1_999_999)).padStart(7, "0")}`;
      number = `${status === "granted" ? "ZL" : ""}${digits}.${patentCheckDigit(digits)}`;
    } else if (type === "software_copyright") {
      number = `${rng.int(2016, 2025)}SR${String(rng.int(1, 1_999_999)).padStart(7, "0")}`;
    } else if (type === "ic_layout") {
      number = `BS.${String(rng.int(16, 24))}5${String(rng.int(0, 999_999)).padStart(6, "0")}`;
    } else {
      number = `CNA${rng.int(2014, 2023)}${String(rng.int(1, 9999)).padStart(4, "0")}.${rng.int(0, 9)}`;
    }
    if (!used.has(number)) {
      used.add(number);
      return number;
    }
  }
}
