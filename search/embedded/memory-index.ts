import { TRANSFER_MODES } from "../../db/schema";
import {
  FILTERABLE_ATTRIBUTES,
  MAX_FACET_VALUES,
  MAX_INDEXED_DESCRIPTION_CHARS,
  MIN_WORD_SIZE_ONE_TYPO,
  MIN_WORD_SIZE_TWO_TYPOS,
} from "../settings";
import { highlightTokens, indexTerms, queryTerms } from "../tokenizer";
import {
  HIGHLIGHT_POST,
  HIGHLIGHT_PRE,
  HIGHLIGHTED_ATTRIBUTES,
  type EngineHit,
  type EngineResult,
  type FacetAttribute,
  type FilterAttribute,
  type ListingDocument,
  type SearchRequest,
  type StoredDocument,
} from "../types";
import {
  BoolColumn,
  KeywordColumn,
  KeywordSetColumn,
  LookupColumn,
  NumberColumn,
  NumberSetColumn,
  type Column,
  type FacetCounter,
  type SlotPredicate,
} from "./columns";
import { Trie } from "./trie";

/**
 * The embedded engine's in-memory index: an inverted index (term → slots with a bit per text attribute) plus typed
 * attribute columns. Queries AND their words (Meilisearch's matchingStrategy "all"), Latin words tolerate typos and
 * the last one completes as a prefix, results rank by typos, then the best attribute matched, then newest.
 *
 * Every document occupies a slot; an update takes a fresh slot and leaves the old one dead, and dead slots are
 * compacted away once they are a quarter of the index.
 */

/** Text attributes, most important first; the bit is 1 << position. ip_numbers is matched as identifiers instead. */
const TEXT_ATTRIBUTES = ["title", "title_en", "keywords", "summary", "institution", "inventors", "description"] as const;
const ATTRIBUTE_WEIGHT = [7, 6, 5, 4, 3, 2, 1];

// Score of one query word in one document, from the bit mask of attributes it appears in: the best attribute
// dominates, the number of attributes breaks ties. Typos cost far more than any attribute difference.
const MASK_SCORE = new Float64Array(1 << TEXT_ATTRIBUTES.length);
for (let mask = 1; mask < MASK_SCORE.length; mask++) {
  const best = 31 - Math.clz32(mask & -mask); // lowest set bit = most important attribute
  let bits = 0;
  for (let m = mask; m; m &= m - 1) bits++;
  MASK_SCORE[mask] = ATTRIBUTE_WEIGHT[best] * 16 + bits;
}
const TYPO_PENALTY = 10_000;
const PREFIX_PENALTY = 8;
const SPLIT_PENALTY = 12;
const MAX_QUERY_TERMS = 32;
const MAX_PREFIX_EXPANSIONS = 200;

class Posting {
  slots = new Int32Array(4);
  masks = new Uint8Array(4);
  length = 0;

  push(slot: number, mask: number): void {
    if (this.length === this.slots.length) {
      const slots = new Int32Array(this.length * 2);
      slots.set(this.slots);
      this.slots = slots;
      const masks = new Uint8Array(this.length * 2);
      masks.set(this.masks);
      this.masks = masks;
    }
    this.slots[this.length] = slot;
    this.masks[this.length] = mask;
    this.length++;
  }
}

interface Expansion {
  term: string;
  posting: Posting;
  typos: number;
  prefix: boolean;
  /** Matched through character pairs rather than as a segmented word. */
  split?: boolean;
}

