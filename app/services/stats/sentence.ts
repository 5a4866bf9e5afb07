import type { Locale } from "../../i18n";
import { type AmountUnit, inUnits } from "../../i18n/amounts";
import { lastOfMonth, parseIsoDate } from "../contracts/calendar";
import type { DateRange } from "./range";
import type { TurnoverSummary } from "./turnover";

// The sentence a bureau publishes: "2020年全市技术合同成交1,059项，成交额53.8亿元，同比增长11.62%".

const BUREAU_ZH: readonly AmountUnit[] = [
  { fen: 100, decimals: 0, label: "元", grouped: true },
  { fen: 1_000_000, decimals: 1, label: "万元", grouped: true },
  { fen: 10_000_000_000, decimals: 1, label: "亿元", grouped: true },
];
const BUREAU_EN: readonly AmountUnit[] = [
  { fen: 100, decimals: 0, label: "", grouped: true },
  { fen: 100_000_000, decimals: 1, label: " million", grouped: true },
  { fen: 100_000_000_000, decimals: 1, label: " billion", grouped: true },
];

/** A sum of money the way a bureau writes it: 亿元 with one decimal from 1亿 up, else 万元 with one decimal, else 元. */
export function bureauAmount(fen: number, locale: Locale): string {
  const { sign, value, unit } = inUnits(fen, locale === "en" ? BUREAU_EN : BUREAU_ZH);
  return locale === "en" ? `¥${sign}${value}${unit.label}` : `${sign}${value}${unit.label}`;
}

/** "2020年", "2024年1—6月", "2024年3月", or "2024年3月15日至2025年3月14日" (and English equivalents). */
export function periodLabel(range: DateRange, locale: Locale): string {
  const a = parseIsoDate(range.from);
  const b = parseIsoDate(range.to);
  if (!a || !b) return `${range.from} – ${range.to}`;
  const wholeMonths = a.day === 1 && range.to === lastOfMonth(range.to);
  const monthName = (m: number) => new Intl.DateTimeFormat("en", { month: "long", timeZone: "UTC" }).format(Date.UTC(2000, m - 1, 1));
  if (locale === "en") {
    if (a.year === b.year && wholeMonths) {
      if (a.month === 1 && b.month === 12) return `${a.year}`;
      if (a.month === b.month) return `${monthName(a.month)} ${a.year}`;
      return `${monthName(a.month)}–${monthName(b.month)} ${a.year}`;
    }
    return `${range.from} to ${range.to}`;
  }
  if (a.year === b.year && wholeMonths) {
    if (a.month === 1 && b.month === 12) return `${a.year}年`;
    if (a.month === b.month) return `${a.year}年${a.month}月`;
    return `${a.year}年${a.month}—${b.month}月`;
  }
  if (a.year === b.year) return `${a.year}年${a.month}月${a.day}日至${b.month}月${b.day}日`;
  return `${a.year}年${a.month}月${a.day}日至${b.year}年${b.month}月${b.day}日`;
}

function pct(value: number): string {
  return value.toFixed(2);
}

/**
 * The published sentence for a summary, e.g. "2020年全市技术合同成交1,059项，成交额53.8亿元，同比增长11.62%。"
 * Growth is that of the contract value; without contracts a year earlier the comparison is left out.
 */
export function bureauSentence(summary: TurnoverSummary, locale: Locale): string {
  const label = periodLabel(summary, locale);
  const count = summary.contracts.toLocaleString(locale === "en" ? "en" : "zh-CN");
  const amount = bureauAmount(summary.amount_fen, locale);
  const income = bureauAmount(summary.technical_income_fen, locale);
  const g = summary.growth.amount_pct;
  if (locale === "en") {
    const growth =
      g === null ? "" : g > 0 ? `, up ${pct(g)}% year on year` : g < 0 ? `, down ${pct(-g)}% year on year` : ", level with a year earlier";
    const when = label.includes(" to ") ? `From ${label}` : `In ${label}`;
    return `${when} the city registered ${count} technology contracts worth ${amount}${growth}; technical income ${income}.`;
  }
  const growth = g === null ? "" : g > 0 ? `，同比增长${pct(g)}%` : g < 0 ? `，同比下降${pct(-g)}%` : "，与上年同期持平";
  return `${label}全市技术合同成交${count}项，成交额${amount}${growth}；其中技术交易额${income}。`;
}
