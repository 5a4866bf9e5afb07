import type { Locale } from "~/i18n";
import { type AmountUnit, inUnits, withoutTrailingZeros } from "~/i18n/amounts";

const HALL: Record<Locale, readonly AmountUnit[]> = {
  "zh-CN": [
    { fen: 100, decimals: 0, label: "元", grouped: true },
    { fen: 1_000_000, decimals: 1, label: "万元" },
    { fen: 10_000_000_000, decimals: 2, label: "亿元" },
  ],
  en: [
    { fen: 100, decimals: 0, label: "yuan", grouped: true },
    { fen: 100_000_000, decimals: 1, label: "m yuan" },
    { fen: 100_000_000_000, decimals: 2, label: "bn yuan" },
  ],
};

const CARD: Record<Locale, readonly AmountUnit[]> = {
  "zh-CN": HALL["zh-CN"],
  en: [
    { fen: 100, decimals: 0, label: "" },
    { fen: 100_000, decimals: 1, label: "k" },
    { fen: 100_000_000, decimals: 2, label: "m" },
  ],
};

/** A sum split into number and unit the way the hall reads it: 亿元 with two decimals, 万元 with one, else 元. */
export function amountParts(fen: number, locale: Locale): { value: string; unit: string } {
  const { sign, value, unit } = inUnits(fen, HALL[locale]);
  return { value: `${sign}${value}`, unit: unit.label };
}

/** A price on a card: "120万元", "12.5万元", "3,000元" ("¥1.2m", "¥12.5k", "¥300"). */
export function compactPrice(fen: number, locale: Locale): string {
  const { sign, value, unit } = inUnits(fen, CARD[locale]);
  return `${sign}${locale === "en" ? "¥" : ""}${withoutTrailingZeros(value)}${unit.label}`;
}
