import type { FilterClause, FilterValue } from "../types";

/**
 * Per-document attribute columns indexed by slot, in typed arrays: filters, facet counts and sort keys read them
 * without touching document objects. A missing value is NaN (numbers), -1 (codes) or -1 (booleans).
 */

export type SlotPredicate = (slot: number) => boolean;

export interface FacetCounter {
  /** Counts the first `count` slots (one tight loop per facet, not a call per slot and facet). */
  addAll(slots: Int32Array, count: number): void;
  result(limit: number): Record<string, number>;
}

export interface Column {
  grow(capacity: number): void;
  set(slot: number, value: unknown): void;
  predicate(clause: FilterClause): SlotPredicate;
  facet?(): FacetCounter;
  sortKey?(slot: number): number;
}

const NEVER: SlotPredicate = () => false;

function growTyped<T extends Int32Array | Uint32Array | Float64Array | Int8Array>(array: T, capacity: number, fill: number): T {
  if (array.length >= capacity) return array;
  const Ctor = array.constructor as new (n: number) => T;
  const next = new Ctor(capacity);
  next.set(array);
  next.fill(fill, array.length);
  return next;
}

function topCounts(entries: [string, number][], limit: number): Record<string, number> {
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(entries.slice(0, limit));
}

function isRange(clause: FilterClause): clause is { attribute: FilterClause["attribute"]; min?: number; max?: number } {
  return !("in" in clause);
}

function rangeTest(clause: { min?: number; max?: number }): (v: number) => boolean {
  const min = clause.min ?? -Infinity;
  const max = clause.max ?? Infinity;
  return (v) => v >= min && v <= max; // NaN fails both
}

/** A single string value, dictionary-coded. */
export class KeywordColumn implements Column {
  private codes = new Int32Array(0);
  private readonly dictionary = new Map<string, number>();
  private readonly values: string[] = [];

  grow(capacity: number): void {
    this.codes = growTyped(this.codes, capacity, -1);
  }

  private code(value: string): number {
    let c = this.dictionary.get(value);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(value);
      this.dictionary.set(value, c);
    }
    return c;
  }

  set(slot: number, value: unknown): void {
    this.codes[slot] = typeof value === "string" ? this.code(value) : -1;
  }

  predicate(clause: FilterClause): SlotPredicate {
    if (isRange(clause)) return NEVER;
    const wanted = new Set<number>();
    for (const v of clause.in) {
      const c = this.dictionary.get(String(v));
      if (c !== undefined) wanted.add(c);
    }
    if (wanted.size === 0) return NEVER;
    const codes = this.codes;
    if (wanted.size === 1) {
      const only = wanted.values().next().value as number;
      return (slot) => codes[slot] === only;
    }
    return (slot) => wanted.has(codes[slot]);
  }

  facet(): FacetCounter {
    const counts = new Float64Array(this.values.length + 1);
    const codes = this.codes;
    const values = this.values;
    return {
      addAll: (slots, count) => {
        for (let k = 0; k < count; k++) {
          const c = codes[slots[k]];
          if (c >= 0) counts[c]++;
        }
      },
      result: (limit) => topCounts(values.flatMap((v, i): [string, number][] => (counts[i] > 0 ? [[v, counts[i]]] : [])), limit),
    };
  }
}

/** A small set of string values per document (at most 32 distinct values overall), as a bit mask. */
export class KeywordSetColumn implements Column {
  private masks = new Uint32Array(0);
  private readonly dictionary = new Map<string, number>();
  private readonly values: string[] = [];

  constructor(private readonly attribute: string) {}

  grow(capacity: number): void {
    this.masks = growTyped(this.masks, capacity, 0);
  }

  set(slot: number, value: unknown): void {
    let mask = 0;
    if (Array.isArray(value)) {
      for (const v of value) {
        const key = String(v);
        let bit = this.dictionary.get(key);
        if (bit === undefined) {
          if (this.values.length >= 32) throw new Error(`${this.attribute}: more than 32 distinct values`);
          bit = this.values.length;
          this.values.push(key);
          this.dictionary.set(key, bit);
        }
        mask |= 1 << bit;
      }
    }
    this.masks[slot] = mask >>> 0;
  }

  predicate(clause: FilterClause): SlotPredicate {
    if (isRange(clause)) return NEVER;
    let wanted = 0;
    for (const v of clause.in) {
      const bit = this.dictionary.get(String(v));
      if (bit !== undefined) wanted |= 1 << bit;
    }
    if (wanted === 0) return NEVER;
    const masks = this.masks;
    return (slot) => (masks[slot] & wanted) !== 0;
  }

  facet(): FacetCounter {
    const counts = new Float64Array(32);
    const masks = this.masks;
    const values = this.values;
    return {
      addAll: (slots, count) => {
        for (let k = 0; k < count; k++) {
          let m = masks[slots[k]];
          while (m !== 0) {
            const bit = 31 - Math.clz32(m);
            counts[bit]++;
            m &= ~(1 << bit);
          }
        }
      },
      result: (limit) => topCounts(values.flatMap((v, i): [string, number][] => (counts[i] > 0 ? [[v, counts[i]]] : [])), limit),
    };
  }
}

