import type { Settings } from "meilisearch";
import { TRANSFER_MODES, type TransferMode } from "../db/schema";
import type { FacetAttribute, FilterAttribute, PriceBand, SortAttribute, TrlBand } from "./types";

/** The index settings, in code, shared by both engines. */

export const DEFAULT_INDEX_UID = "results";

/** Searchable attributes, most important first: a match in an earlier attribute ranks higher. */
export const SEARCHABLE_ATTRIBUTES = [
  "title",
  "title_en",
  "keywords",
  "ip_numbers",
  "summary",
  "institution",
  "inventors",
  "description",
] as const;
export type SearchableAttribute = (typeof SEARCHABLE_ATTRIBUTES)[number];

/** Identifiers: never typo-tolerant (a patent number one digit off is another patent). */
export const IDENTIFIER_ATTRIBUTES: SearchableAttribute[] = ["ip_numbers"];

/** Chinese-language text attributes (segmented as Mandarin); title_en is English. */
export const CHINESE_ATTRIBUTES: SearchableAttribute[] = ["title", "keywords", "summary", "institution", "inventors", "description"];

export const MODE_PRICE_ATTRIBUTES = TRANSFER_MODES.map((m) => `price_${m}` as const);

export const FILTERABLE_ATTRIBUTES: FilterAttribute[] = [
  "id",
  "status",
  "field",
  "trl",
  "trl_band",
  "modes",
  "ip_types",
  "ip_keys",
  "institution",
  "institution_id",
  "region",
  "voucher_eligible",
  "state_funded",
  "negotiable",
  "price_bands",
  "prices",
  "price_min",
  ...MODE_PRICE_ATTRIBUTES,
  "listed_at",
  "confirmed_at",
];

export const SORTABLE_ATTRIBUTES: SortAttribute[] = ["listed_at", "price_min", ...MODE_PRICE_ATTRIBUTES];

export const FACET_ATTRIBUTES: FacetAttribute[] = [
  "field",
  "trl",
  "trl_band",
  "modes",
  "ip_types",
  "institution",
  "region",
  "price_bands",
  "voucher_eligible",
  "state_funded",
];

/** Values returned per facet (the most frequent first). */
export const MAX_FACET_VALUES = 100;

/** Latin words this long tolerate one typo, and this long two (Meilisearch's defaults, stated so both engines agree). */
export const MIN_WORD_SIZE_ONE_TYPO = 5;
export const MIN_WORD_SIZE_TWO_TYPOS = 9;

/** Exact totals up to this many hits (Meilisearch counts only up to pagination.maxTotalHits). */
export const MAX_TOTAL_HITS = 1_000_000;

/** Embedded engine: description text indexed per document, in characters (bounds memory; titles/summaries are whole). */
export const MAX_INDEXED_DESCRIPTION_CHARS = 4000;

export function trlBand(trl: number): TrlBand {
  return trl <= 3 ? "lab" : trl <= 6 ? "pilot" : "industrial";
}

/** Price bands in fen: under 10万, 10–50万, 50–100万, 100–500万, 500万 and over. */
export function priceBand(priceFen: number | null): PriceBand {
  if (priceFen === null) return "negotiable";
  const yuan = priceFen / 100;
  if (yuan < 100_000) return "under_100k";
  if (yuan < 500_000) return "100k_500k";
  if (yuan < 1_000_000) return "500k_1m";
  if (yuan < 5_000_000) return "1m_5m";
  return "over_5m";
}

export function modePriceAttribute(mode: TransferMode): `price_${TransferMode}` {
  return `price_${mode}`;
}

/** Attributes returned with hits: everything but the long description. */
export const RETRIEVED_ATTRIBUTES = [
  "id",
  "status",
  "title",
  "title_en",
  "summary",
  "keywords",
  "inventors",
  "field",
  "trl",
  "trl_band",
  "mode_prices",
  "modes",
  "prices",
  "price_min",
  "price_bands",
  "negotiable",
  "ip_types",
  "ip_numbers",
  "ip_keys",
  "institution_id",
  "institution",
  "region",
  "voucher_eligible",
  "state_funded",
  "listed_at",
  "confirmed_at",
  ...MODE_PRICE_ATTRIBUTES,
];

/**
 * Meilisearch settings. "sort" ranks first so an explicit sort (newest, price) is strict; without a sort it is a no-op
 * and relevance (words, typo, proximity, attribute, exactness) decides.
 */
export function meilisearchSettings(): Settings {
  return {
    searchableAttributes: [...SEARCHABLE_ATTRIBUTES],
    filterableAttributes: [...FILTERABLE_ATTRIBUTES],
    sortableAttributes: [...SORTABLE_ATTRIBUTES],
    displayedAttributes: [...RETRIEVED_ATTRIBUTES],
    // Equal relevance: newest first, as in the embedded engine.
    rankingRules: ["sort", "words", "typo", "proximity", "attribute", "exactness", "listed_at:desc"],
    typoTolerance: {
      enabled: true,
      minWordSizeForTypos: { oneTypo: MIN_WORD_SIZE_ONE_TYPO, twoTypos: MIN_WORD_SIZE_TWO_TYPOS },
      disableOnAttributes: [...IDENTIFIER_ATTRIBUTES],
      disableOnNumbers: true,
    },
    localizedAttributes: [
      { attributePatterns: [...CHINESE_ATTRIBUTES], locales: ["cmn"] },
      { attributePatterns: ["title_en"], locales: ["eng"] },
    ],
    faceting: { maxValuesPerFacet: MAX_FACET_VALUES, sortFacetValuesBy: { "*": "count" } },
    pagination: { maxTotalHits: MAX_TOTAL_HITS },
  };
}
