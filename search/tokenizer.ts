import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict";

/**
 * Text → terms for the embedded engine. Chinese is segmented with jieba (the dictionary Meilisearch's tokenizer also
 * uses): documents in search mode (words plus their dictionary sub-words, so 锂离子 is also found by 离子) and queries in
 * precise mode. HMM guessing is off so the same text always segments the same way on both sides.
 */

let jieba: Jieba | undefined;
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

const WORD = /[\p{L}\p{N}]/u;
const HAN = /\p{Script=Han}/u;
const LATIN_WORD = /^[a-z]+$/;

export function hasHan(text: string): boolean {
  return HAN.test(text);
}

/** NFKC (full-width → ASCII), lower case, and Latin accents dropped. */
export function normalizeTerm(token: string): string {
  // Fast paths for the common cases (plain ASCII, Chinese): this runs for every word of every document.
  if (ASCII.test(token)) return token.toLowerCase();
  const lowered = token.normalize("NFKC").toLowerCase();
  return HAN.test(lowered) ? lowered : lowered.normalize("NFD").replace(/\p{M}+/gu, "");
}
const ASCII = /^[ -~]*$/; // printable ASCII (tokens never hold control characters)

/** Every term of a document's text (duplicates included; the caller de-duplicates per field). */
export function indexTerms(text: string): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const token of segmenter().cutForSearch(text.normalize("NFKC"), false)) {
    if (WORD.test(token)) out.push(normalizeTerm(token));
  }
  return out;
}

export interface QueryTerm {
  term: string;
  /** Lower-case Latin letters only: may tolerate typos and be completed as a prefix. */
  latin: boolean;
}

/** The distinct words of a query, in order. */
export function queryTerms(text: string): QueryTerm[] {
  const seen = new Set<string>();
  const out: QueryTerm[] = [];
  for (const token of segmenter().cut(text.normalize("NFKC"), false)) {
    if (!WORD.test(token)) continue;
    const term = normalizeTerm(token);
    if (seen.has(term)) continue;
    seen.add(term);
    out.push({ term, latin: LATIN_WORD.test(term) });
  }
  return out;
}

/** The text cut into tokens that concatenate back to it exactly, each with its normalised form (for highlighting). */
export function highlightTokens(text: string): { text: string; term: string | null }[] {
  return segmenter()
    .cut(text, false)
    .map((token) => ({ text: token, term: WORD.test(token) ? normalizeTerm(token) : null }));
}

// ---- identifiers (patent, software copyright and other registration numbers) ----

const IDENTIFIER = /^[A-Z]{0,4}\d[\dA-Z.\-/]*$/;
const PREFIXED = /^(ZL|CN)(?=\d)/;

/** Upper case, full-width folded, spaces removed: the form identifiers are compared in. */
export function normalizeIdentifier(raw: string): string {
  return raw.normalize("NFKC").toUpperCase().replace(/\s+/g, "");
}

/**
 * Keys an IP number is matched by: the normalised number, and without its ZL/CN prefix, so "ZL202310123456.7",
 * "CN202310123456.7" and "202310123456.7" all find it, while a number one digit off finds nothing.
 */
export function identifierKeys(raw: string): string[] {
  const n = normalizeIdentifier(raw);
  if (!n) return [];
  const bare = n.replace(PREFIXED, "");
  return bare !== n ? [n, bare] : [n];
}

/** A query word that looks like a registration number: optional letters, then at least seven digits in all. */
export function isIdentifier(word: string): boolean {
  const n = normalizeIdentifier(word);
  return IDENTIFIER.test(n) && (n.match(/\d/g)?.length ?? 0) >= 7;
}

/** Splits a query into the identifiers it names (matched exactly) and the rest (searched as text). */
export function splitIdentifiers(query: string): { identifiers: string[]; text: string } {
  const identifiers: string[] = [];
  const rest: string[] = [];
  for (const word of query.split(/\s+/)) {
    if (!word) continue;
    const trimmed = word.replace(/^[(（"'“‘《【[]+|[)）"'”’》】\],，。;；、:：]+$/g, "");
    if (isIdentifier(trimmed)) identifiers.push(normalizeIdentifier(trimmed));
    else rest.push(word);
  }
  // Keep the original trailing space: it tells the engine the last word is complete (no prefix search).
  const trailing = /\s$/.test(query) && rest.length > 0 ? " " : "";
  return { identifiers, text: rest.join(" ") + trailing };
}
