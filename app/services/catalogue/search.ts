import { performance } from "node:perf_hooks";
import type { Kysely } from "kysely";
import { z } from "zod";
import { FIELD_CODES, IP_TYPES, TRANSFER_MODES, type DB, type FieldCode, type IpType, type TransferMode } from "../../../db/schema";
import { FACET_ATTRIBUTES, modePriceAttribute, trlBand } from "../../../search/settings";
import { splitIdentifiers, identifierKeys } from "../../../search/tokenizer";
import {
  HIGHLIGHT_POST,
  HIGHLIGHT_PRE,
  type EngineHit,
  type FacetAttribute,
  type FilterClause,
  type SearchEngine,
  type SearchRequest,
  type TrlBand,
} from "../../../search/types";
import { listPublicFromDatabase, type DatabaseListingRow } from "./listings";
import { inPublicity, publicityEndsAt, staleBefore } from "./visibility";

export { recordListingChange } from "../../../search/outbox";

/** The storefront's search: parameters, the engine query they become, and the page of results that comes back. */

export const SORTS = ["relevance", "newest", "price_asc", "price_desc"] as const;
export type ResultSort = (typeof SORTS)[number];
export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
export const MAX_PAGE = 10_000;
export const MAX_QUERY_LENGTH = 200;

export interface ResultSearchParams {
  q: string;
  /** Any of these fields (empty: all). */
  field: FieldCode[];
  /** Offered in this mode; price filters and price sorts then use this mode's price. */
  mode: TransferMode | null;
  trl_min: number | null;
  trl_max: number | null;
  /** Yuan, inclusive. Without a mode: some fixed-priced mode is within range. Negotiable never matches. */
  price_min: number | null;
  price_max: number | null;
  /** Institution id, or its exact name as shown in the facet. */
  institution: number | string | null;
  region: string | null;
  /** Has an IP item of any of these types (empty: all). */
  ip_type: IpType[];
  /** Voucher-eligible only. */
  voucher: boolean;
  sort: ResultSort;
  page: number;
  per_page: number;
}

export function defaultSearchParams(overrides: Partial<ResultSearchParams> = {}): ResultSearchParams {
  return {
    q: "",
    field: [],
    mode: null,
    trl_min: null,
    trl_max: null,
    price_min: null,
    price_max: null,
    institution: null,
    region: null,
    ip_type: [],
    voucher: false,
    sort: "relevance",
    page: 1,
    per_page: DEFAULT_PER_PAGE,
    ...overrides,
  };
}

// ---- parsing URL query parameters (public API, storefront URLs) ----

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`));
const yuan = z
  .string()
  .regex(/^\d+(\.\d{1,2})?$/, "must be an amount in yuan (at most 2 decimals)")
  .transform(Number)
  .pipe(z.number().max(1e12, "is too large"));
const listOf = <T extends string>(values: readonly T[], name: string) =>
  z
    .string()
    .transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values as readonly [T, ...T[]], { message: `must be ${name} codes: ${values.join(", ")}` })).max(values.length));

const querySchema = z
  .object({
    q: z.string().max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`).default(""),
    field: listOf(FIELD_CODES, "field").optional(),
    mode: z.enum(TRANSFER_MODES, { message: `must be one of ${TRANSFER_MODES.join(", ")}` }).optional(),
    trl_min: intIn(1, 9).optional(),
    trl_max: intIn(1, 9).optional(),
    price_min: yuan.optional(),
    price_max: yuan.optional(),
    institution: z.string().trim().min(1, "must be an institution id or name").max(200).optional(),
    region: z.string().trim().min(1).max(100).optional(),
    ip_type: listOf(IP_TYPES, "IP type").optional(),
    voucher: z.enum(["true", "false"], { message: "must be true or false" }).optional(),
    sort: z.enum(SORTS, { message: `must be one of ${SORTS.join(", ")}` }).default("relevance"),
    page: intIn(1, MAX_PAGE).default(1),
    per_page: intIn(1, MAX_PER_PAGE).default(DEFAULT_PER_PAGE),
  })
  .strict()
  .refine((p) => p.trl_min === undefined || p.trl_max === undefined || p.trl_min <= p.trl_max, {
    path: ["trl_max"],
    message: "must not be below trl_min",
  })
  .refine((p) => p.price_min === undefined || p.price_max === undefined || p.price_min <= p.price_max, {
    path: ["price_max"],
    message: "must not be below price_min",
  });

