import { formatFen, type Locale, type Translate } from "~/i18n";

// Formatting shared by the checkout pages. Money parameters of error messages arrive as fen and are shown as yuan.

const MONEY_PARAMS = new Set(["max", "expected", "got", "amount"]);

export function messageText(t: Translate, locale: Locale, message: { key: string; params?: Record<string, string | number> | null }): string {
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(message.params ?? {})) {
    params[name] = MONEY_PARAMS.has(name) && typeof value === "number" ? formatFen(value, locale) : value;
  }
  if (typeof params.status === "string") params.status = t(`checkout.status.${params.status}`);
  if (typeof params.expected === "string") params.expected = t(`checkout.method.${params.expected}`);
  return t(message.key, params);
}

export function formatWhen(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

export function formatDay(isoOrDate: string, locale: Locale): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(isoOrDate) ? new Date(`${isoOrDate}T12:00:00+08:00`) : new Date(isoOrDate);
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Asia/Shanghai" }).format(date);
}

/** A yuan amount for an <input>: 1234567 fen → "12345.67", whole yuan without decimals. */
export function fenToInput(fen: number): string {
  const yuan = Math.floor(fen / 100);
  const rest = fen % 100;
  return rest === 0 ? String(yuan) : `${yuan}.${String(rest).padStart(2, "0")}`;
}