/** Slots in both (both sorted ascending), with the attribute bits of either. */
function intersectPostings(a: Posting, b: Posting): Posting {
  const out = new Posting();
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.slots[i];
    const y = b.slots[j];
    if (x === y) {
      out.push(x, a.masks[i] | b.masks[j]);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

const HAN_CHAR = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
/** Attribute positions (in TEXT_ATTRIBUTES) whose character pairs are indexed: title, keywords, summary, institution. */
const BIGRAM_ATTRIBUTES = [0, 2, 3, 4];

type ColumnAttribute = FilterAttribute;

function makeColumns(): Map<ColumnAttribute, Column> {
  const columns = new Map<ColumnAttribute, Column>();
  for (const attribute of FILTERABLE_ATTRIBUTES) {
    let column: Column;
    switch (attribute) {
      case "status":
      case "field":
      case "trl_band":
      case "institution":
      case "region":
        column = new KeywordColumn();
        break;
      case "modes":
      case "ip_types":
      case "price_bands":
        column = new KeywordSetColumn(attribute);
        break;
      case "ip_keys":
        column = new LookupColumn();
        break;
      case "prices":
        column = new NumberSetColumn(TRANSFER_MODES.length);
        break;
      case "voucher_eligible":
      case "state_funded":
      case "negotiable":
        column = new BoolColumn();
        break;
      default:
        column = new NumberColumn(attribute === "trl");
    }
    columns.set(attribute, column);
  }
  return columns;
}

export class MemoryIndex {
  private capacity = 0;
  private nextSlot = 0;
  private liveCount = 0;
  private alive = new Uint8Array(0);
  private slotIds = new Int32Array(0);
  private documents: (StoredDocument | undefined)[] = [];
  private readonly slotById = new Map<number, number>();
  private postings = new Map<string, Posting>();
  /** Chinese character pairs of the short attributes: finds a query word that the document segmented differently. */
  private bigrams = new Map<string, Posting>();
  private readonly latin = new Trie();
  private columns = makeColumns();
  private listedAt!: NumberColumn;
  // Scratch space for queries, sized with the slots.
  private state = new Uint8Array(0);
  private score = new Float64Array(0);
  private termBest = new Float64Array(0);

  constructor() {
    this.listedAt = this.columns.get("listed_at") as NumberColumn;
  }

  get size(): number {
    return this.liveCount;
  }

  has(id: number): boolean {
    return this.slotById.has(id);
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    const capacity = Math.max(1024, this.capacity * 2, needed);
    const alive = new Uint8Array(capacity);
    alive.set(this.alive);
    this.alive = alive;
    const ids = new Int32Array(capacity);
    ids.set(this.slotIds);
    this.slotIds = ids;
    for (const column of this.columns.values()) column.grow(capacity);
    this.state = new Uint8Array(capacity);
    this.score = new Float64Array(capacity);
    this.termBest = new Float64Array(capacity);
    this.capacity = capacity;
  }

  upsert(doc: ListingDocument): void {
    this.removeSlot(doc.id);
    this.ensureCapacity(this.nextSlot + 1);
    const slot = this.nextSlot++;
    this.alive[slot] = 1;
    this.slotIds[slot] = doc.id;
    this.slotById.set(doc.id, slot);
    this.liveCount++;
    const { description, ...stored } = doc;
    this.documents[slot] = stored;
    for (const [attribute, column] of this.columns) column.set(slot, (doc as unknown as Record<string, unknown>)[attribute]);
    this.indexText(slot, doc, description);
    this.maybeCompact();
  }

  remove(id: number): void {
    this.removeSlot(id);
    this.maybeCompact();
  }

  private removeSlot(id: number): void {
    const slot = this.slotById.get(id);
    if (slot === undefined) return;
    this.alive[slot] = 0;
    this.documents[slot] = undefined;
    this.slotById.delete(id);
    this.liveCount--;
  }

  private indexText(slot: number, doc: ListingDocument, description: string): void {
    const masks = new Map<string, number>();
    const texts: string[] = [
      doc.title,
      doc.title_en ?? "",
      doc.keywords.join("\n"),
      doc.summary,
      doc.institution,
      doc.inventors.join("\n"),
      description.slice(0, MAX_INDEXED_DESCRIPTION_CHARS),
    ];
    for (let i = 0; i < texts.length; i++) {
      for (const term of indexTerms(texts[i])) masks.set(term, (masks.get(term) ?? 0) | (1 << i));
    }
    for (const [term, mask] of masks) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Posting();
        this.postings.set(term, posting);
        if (/^[a-z]+$/.test(term)) this.latin.add(term);
      }
      posting.push(slot, mask);
    }
    const pairs = new Map<string, number>();
    for (const i of BIGRAM_ATTRIBUTES) {
      for (const run of texts[i].normalize("NFKC").match(HAN_RUN) ?? []) {
        const chars = [...run];
        for (let k = 0; k + 1 < chars.length; k++) {
          const pair = chars[k] + chars[k + 1];
          pairs.set(pair, (pairs.get(pair) ?? 0) | (1 << i));
        }
      }
    }
    for (const [pair, mask] of pairs) {
      let posting = this.bigrams.get(pair);
      if (!posting) {
        posting = new Posting();
        this.bigrams.set(pair, posting);
      }
      posting.push(slot, mask);
    }
  }

  /** Rewrites slots densely once a quarter of them are dead, so memory and scan time follow the live documents. */
  private maybeCompact(): void {
    const dead = this.nextSlot - this.liveCount;
    if (dead < 1024 || dead * 4 < this.nextSlot) return;
    this.compact();
  }

  compact(): void {
    const remap = new Int32Array(this.nextSlot).fill(-1);
    let next = 0;
    for (let s = 0; s < this.nextSlot; s++) if (this.alive[s]) remap[s] = next++;
    const oldDocs = this.documents;
    const postings = new Map<string, Posting>();
    for (const [term, posting] of this.postings) {
      const fresh = new Posting();
      for (let k = 0; k < posting.length; k++) {
        const to = remap[posting.slots[k]];
        if (to >= 0) fresh.push(to, posting.masks[k]);
      }
      if (fresh.length > 0) postings.set(term, fresh);
    }
    this.postings = postings;
    const bigrams = new Map<string, Posting>();
    for (const [pair, posting] of this.bigrams) {
      const fresh = new Posting();
      for (let k = 0; k < posting.length; k++) {
        const to = remap[posting.slots[k]];
        if (to >= 0) fresh.push(to, posting.masks[k]);
      }
      if (fresh.length > 0) bigrams.set(pair, fresh);
    }
    this.bigrams = bigrams;
    this.columns = makeColumns();
    this.listedAt = this.columns.get("listed_at") as NumberColumn;
    this.capacity = 0;
    this.alive = new Uint8Array(0);
    this.slotIds = new Int32Array(0);
    this.ensureCapacity(Math.max(next, 1));
    this.documents = new Array(next);
    this.slotById.clear();
    for (let s = 0; s < remap.length; s++) {
      const to = remap[s];
      if (to < 0) continue;
      const doc = oldDocs[s]!;
      this.alive[to] = 1;
      this.slotIds[to] = doc.id;
      this.slotById.set(doc.id, to);
      this.documents[to] = doc;
      for (const [attribute, column] of this.columns) column.set(to, (doc as unknown as Record<string, unknown>)[attribute]);
    }
    this.nextSlot = next;
  }

  // ---- search ----

  private expansions(words: { term: string; latin: boolean }[], lastIsPrefix: boolean): Expansion[][] {
    return words.map(({ term, latin }, i) => {
      const out: Expansion[] = [];
      const exact = this.postings.get(term);
      if (exact) out.push({ term, posting: exact, typos: 0, prefix: false });
      if (!latin) {
        const split = this.bigramPosting(term);
        if (split) out.push({ term, posting: split, typos: 0, prefix: false, split: true });
        return out;
      }
      if (lastIsPrefix && i === words.length - 1) {
        const completions = this.latin.withPrefix(term, 5000);
        const ranked = completions
          .flatMap((w) => {
            const p = this.postings.get(w);
            return p ? [{ w, p }] : [];
          })
          .sort((a, b) => b.p.length - a.p.length)
          .slice(0, MAX_PREFIX_EXPANSIONS);
        for (const { w, p } of ranked) out.push({ term: w, posting: p, typos: 0, prefix: true });
      }
      const length = [...term].length;
      if (length >= MIN_WORD_SIZE_ONE_TYPO) {
        const maxTypos = length >= MIN_WORD_SIZE_TWO_TYPOS ? 2 : 1;
        for (const { word, distance } of this.latin.fuzzy(term, maxTypos)) {
          const posting = this.postings.get(word);
          if (distance === 0 || word === term || !posting) continue;
          out.push({ term: word, posting, typos: distance, prefix: false });
        }
      }
      return out;
    });
  }

  /**
   * Documents whose title, keywords, summary or institution hold every character pair of a Chinese word: jieba may cut
   * 陶瓷膜过滤 as 陶瓷/膜过滤, and the query 陶瓷膜 should still find it.
   */
  private bigramPosting(term: string): Posting | null {
    const chars = [...term];
    if (chars.length < 2 || !chars.every((c) => HAN_CHAR.test(c))) return null;
    const lists: Posting[] = [];
    for (let k = 0; k + 1 < chars.length; k++) {
      const p = this.bigrams.get(chars[k] + chars[k + 1]);
      if (!p) return null;
      lists.push(p);
    }
    lists.sort((a, b) => a.length - b.length);
    let result = lists[0];
    for (let i = 1; i < lists.length; i++) result = intersectPostings(result, lists[i]);
    return result.length > 0 ? result : null;
  }

  private compileFilters(request: SearchRequest): SlotPredicate[] {
    return request.filters.map((clause) => {
      const column = this.columns.get(clause.attribute);
      if (!column) throw new Error(`${clause.attribute} is not filterable`);
      return column.predicate(clause);
    });
  }

  search(request: SearchRequest): EngineResult {
    const words = queryTerms(request.text).slice(0, MAX_QUERY_TERMS);
    const lastIsPrefix = words.length > 0 && !/\s$/.test(request.text);
    const predicates = this.compileFilters(request);
    const facetCounters = new Map<FacetAttribute, FacetCounter>();
    for (const f of request.facets) {
      const column = this.columns.get(f);
      if (!column?.facet) throw new Error(`${f} is not a facet`);
      facetCounters.set(f, column.facet());
    }

    // 1. Text: slots containing every word (any of its expansions), with a relevance score.
    let candidates: Int32Array;
    let candidateCount = 0;
    let expansions: Expansion[][] = [];
    const score = this.score;
    if (words.length === 0) {
      candidates = new Int32Array(this.nextSlot);
      for (let s = 0; s < this.nextSlot; s++) if (this.alive[s]) candidates[candidateCount++] = s;
    } else {
      expansions = this.expansions(words, lastIsPrefix);
      if (expansions.some((e) => e.length === 0)) {
        candidates = new Int32Array(0);
      } else {
        const order = expansions
          .map((e, i) => ({ i, size: e.reduce((n, x) => n + x.posting.length, 0) }))
          .sort((a, b) => a.size - b.size)
          .map((x) => expansions[x.i]);
        ({ candidates, count: candidateCount } = this.intersect(order));
      }
    }

    // 2. Filters (each narrowing the candidates in place), then facets over what passed.
    const passing = candidates;
    let total = candidateCount;
    for (const predicate of predicates) {
      let kept = 0;
      for (let k = 0; k < total; k++) {
        const slot = passing[k];
        if (predicate(slot)) passing[kept++] = slot;
      }
      total = kept;
    }
    for (const counter of facetCounters.values()) counter.addAll(passing, total);

    // 3. Order and page.
    const offset = (request.page - 1) * request.perPage;
    const wanted = Math.min(total, offset + request.perPage);
    const hasText = words.length > 0;
    const listedAt = this.listedAt;
    const ids = this.slotIds;
    let key: ((slot: number) => number) | null = null;
    let descending = false;
    if (request.sort) {
      const column = this.columns.get(request.sort.attribute) as NumberColumn | undefined;
      if (!column) throw new Error(`${request.sort.attribute} is not sortable`);
      key = (slot) => column.get(slot);
      descending = request.sort.direction === "desc";
    }
    // a before b? Missing sort values go last whatever the direction (as in Meilisearch).
    const before = (a: number, b: number): boolean => {
      if (key) {
        const ka = key(a);
        const kb = key(b);
        const na = Number.isNaN(ka);
        const nb = Number.isNaN(kb);
        if (na !== nb) return nb;
        if (!na && ka !== kb) return descending ? ka > kb : ka < kb;
      }
      if (hasText && score[a] !== score[b]) return score[a] > score[b];
      const la = listedAt.get(a);
      const lb = listedAt.get(b);
      if (la !== lb) return la > lb;
      return ids[a] > ids[b];
    };
    const top = selectTop(passing, total, wanted, before);
    const page = top.slice(offset, wanted);

    const exactTerms = new Set<string>();
    const prefixTerms: string[] = [];
    for (const list of expansions) {
      for (const e of list) if (!e.prefix) exactTerms.add(e.term);
      if (list.some((e) => e.prefix)) prefixTerms.push(words[words.length - 1].term);
    }
    const hits: EngineHit[] = Array.from(page, (slot) => {
      const document = this.documents[slot]!;
      const highlight: EngineHit["highlight"] = {};
      for (const attribute of HIGHLIGHTED_ATTRIBUTES) {
        const text = document[attribute];
        if (typeof text === "string") highlight[attribute] = hasText ? highlightText(text, exactTerms, prefixTerms) : text;
      }
      return { document, highlight };
    });

    const facets: EngineResult["facets"] = {};
    for (const [name, counter] of facetCounters) facets[name] = counter.result(MAX_FACET_VALUES);
    return { hits, total, facets };
  }

  /** Slots holding every word (expansion lists ordered smallest first), scoring each as it goes. */
  private intersect(terms: Expansion[][]): { candidates: Int32Array; count: number } {
    const state = this.state;
    const score = this.score;
    const best = this.termBest;
    const alive = this.alive;
    const touched: number[] = [];
    for (let t = 0; t < terms.length; t++) {
      for (const e of terms[t]) {
        const base = -e.typos * TYPO_PENALTY - (e.prefix ? PREFIX_PENALTY : 0) - (e.split ? SPLIT_PENALTY : 0);
        const { slots, masks, length } = e.posting;
        for (let k = 0; k < length; k++) {
          const slot = slots[k];
          if (alive[slot] === 0) continue;
          const st = state[slot];
          const contribution = base + MASK_SCORE[masks[k]];
          if (st === t) {
            if (t === 0) touched.push(slot);
            state[slot] = t + 1;
            score[slot] = (t === 0 ? 0 : score[slot]) + contribution;
            best[slot] = contribution;
          } else if (st === t + 1 && contribution > best[slot]) {
            score[slot] += contribution - best[slot];
            best[slot] = contribution;
          }
        }
      }
    }
    const need = terms.length;
    const candidates = new Int32Array(touched.length);
    let count = 0;
    for (const slot of touched) {
      if (state[slot] === need) candidates[count++] = slot;
      state[slot] = 0;
    }
    return { candidates, count };
  }
}