export type ParsedSearchQuery = { ok: true; params: ResultSearchParams } | { ok: false; parameter: string; message: string };

/** URL query → search parameters, or the first bad parameter (unknown and repeated parameters are bad too). */
export function parseResultSearchQuery(search: URLSearchParams): ParsedSearchQuery {
  const raw: Record<string, string> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    if (values.length > 1) return { ok: false, parameter: key, message: "must be given once (use commas for several values)" };
    raw[key] = values[0];
  }
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys") return { ok: false, parameter: issue.keys[0], message: "is not a known parameter" };
    return { ok: false, parameter: String(issue.path[0] ?? "query"), message: issue.message };
  }
  const p = parsed.data;
  return {
    ok: true,
    params: defaultSearchParams({
      q: p.q,
      field: p.field ?? [],
      mode: p.mode ?? null,
      trl_min: p.trl_min ?? null,
      trl_max: p.trl_max ?? null,
      price_min: p.price_min ?? null,
      price_max: p.price_max ?? null,
      institution: p.institution === undefined ? null : /^\d+$/.test(p.institution) ? Number(p.institution) : p.institution,
      region: p.region ?? null,
      ip_type: p.ip_type ?? [],
      voucher: p.voucher === "true",
      sort: p.sort,
      page: p.page,
      per_page: p.per_page,
    }),
  };
}

// ---- the engine request ----

const toFen = (yuanAmount: number) => Math.round(yuanAmount * 100);

/** What the engine is asked; only public listings (listed, not stale) are ever asked for. */
export function buildSearchRequest(params: ResultSearchParams, now = new Date()): SearchRequest {
  const { identifiers, text } = splitIdentifiers(params.q);
  const filters: FilterClause[] = [
    { attribute: "status", in: ["listed"] },
    { attribute: "confirmed_at", min: staleBefore(now).getTime() },
  ];
  for (const id of identifiers) filters.push({ attribute: "ip_keys", in: identifierKeys(id) });
  if (params.field.length > 0) filters.push({ attribute: "field", in: params.field });
  if (params.mode) filters.push({ attribute: "modes", in: [params.mode] });
  if (params.trl_min !== null || params.trl_max !== null) {
    filters.push({ attribute: "trl", min: params.trl_min ?? 1, max: params.trl_max ?? 9 });
  }
  if (params.price_min !== null || params.price_max !== null) {
    filters.push({
      attribute: params.mode ? modePriceAttribute(params.mode) : "prices",
      ...(params.price_min === null ? {} : { min: toFen(params.price_min) }),
      ...(params.price_max === null ? {} : { max: toFen(params.price_max) }),
    });
  }
  if (typeof params.institution === "number") filters.push({ attribute: "institution_id", in: [params.institution] });
  else if (typeof params.institution === "string") filters.push({ attribute: "institution", in: [params.institution] });
  if (params.region) filters.push({ attribute: "region", in: [params.region] });
  if (params.ip_type.length > 0) filters.push({ attribute: "ip_types", in: params.ip_type });
  if (params.voucher) filters.push({ attribute: "voucher_eligible", in: [true] });

  const priceAttribute = params.mode ? modePriceAttribute(params.mode) : "price_min";
  const hasText = text.trim().length > 0;
  const sort: SearchRequest["sort"] =
    params.sort === "newest" || (params.sort === "relevance" && !hasText)
      ? { attribute: "listed_at", direction: "desc" }
      : params.sort === "price_asc"
        ? { attribute: priceAttribute, direction: "asc" }
        : params.sort === "price_desc"
          ? { attribute: priceAttribute, direction: "desc" }
          : null;
  return { text, filters, facets: [...FACET_ATTRIBUTES], sort, page: params.page, perPage: params.per_page };
}

