import type { FieldCode, IpType, TransferMode } from "../db/schema";

/**
 * What the index holds for one listed technology result. Built from the database by search/documents.ts; times are
 * epoch milliseconds and money is integer fen so both engines can filter and sort on them.
 */
export type ListingDocument = ListingDocumentFields & Partial<Record<`price_${TransferMode}`, number>>;

interface ListingDocumentFields {
  id: number;
  status: "listed" | "reserved";
  title: string;
  title_en: string | null;
  summary: string;
  /** Plain text of the Markdown description (searched, never returned in hits). */
  description: string;
  keywords: string[];
  inventors: string[];
  field: FieldCode;
  trl: number;
  trl_band: TrlBand;
  /** Every mode offered, with its price; price_fen null is negotiable (面议). */
  mode_prices: { mode: TransferMode; price_fen: number | null }[];
  modes: TransferMode[];
  /** Fixed prices of all modes (fen): "any fixed-priced mode in range" filters on this. */
  prices: number[];
  /** Lowest fixed price (fen), the sort key for price sorts without a mode; null when every mode is negotiable. */
  price_min: number | null;
  price_bands: PriceBand[];
  negotiable: boolean;
  ip_types: IpType[];
  /** IP numbers as written, for display and (in Meilisearch) typo-free text search. */
  ip_numbers: string[];
  /** Normalised IP numbers for exact matching (see search/tokenizer.ts identifierKeys). */
  ip_keys: string[];
  institution_id: number;
  institution: string;
  region: string | null;
  voucher_eligible: boolean;
  state_funded: boolean;
  listed_at: number;
  /** When the owner last confirmed the listing (listed_at if never): the staleness rule filters on it. */
  confirmed_at: number;
}
// Plus, per mode with a fixed price, price_<mode> in fen (absent when that mode is negotiable or not offered).

/** A hit: the document without its long description. */
export type StoredDocument = Omit<ListingDocument, "description">;

export const TRL_BANDS = ["lab", "pilot", "industrial"] as const;
export type TrlBand = (typeof TRL_BANDS)[number];

export const PRICE_BANDS = ["under_100k", "100k_500k", "500k_1m", "1m_5m", "over_5m", "negotiable"] as const;
export type PriceBand = (typeof PRICE_BANDS)[number];

/** Attributes a filter may name. Matching on an array attribute means "any element matches". */
export type FilterAttribute =
  | "id"
  | "status"
  | "field"
  | "trl"
  | "trl_band"
  | "modes"
  | "ip_types"
  | "ip_keys"
  | "institution"
  | "institution_id"
  | "region"
  | "voucher_eligible"
  | "state_funded"
  | "negotiable"
  | "price_bands"
  | "prices"
  | "price_min"
  | `price_${TransferMode}`
  | "listed_at"
  | "confirmed_at";

export type FacetAttribute =
  | "field"
  | "trl"
  | "trl_band"
  | "modes"
  | "ip_types"
  | "institution"
  | "region"
  | "price_bands"
  | "voucher_eligible"
  | "state_funded";

export type SortAttribute = "listed_at" | "price_min" | `price_${TransferMode}`;

export type FilterValue = string | number | boolean;

/** One clause; a request's clauses are ANDed. `in` with no values matches nothing. Ranges are inclusive. */
export type FilterClause =
  | { attribute: FilterAttribute; in: FilterValue[] }
  | { attribute: FilterAttribute; min?: number; max?: number };

export interface SearchRequest {
  /** Free text; "" browses everything that passes the filters. */
  text: string;
  filters: FilterClause[];
  facets: FacetAttribute[];
  /** null ranks by relevance (ties: newest first). */
  sort: { attribute: SortAttribute; direction: "asc" | "desc" } | null;
  /** 1-based. */
  page: number;
  perPage: number;
}

/** Highlighted text marks each match between HIGHLIGHT_PRE and HIGHLIGHT_POST (never HTML: the caller renders). */
export const HIGHLIGHT_PRE = "\uE000";
export const HIGHLIGHT_POST = "\uE001";
export const HIGHLIGHTED_ATTRIBUTES = ["title", "title_en", "summary"] as const;
export type HighlightedAttribute = (typeof HIGHLIGHTED_ATTRIBUTES)[number];

export interface EngineHit {
  document: StoredDocument;
  highlight: Partial<Record<HighlightedAttribute, string>>;
}

export interface EngineResult {
  hits: EngineHit[];
  /** Exact count of documents matching text and filters. */
  total: number;
  /** Value → count over the matching documents, values sorted by count (at most MAX_FACET_VALUES each). */
  facets: Partial<Record<FacetAttribute, Record<string, number>>>;
}

/** The engine cannot answer (down, unreachable, still loading): callers fall back to the database. */
export class SearchUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SearchUnavailableError";
  }
}

/** A fresh index being filled by a reindex; swapIn makes it the live index atomically. */
export interface IndexBuild {
  readonly uid: string;
  add(documents: ListingDocument[]): Promise<void>;
  swapIn(): Promise<void>;
  abort(): Promise<void>;
}

export interface SearchEngine {
  readonly kind: "embedded" | "meilisearch";
  /** The live index's name. */
  readonly indexUid: string;
  /** Creates the live index if missing and applies the settings; idempotent. */
  prepare(): Promise<void>;
  /** Adds or replaces documents; resolves only once the engine has confirmed them. */
  upsert(documents: ListingDocument[]): Promise<void>;
  /** Removes documents by id (missing ids are fine); resolves once confirmed. */
  remove(ids: number[]): Promise<void>;
  search(request: SearchRequest): Promise<EngineResult>;
  /** Number of documents in the live index. */
  count(): Promise<number>;
  beginBuild(): Promise<IndexBuild>;
  close(): Promise<void>;
}