/** The first `wanted` of `count` slots in order, without sorting the rest (a bounded binary heap). */
function selectTop(slots: Int32Array, count: number, wanted: number, before: (a: number, b: number) => boolean): Int32Array {
  if (wanted <= 0) return new Int32Array(0);
  if (wanted * 4 >= count) {
    const all = Array.from(slots.subarray(0, count));
    all.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    return Int32Array.from(all.slice(0, wanted));
  }
  // Max-heap by order (the root is the worst kept slot).
  const heap = new Int32Array(wanted);
  let size = 0;
  const worse = (a: number, b: number) => before(b, a);
  const siftUp = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(heap[l], heap[m])) m = l;
      if (r < size && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let k = 0; k < count; k++) {
    const slot = slots[k];
    if (size < wanted) {
      heap[size++] = slot;
      siftUp(size - 1);
    } else if (before(slot, heap[0])) {
      heap[0] = slot;
      siftDown(0);
    }
  }
  const out = Array.from(heap.subarray(0, size));
  out.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return Int32Array.from(out);
}

/**
 * Marks what matched: Chinese words wherever they occur in the text (also across jieba's cuts and inside longer
 * words), Latin words matched exactly or with a typo as whole words, and the typed part of a prefix completion.
 */
function highlightText(text: string, exact: Set<string>, prefixes: string[]): string {
  if (exact.size === 0 && prefixes.length === 0) return text;
  const ranges: [number, number][] = [];
  const normalized = text.normalize("NFKC").toLowerCase();
  // Character positions only line up if normalising kept the length (true for Chinese and plain ASCII).
  if (normalized.length === text.length) {
    for (const term of exact) {
      if (!HAN_CHAR.test(term)) continue;
      for (let at = normalized.indexOf(term); at >= 0; at = normalized.indexOf(term, at + term.length)) {
        ranges.push([at, at + term.length]);
      }
    }
  }
  let offset = 0;
  for (const token of highlightTokens(text)) {
    const start = offset;
    offset += token.text.length;
    const term = token.term;
    if (term === null || HAN_CHAR.test(term)) continue;
    if (exact.has(term)) ranges.push([start, offset]);
    else {
      const p = prefixes.find((x) => term.startsWith(x));
      if (p && term.length === token.text.length) ranges.push([start, start + p.length]);
    }
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = "";
  let cursor = 0;
  for (const [from, to] of ranges) {
    if (to <= cursor) continue;
    const begin = Math.max(from, cursor);
    out += text.slice(cursor, begin) + HIGHLIGHT_PRE + text.slice(begin, to) + HIGHLIGHT_POST;
    cursor = to;
  }
  return out + text.slice(cursor);
}