// ---- results ----

/** A piece of highlighted text: render `match` pieces emphasised (as text, never as HTML). */
export interface HighlightSegment {
  text: string;
  match: boolean;
}

export interface ResultHit {
  id: number;
  title: string;
  title_en: string | null;
  summary: string;
  field: FieldCode;
  trl: number;
  trl_band: TrlBand;
  modes: { mode: TransferMode; price_fen: number | null }[];
  ip_types: IpType[];
  institution_id: number;
  institution: string;
  region: string | null;
  voucher_eligible: boolean;
  state_funded: boolean;
  in_publicity: boolean;
  publicity_ends_at: string | null;
  listed_at: string;
  confirmed_at: string;
  highlight: { title: HighlightSegment[]; title_en: HighlightSegment[] | null; summary: HighlightSegment[] };
}

export type SearchFacets = Record<FacetAttribute, Record<string, number>>;

export interface SearchResultsPage {
  hits: ResultHit[];
  total: number;
  page: number;
  per_page: number;
  /** Value → count among all matches, per facet (empty objects when degraded). */
  facets: SearchFacets;
  /** Server-side time of the whole search, in milliseconds. */
  took_ms: number;
  /** True when the engine could not answer and this is a plain newest-first database listing. */
  degraded: boolean;
  engine: SearchEngine["kind"] | "database";
}

/** Splits engine-marked text into plain and matched pieces. */
export function highlightSegments(marked: string): HighlightSegment[] {
  const out: HighlightSegment[] = [];
  let rest = marked;
  while (rest.length > 0) {
    const start = rest.indexOf(HIGHLIGHT_PRE);
    if (start < 0) break;
    const end = rest.indexOf(HIGHLIGHT_POST, start + HIGHLIGHT_PRE.length);
    if (end < 0) break;
    if (start > 0) out.push({ text: rest.slice(0, start), match: false });
    const matched = rest.slice(start + HIGHLIGHT_PRE.length, end);
    if (matched) out.push({ text: matched, match: true });
    rest = rest.slice(end + HIGHLIGHT_POST.length);
  }
  const tail = rest.replaceAll(HIGHLIGHT_PRE, "").replaceAll(HIGHLIGHT_POST, "");
  if (tail) out.push({ text: tail, match: false });
  // Merge neighbours of the same kind (engines may mark adjacent words separately).
  return out.reduce<HighlightSegment[]>((acc, s) => {
    const last = acc[acc.length - 1];
    if (last && last.match === s.match) last.text += s.text;
    else acc.push({ ...s });
    return acc;
  }, []);
}

const plain = (text: string): HighlightSegment[] => (text ? [{ text, match: false }] : []);

function hitFromEngine({ document: d, highlight }: EngineHit, now: Date): ResultHit {
  const ends = publicityEndsAt({ state_funded: d.state_funded, negotiable: d.negotiable, listed_at: d.listed_at });
  return {
    id: d.id,
    title: d.title,
    title_en: d.title_en,
    summary: d.summary,
    field: d.field,
    trl: d.trl,
    trl_band: d.trl_band,
    modes: d.mode_prices,
    ip_types: d.ip_types,
    institution_id: d.institution_id,
    institution: d.institution,
    region: d.region,
    voucher_eligible: d.voucher_eligible,
    state_funded: d.state_funded,
    in_publicity: inPublicity({ state_funded: d.state_funded, negotiable: d.negotiable, listed_at: d.listed_at }, now),
    publicity_ends_at: ends ? ends.toISOString() : null,
    listed_at: new Date(d.listed_at).toISOString(),
    confirmed_at: new Date(d.confirmed_at).toISOString(),
    highlight: {
      title: highlightSegments(highlight.title ?? d.title),
      title_en: d.title_en === null ? null : highlightSegments(highlight.title_en ?? d.title_en),
      summary: highlightSegments(highlight.summary ?? d.summary),
    },
  };
}