/** Many distinct values (identifiers): value → slots, for equality filters only. */
export class LookupColumn implements Column {
  private readonly slots = new Map<string, Set<number>>();
  private readonly bySlot = new Map<number, string[]>();

  grow(): void {}

  set(slot: number, value: unknown): void {
    for (const old of this.bySlot.get(slot) ?? []) this.slots.get(old)?.delete(slot);
    const keys = Array.isArray(value) ? value.map(String) : [];
    if (keys.length > 0) this.bySlot.set(slot, keys);
    else this.bySlot.delete(slot);
    for (const k of keys) {
      let set = this.slots.get(k);
      if (!set) {
        set = new Set();
        this.slots.set(k, set);
      }
      set.add(slot);
    }
  }

  predicate(clause: FilterClause): SlotPredicate {
    if (isRange(clause)) return NEVER;
    const matching = new Set<number>();
    for (const v of clause.in) for (const s of this.slots.get(String(v)) ?? []) matching.add(s);
    return (slot) => matching.has(slot);
  }
}

/** One number per document. */
export class NumberColumn implements Column {
  private values = new Float64Array(0);

  constructor(private readonly facetable = false) {}

  grow(capacity: number): void {
    this.values = growTyped(this.values, capacity, NaN);
  }

  set(slot: number, value: unknown): void {
    this.values[slot] = typeof value === "number" && Number.isFinite(value) ? value : NaN;
  }

  get(slot: number): number {
    return this.values[slot];
  }

  predicate(clause: FilterClause): SlotPredicate {
    const values = this.values;
    if (isRange(clause)) {
      const test = rangeTest(clause);
      return (slot) => test(values[slot]);
    }
    const wanted = new Set(clause.in.filter((v): v is number => typeof v === "number"));
    if (wanted.size === 0) return NEVER;
    return (slot) => wanted.has(values[slot]);
  }

  facet(): FacetCounter {
    if (!this.facetable) throw new Error("not a facet");
    const counts = new Map<number, number>();
    const values = this.values;
    return {
      addAll: (slots, count) => {
        for (let k = 0; k < count; k++) {
          const v = values[slots[k]];
          if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
        }
      },
      result: (limit) => topCounts([...counts].map(([v, c]): [string, number] => [String(v), c]), limit),
    };
  }

  sortKey(slot: number): number {
    return this.values[slot];
  }
}

/** Up to `width` numbers per document (fixed prices of every mode). */
export class NumberSetColumn implements Column {
  private values = new Float64Array(0);

  constructor(private readonly width: number) {}

  grow(capacity: number): void {
    this.values = growTyped(this.values, capacity * this.width, NaN);
  }

  set(slot: number, value: unknown): void {
    const base = slot * this.width;
    const list = Array.isArray(value) ? value.filter((v): v is number => typeof v === "number" && Number.isFinite(v)) : [];
    for (let i = 0; i < this.width; i++) this.values[base + i] = i < list.length ? list[i] : NaN;
  }

  predicate(clause: FilterClause): SlotPredicate {
    const values = this.values;
    const width = this.width;
    const test: (v: number) => boolean = isRange(clause)
      ? rangeTest(clause)
      : ((wanted) => (v: number) => wanted.has(v))(new Set(clause.in.filter((v): v is number => typeof v === "number")));
    return (slot) => {
      const base = slot * width;
      for (let i = 0; i < width; i++) if (test(values[base + i])) return true;
      return false;
    };
  }
}

/** A boolean per document. Facet keys are "true"/"false", as Meilisearch reports them. */
export class BoolColumn implements Column {
  private values = new Int8Array(0);

  grow(capacity: number): void {
    this.values = growTyped(this.values, capacity, -1);
  }

  set(slot: number, value: unknown): void {
    this.values[slot] = value === true ? 1 : value === false ? 0 : -1;
  }

  predicate(clause: FilterClause): SlotPredicate {
    if (isRange(clause)) return NEVER;
    const wantTrue = clause.in.some((v: FilterValue) => v === true || v === "true");
    const wantFalse = clause.in.some((v: FilterValue) => v === false || v === "false");
    const values = this.values;
    if (wantTrue && wantFalse) return (slot) => values[slot] >= 0;
    if (wantTrue) return (slot) => values[slot] === 1;
    if (wantFalse) return (slot) => values[slot] === 0;
    return NEVER;
  }

  facet(): FacetCounter {
    let yes = 0;
    let no = 0;
    const values = this.values;
    return {
      addAll: (slots, count) => {
        for (let k = 0; k < count; k++) {
          const v = values[slots[k]];
          if (v === 1) yes++;
          else if (v === 0) no++;
        }
      },
      result: (limit) =>
        topCounts(
          ([["true", yes], ["false", no]] as [string, number][]).filter(([, c]) => c > 0),
          limit,
        ),
    };
  }
}
