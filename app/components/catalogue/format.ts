import type { Locale, Translate } from "~/i18n";

// Small formatting helpers shared by the catalogue pages. Dates are shown in China's time zone on server and browser
// alike, so the server-rendered HTML and the hydrated page agree.

export function formatDate(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

export function formatDateTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

/** A service message (i18n key + params) in the reader's language; a status code in params is translated too. */
export function messageText(t: Translate, message: { key: string; params?: Record<string, string | number> }): string {
  const params = { ...message.params };
  if (typeof params.status === "string") params.status = t(`catalogue.status.${params.status}`);
  if (typeof params.action === "string") params.action = t(`catalogue.action.${params.action}`);
  return t(message.key, params);
}