function hitFromDatabase(r: DatabaseListingRow, now: Date): ResultHit {
  const negotiable = r.modes.some((m) => m.price_fen === null);
  const ends = publicityEndsAt({ state_funded: r.state_funded, negotiable, listed_at: r.listed_at });
  return {
    id: r.id,
    title: r.title,
    title_en: r.title_en,
    summary: r.summary,
    field: r.field,
    trl: r.trl,
    trl_band: trlBand(r.trl),
    modes: r.modes,
    ip_types: r.ip_types,
    institution_id: r.institution_id,
    institution: r.institution,
    region: r.region,
    voucher_eligible: r.voucher_eligible,
    state_funded: r.state_funded,
    in_publicity: ends !== null && now < ends,
    publicity_ends_at: ends ? ends.toISOString() : null,
    listed_at: r.listed_at.toISOString(),
    confirmed_at: r.confirmed_at.toISOString(),
    highlight: { title: plain(r.title), title_en: r.title_en === null ? null : plain(r.title_en), summary: plain(r.summary) },
  };
}

function emptyFacets(): SearchFacets {
  return Object.fromEntries(FACET_ATTRIBUTES.map((f) => [f, {}])) as SearchFacets;
}

export interface SearchOptions {
  now?: Date;
  /** Give up on the engine after this long and answer from the database. */
  timeoutMs?: number;
  log?: (message: string, error: unknown) => void;
}

// After a remote engine fails, skip it for a moment instead of making every request wait for its timeout.
const BREAKER_MS = 5_000;
const openUntil = new WeakMap<SearchEngine, number>();

let lastWarning = 0;
let suppressed = 0;
function warnAtMostEvery10s(message: string, error: unknown): void {
  if (Date.now() - lastWarning < 10_000) {
    suppressed++;
    return;
  }
  const more = suppressed > 0 ? ` (and ${suppressed} more since the last warning)` : "";
  console.warn(`[search] ${message}${more}:`, error instanceof Error ? error.message : error);
  lastWarning = Date.now();
  suppressed = 0;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`search engine did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Searches public listings. Never throws for engine trouble: if the engine is down, slow or still loading, the answer
 * is the newest matching listings from the database with `degraded: true` (no facets, no relevance).
 */
export async function searchResults(
  db: Kysely<DB>,
  engine: SearchEngine,
  params: ResultSearchParams,
  options: SearchOptions = {},
): Promise<SearchResultsPage> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const request = buildSearchRequest(params, now);
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;

  if ((openUntil.get(engine) ?? 0) <= Date.now()) {
    try {
      const result = await withTimeout(engine.search(request), options.timeoutMs ?? 2_000);
      const facets = emptyFacets();
      for (const [name, counts] of Object.entries(result.facets)) facets[name as FacetAttribute] = counts;
      return {
        hits: result.hits.map((h) => hitFromEngine(h, now)),
        total: result.total,
        page: params.page,
        per_page: params.per_page,
        facets,
        took_ms: elapsed(),
        degraded: false,
        engine: engine.kind,
      };
    } catch (error) {
      if (engine.kind === "meilisearch") openUntil.set(engine, Date.now() + BREAKER_MS);
      (options.log ?? warnAtMostEvery10s)("search engine unavailable, listing from the database", error);
    }
  }

  const { identifiers, text } = splitIdentifiers(params.q);
  const { rows, total } = await listPublicFromDatabase(
    db,
    {
      text,
      identifiers,
      fields: params.field,
      mode: params.mode,
      trlMin: params.trl_min,
      trlMax: params.trl_max,
      priceMinFen: params.price_min === null ? null : toFen(params.price_min),
      priceMaxFen: params.price_max === null ? null : toFen(params.price_max),
      institutionId: typeof params.institution === "number" ? params.institution : null,
      institutionName: typeof params.institution === "string" ? params.institution : null,
      region: params.region,
      ipTypes: params.ip_type,
      voucher: params.voucher,
    },
    { offset: (params.page - 1) * params.per_page, limit: params.per_page },
    now,
  );
  return {
    hits: rows.map((r) => hitFromDatabase(r, now)),
    total,
    page: params.page,
    per_page: params.per_page,
    facets: emptyFacets(),
    took_ms: elapsed(),
    degraded: true,
    engine: "database",
  };
}
