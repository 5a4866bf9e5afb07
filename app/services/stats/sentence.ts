import type { Locale } from "../../i18n";
import { lastOfMonth, parseIsoDate } from "../contracts/calendar";
import type { DateRange } from "./range";
import type { TurnoverSummary } from "./turnover";

// The sentence a bureau publishes: "2020年全市技术合同成交1,059项，成交额53.8亿元，同比增长11.62%".

/** Rounds a non-negative integer division half up, exactly (both operands are safe integers). */
function roundDiv(n: number, d: number): number {
  const q = Math.floor(n / d);
  return n - q * d >= d - (n - q * d) ? q + 1 : q;
}

/** A sum of money the way a bureau writes it: 亿元 with one decimal from 1亿 up, else 万元 with one decimal, else 元. */
export function bureauAmount(fen: number, locale: Locale): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  const oneDecimal = (tenths: number) =>
    `${sign}${Math.floor(tenths / 10).toLocaleString(locale === "en" ? "en" : "zh-CN")}.${tenths % 10}`;
  if (locale === "en") {
    if (abs >= 1e11) return `¥${oneDecimal(roundDiv(abs, 1e10))} billion`;
    if (abs >= 1e8) return `¥${oneDecimal(roundDiv(abs, 1e7))} million`;
    return `¥${sign}${roundDiv(abs, 100).toLocaleString("en")}`;
  }
  if (abs >= 1e10) return `${oneDecimal(roundDiv(abs, 1e9))}亿元`;
  if (abs >= 1e6) return `${oneDecimal(roundDiv(abs, 1e5))}万元`;
  return `${sign}${roundDiv(abs, 100).toLocaleString("zh-CN")}元`;
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
