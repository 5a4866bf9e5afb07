import account from "./messages/account";
import audit from "./messages/audit";
import auth from "./messages/auth";
import bureau from "./messages/bureau";
import catalogue from "./messages/catalogue";
import checkout from "./messages/checkout";
import common from "./messages/common";
import payouts from "./messages/payouts";
import storefront from "./messages/storefront";
import vouchers from "./messages/vouchers";
import { type AmountUnit, inUnits, withoutTrailingZeros } from "./amounts";

// Each capability keeps its strings in app/i18n/messages/<name>.ts ({ "zh-CN": {...}, en: {...} }, same keys);
// add it to this list.
const catalogues = [common, auth, account, audit, bureau, catalogue, vouchers, storefront, checkout, payouts];

export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "zh-CN";

type Messages = Record<string, string>;
const messages: Record<Locale, Messages> = {
  "zh-CN": Object.assign({}, ...catalogues.map((c) => c["zh-CN"])),
  en: Object.assign({}, ...catalogues.map((c) => c.en)),
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** Looks a key up in the locale, falling back to Chinese, then to the key itself; `{name}` is replaced from params. */
export function translator(locale: Locale): Translate {
  return (key, params) => {
    const template = messages[locale][key] ?? messages[DEFAULT_LOCALE][key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

/** The translator for a route's `meta` function, in the locale the root loader chose for the request. */
export function metaTranslator(matches: readonly { id: string; data?: unknown }[]): Translate {
  const locale = (matches.find((m) => m.id === "root")?.data as { locale?: unknown } | undefined)?.locale;
  return translator(isLocale(locale) ? locale : DEFAULT_LOCALE);
}

export function hasMessage(key: string): boolean {
  return key in messages[DEFAULT_LOCALE];
}

/** Formats integer fen as yuan for display: 1234500 → "¥12,345" (zh) with fen shown only when non-zero. */
export function formatFen(fen: number, locale: Locale): string {
  const yuan = fen / 100;
  const hasFen = fen % 100 !== 0;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "CNY",
    minimumFractionDigits: hasFen ? 2 : 0,
    maximumFractionDigits: 2,
  }).format(yuan);
}

const COMPACT_ZH: readonly AmountUnit[] = [
  { fen: 100, decimals: 0, label: "元" },
  { fen: 1_000_000, decimals: 1, label: "万元" },
  { fen: 10_000_000_000, decimals: 2, label: "亿元" },
];
// Not Intl's compact notation: Node's and the browsers' ICU disagree on it ("CN¥4.50B" / "CN¥4.5B"), and a page
// rendered on the server must read the same in the browser.
const COMPACT_EN: readonly AmountUnit[] = [
  { fen: 100, decimals: 2, label: "" },
  { fen: 100_000, decimals: 2, label: "K" },
  { fen: 100_000_000, decimals: 2, label: "M" },
  { fen: 100_000_000_000, decimals: 2, label: "B" },
];

/** Large sums the way a bureau writes them: 万元 / 亿元 in Chinese, K / M / B in English. */
export function formatFenCompact(fen: number, locale: Locale): string {
  if (locale === "zh-CN") {
    const { sign, value, unit } = inUnits(fen, COMPACT_ZH);
    return `${sign}${value}${unit.label}`;
  }
  const { sign, value, unit } = inUnits(fen, COMPACT_EN);
  return `${sign}CN¥${withoutTrailingZeros(value)}${unit.label}`;
}
