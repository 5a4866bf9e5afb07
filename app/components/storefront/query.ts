import type { ResultSearchParams } from "~/services/catalogue/search";
import type { PriceBand, TrlBand } from "../../../search/types";

/**
 * The storefront's URLs, shared by the page's loader and its browser code (so no server imports here).
 *
 * /results uses the public API's parameters (q, field, mode, trl_min, … see services/catalogue/search.ts), so a
 * storefront link and an /api/v1/results query read the same. A plain HTML form cannot write those directly: it sends
 * one `field=` per ticked box, empty `q=`, and a band as one value. normalizeQuery turns what a form sends into that
 * vocabulary: empty values dropped, repeated list parameters joined with commas, `trl=1-3` and `price=100000-499999.99`
 * (yuan) split into their min/max pair, defaults (sort=relevance, page=1) left out.
 */

export const LIST_PARAMETERS = ["field", "ip_type"] as const;

export const TRL_BAND_RANGES: Record<TrlBand, [number, number]> = {
  lab: [1, 3],
  pilot: [4, 6],
  industrial: [7, 9],
};

/** Yuan, inclusive; the same edges as search/settings.ts priceBand (fen-exact: 99,999.99 is the last yuan below 10万). */
export const PRICE_BAND_RANGES: Record<Exclude<PriceBand, "negotiable">, [number | null, number | null]> = {
  under_100k: [null, 99_999.99],
  "100k_500k": [100_000, 499_999.99],
  "500k_1m": [500_000, 999_999.99],
  "1m_5m": [1_000_000, 4_999_999.99],
  over_5m: [5_000_000, null],
};

export function normalizeQuery(raw: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  const lists = new Map<string, string[]>();
  for (const [key, rawValue] of raw) {
    const value = rawValue.trim();
    if (value === "") continue;
    if ((LIST_PARAMETERS as readonly string[]).includes(key)) {
      const list = lists.get(key) ?? [];
      for (const v of value.split(",").map((s) => s.trim())) if (v && !list.includes(v)) list.push(v);
      lists.set(key, list);
      continue;
    }
    if (key === "trl") {
      const m = /^([1-9])-([1-9])$/.exec(value);
      if (m) {
        out.set("trl_min", m[1]);
        out.set("trl_max", m[2]);
        continue;
      }
    }
    if (key === "price") {
      const m = /^(\d+(?:\.\d{1,2})?)?-(\d+(?:\.\d{1,2})?)?$/.exec(value);
      if (m && (m[1] || m[2])) {
        if (m[1]) out.set("price_min", m[1]);
        if (m[2]) out.set("price_max", m[2]);
        continue;
      }
    }
    if ((key === "sort" && value === "relevance") || (key === "page" && value === "1") || (key === "voucher" && value === "false")) continue;
    // Anything else passes as is; a repeated or unknown parameter is the parser's to refuse.
    out.append(key, value);
  }
  for (const [key, list] of lists) if (list.length > 0) out.set(key, list.join(","));
  return out;
}

const yuanText = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** The one URL form of a parsed search (the loader sends it to the page; every link starts from it). */
export function canonicalQuery(p: ResultSearchParams, defaultPerPage: number): string {
  const out = new URLSearchParams();
  if (p.q) out.set("q", p.q);
  if (p.field.length) out.set("field", p.field.join(","));
  if (p.mode) out.set("mode", p.mode);
  if (p.trl_min !== null) out.set("trl_min", String(p.trl_min));
  if (p.trl_max !== null) out.set("trl_max", String(p.trl_max));
  if (p.price_min !== null) out.set("price_min", yuanText(p.price_min));
  if (p.price_max !== null) out.set("price_max", yuanText(p.price_max));
  if (p.institution !== null) out.set("institution", String(p.institution));
  if (p.region) out.set("region", p.region);
  if (p.ip_type.length) out.set("ip_type", p.ip_type.join(","));
  if (p.voucher) out.set("voucher", "true");
  if (p.sort !== "relevance") out.set("sort", p.sort);
  if (p.page !== 1) out.set("page", String(p.page));
  if (p.per_page !== defaultPerPage) out.set("per_page", String(p.per_page));
  return out.toString();
}

/**
 * A /results link from a canonical query with some parameters changed (null removes one). Any change but an explicit
 * page goes back to page 1: a new filter makes the old page number meaningless.
 */
export function resultsHref(query: string, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(query);
  if (!("page" in changes)) next.delete("page");
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(key);
    else next.set(key, value);
  }
  const s = next.toString();
  return s ? `/results?${s}` : "/results";
}

/** The values of a comma list parameter. */
export function listValue(query: URLSearchParams, key: string): string[] {
  return (query.get(key) ?? "").split(",").filter(Boolean);
}

/** `list` with `value` added or removed, as a parameter value (null when empty). */
export function toggled(list: string[], value: string): string | null {
  const next = list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
  return next.length ? next.join(",") : null;
}

/** The form value of the current TRL range ("1-3"), "" when there is none. */
export function trlRangeValue(query: URLSearchParams): string {
  const min = query.get("trl_min");
  const max = query.get("trl_max");
  if (!min && !max) return "";
  return `${min ?? "1"}-${max ?? "9"}`;
}

/** The form value of the current price range ("100000-499999.99", "5000000-"), "" when there is none. */
export function priceRangeValue(query: URLSearchParams): string {
  const min = query.get("price_min");
  const max = query.get("price_max");
  if (!min && !max) return "";
  return `${min ?? ""}-${max ?? ""}`;
}

export function bandRangeValue(range: [number | null, number | null]): string {
  return `${range[0] === null ? "" : yuanText(range[0])}-${range[1] === null ? "" : yuanText(range[1])}`;
}

/** FormData of the search form → the query to navigate to (what normalizeQuery makes of it). */
export function formQuery(form: HTMLFormElement): URLSearchParams {
  const raw = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (typeof value === "string") raw.append(key, value);
  return normalizeQuery(raw);
}
