import { describe, expect, it } from "vitest";
import { buildSearchRequest, defaultSearchParams, highlightSegments, parseResultSearchQuery } from "../../app/services/catalogue/search";
import { markdownToText } from "../../search/documents";
import { MemoryIndex } from "../../search/embedded/memory-index";
import { Trie } from "../../search/embedded/trie";
import { meilisearchFilter } from "../../search/filters";
import { FILTERABLE_ATTRIBUTES, meilisearchSettings, SORTABLE_ATTRIBUTES } from "../../search/settings";
import { identifierKeys, isIdentifier, queryTerms, splitIdentifiers } from "../../search/tokenizer";
import { HIGHLIGHT_POST, HIGHLIGHT_PRE, type ListingDocument, type SearchRequest } from "../../search/types";

function doc(id: number, overrides: Partial<ListingDocument> = {}): ListingDocument {
  return {
    id,
    status: "listed",
    title: `成果${id}`,
    title_en: null,
    summary: "",
    description: "",
    keywords: [],
    inventors: [],
    field: "new_materials",
    trl: 5,
    trl_band: "pilot",
    mode_prices: [{ mode: "assignment", price_fen: 10_000_000 }],
    modes: ["assignment"],
    prices: [10_000_000],
    price_min: 10_000_000,
    price_bands: ["100k_500k"],
    negotiable: false,
    ip_types: [],
    ip_numbers: [],
    ip_keys: [],
    institution_id: 1,
    institution: "某大学",
    region: null,
    voucher_eligible: false,
    state_funded: false,
    listed_at: id * 1000,
    confirmed_at: id * 1000,
    price_assignment: 10_000_000,
    ...overrides,
  };
}

const request = (text: string, extra: Partial<SearchRequest> = {}): SearchRequest => ({
  text,
  filters: [],
  facets: [],
  sort: null,
  page: 1,
  perPage: 20,
  ...extra,
});

function indexOf(...docs: ListingDocument[]): MemoryIndex {
  const index = new MemoryIndex();
  for (const d of docs) index.upsert(d);
  return index;
}

const ids = (index: MemoryIndex, text: string, extra: Partial<SearchRequest> = {}) => index.search(request(text, extra)).hits.map((h) => h.document.id);

describe("tokenizer", () => {
  it("segments Chinese, folds width and case, and drops punctuation", () => {
    expect(queryTerms("锂离子电池，ＧＲＡＰＨＥＮＥ Sensor!")).toEqual([
      { term: "锂离子", latin: false },
      { term: "电池", latin: false },
      { term: "graphene", latin: true },
      { term: "sensor", latin: true },
    ]);
    expect(queryTerms("5G 通信").map((t) => t.term)).toEqual(["5g", "通信"]);
  });

  it("recognises registration numbers and matches them by normalised keys", () => {
    expect(splitIdentifiers("ZL202310123456.7 电池")).toEqual({ identifiers: ["ZL202310123456.7"], text: "电池" });
    expect(splitIdentifiers("（2023SR0123456）")).toEqual({ identifiers: ["2023SR0123456"], text: "" });
    expect(splitIdentifiers("电池 ")).toEqual({ identifiers: [], text: "电池 " });
    expect(isIdentifier("5G")).toBe(false);
    expect(isIdentifier("2023")).toBe(false);
    expect(isIdentifier("GB50010")).toBe(false);
    expect(isIdentifier("zl202310123456.x")).toBe(true);
    expect(identifierKeys(" zl 202310123456.x ")).toEqual(["ZL202310123456.X", "202310123456.X"]);
    expect(identifierKeys("CNA20231234.5")).toEqual(["CNA20231234.5"]);
  });

  it("turns Markdown into searchable text", () => {
    expect(markdownToText("## 背景\n- **高强度** [链接](http://x.cn)\n<script>x</script>`code`")).toBe("背景 高强度 链接 x code");
  });
});

describe("typo trie", () => {
  const trie = new Trie();
  for (const w of ["battery", "batter", "sensor", "graphene", "inspection", "tensor"]) trie.add(w);

  it("finds words within the allowed edits, a swap of neighbours counting as one", () => {
    expect(trie.fuzzy("batery", 1).map((m) => m.word)).toEqual(["battery"]); // batter is two edits away
    expect(trie.fuzzy("batery", 2).map((m) => m.word).sort()).toEqual(["batter", "battery"]);
    expect(trie.fuzzy("sensro", 1)).toEqual([{ word: "sensor", distance: 1 }]);
    expect(trie.fuzzy("inspektoin", 2)).toEqual([{ word: "inspection", distance: 2 }]);
  });

  it("counts a different first letter as two edits, as Meilisearch does", () => {
    expect(trie.fuzzy("tensor", 1).map((m) => m.word)).toEqual(["tensor"]);
    expect(trie.fuzzy("rensor", 1)).toEqual([]);
    expect(trie.fuzzy("rensor", 2).map((m) => m.word).sort()).toEqual(["sensor", "tensor"]);
  });

  it("lists prefix completions", () => {
    expect(trie.withPrefix("bat", 10).sort()).toEqual(["batter", "battery"]);
    expect(trie.withPrefix("x", 10)).toEqual([]);
  });
});

describe("embedded in-memory index", () => {
  it("finds dictionary sub-words and words the document segmented differently", () => {
    const index = indexOf(doc(1, { title: "高性能锂离子电池" }), doc(2, { title: "陶瓷膜过滤组件" }), doc(3, { title: "离心泵" }));
    expect(ids(index, "离子")).toEqual([1]);
    expect(ids(index, "陶瓷膜")).toEqual([2]); // jieba cuts the title 陶瓷/膜过滤/组件
    const marked = index.search(request("陶瓷膜")).hits[0].highlight.title!;
    expect(marked).toBe(`${HIGHLIGHT_PRE}陶瓷膜${HIGHLIGHT_POST}过滤组件`);
  });

  it("ranks exact words above typos, title above summary, and newer on ties", () => {
    const index = indexOf(
      doc(1, { title_en: "Battery pack" }),
      doc(2, { title_en: "Batter mixing machine" }),
      doc(3, { summary: "battery" }),
      doc(4, { title_en: "Battery cell" }),
    );
    expect(ids(index, "battery ")).toEqual([4, 1, 3, 2]);
  });

  it("tolerates typos only in Latin words long enough, never in numbers", () => {
    const index = indexOf(doc(1, { title_en: "Laser welding" }), doc(2, { title_en: "Model 5000 pump" }), doc(3, { title_en: "Solar cell" }));
    expect(ids(index, "lasre welding")).toEqual([1]); // 5 letters: one typo
    expect(ids(index, "lasr ")).toEqual([]); // 4 letters: none
    expect(ids(index, "5001 ")).toEqual([]);
    expect(ids(index, "sloar ")).toEqual([3]);
  });

  it("completes the last word as a prefix unless the query ends with a space", () => {
    const index = indexOf(doc(1, { title_en: "Inspection robot" }), doc(2, { title_en: "Insulation film" }));
    expect(ids(index, "ins").sort()).toEqual([1, 2]);
    expect(ids(index, "insp")).toEqual([1]);
    expect(ids(index, "insp ")).toEqual([]);
    const marked = index.search(request("insp")).hits[0].highlight.title_en!;
    expect(highlightSegments(marked)).toEqual([
      { text: "Insp", match: true },
      { text: "ection robot", match: false },
    ]);
  });

  it("sorts with missing values last in both directions and counts facets by frequency", () => {
    const index = indexOf(
      doc(1, { price_min: 300, field: "aerospace" }),
      doc(2, { price_min: null, field: "biomedicine" }),
      doc(3, { price_min: 100, field: "biomedicine" }),
    );
    const sorted = (direction: "asc" | "desc") => ids(index, "", { sort: { attribute: "price_min", direction } });
    expect(sorted("asc")).toEqual([3, 1, 2]);
    expect(sorted("desc")).toEqual([1, 3, 2]);
    expect(index.search(request("", { facets: ["field", "trl"] })).facets).toEqual({
      field: { biomedicine: 2, aerospace: 1 },
      trl: { "5": 3 },
    });
    expect(ids(index, "", { filters: [{ attribute: "field", in: [] }] })).toEqual([]);
    expect(ids(index, "", { filters: [{ attribute: "price_min", min: 200 }] })).toEqual([1]);
  });

  it("keeps answering correctly through many updates (dead slots are compacted away)", () => {
    const index = new MemoryIndex();
    for (let round = 0; round < 30; round++) {
      for (let id = 1; id <= 200; id++) index.upsert(doc(id, { title: round % 2 ? "石墨烯涂层" : "碳纤维复合材料", trl: 1 + (round % 9) }));
    }
    for (let id = 101; id <= 200; id++) index.remove(id);
    expect(index.size).toBe(100);
    expect(index.search(request("碳纤维")).total).toBe(0);
    expect(index.search(request("石墨烯", { facets: ["trl"] }))).toMatchObject({ total: 100, facets: { trl: { "3": 100 } } }); // last round: 29
    index.upsert(doc(7, { title: "碳纤维复合材料" }));
    expect(ids(index, "碳纤维")).toEqual([7]);
  });
});

describe("Meilisearch settings and filters", () => {
  it("writes filter clauses in Meilisearch's syntax", () => {
    expect(meilisearchFilter({ attribute: "field", in: ["new_energy"] })).toBe('field = "new_energy"');
    expect(meilisearchFilter({ attribute: "institution", in: ['a"b', "c\\d"] })).toBe('institution IN ["a\\"b", "c\\\\d"]');
    expect(meilisearchFilter({ attribute: "voucher_eligible", in: [true] })).toBe("voucher_eligible = true");
    expect(meilisearchFilter({ attribute: "prices", min: 100, max: 200 })).toBe("prices 100 TO 200");
    expect(meilisearchFilter({ attribute: "trl", min: 3 })).toBe("trl >= 3");
    expect(meilisearchFilter({ attribute: "trl", max: 3 })).toBe("trl <= 3");
    expect(meilisearchFilter({ attribute: "field", in: [] })).toBe("id < 0");
  });

  it("declares every attribute the storefront filters or sorts on, typo-free identifiers and Chinese text", () => {
    const settings = meilisearchSettings();
    const requests = [
      buildSearchRequest(defaultSearchParams({ q: "ZL202310123456.7 电池", field: ["aerospace"], mode: "equity", trl_min: 2, price_min: 1, institution: 3 })),
      buildSearchRequest(defaultSearchParams({ institution: "某大学", region: "洛阳市", ip_type: ["ic_layout"], voucher: true, price_max: 9, sort: "price_asc" })),
      buildSearchRequest(defaultSearchParams({ sort: "newest" })),
    ];
    for (const r of requests) {
      for (const f of r.filters) expect(settings.filterableAttributes).toContain(f.attribute);
      if (r.sort) expect(settings.sortableAttributes).toContain(r.sort.attribute);
    }
    expect(FILTERABLE_ATTRIBUTES).toEqual(expect.arrayContaining(SORTABLE_ATTRIBUTES));
    expect(settings.typoTolerance?.disableOnAttributes).toEqual(["ip_numbers"]);
    expect(settings.localizedAttributes?.[0]).toMatchObject({ locales: ["cmn"], attributePatterns: expect.arrayContaining(["title", "summary"]) });
    expect(settings.rankingRules?.[0]).toBe("sort");
    expect(settings.displayedAttributes).not.toContain("description");
  });
});

describe("search parameters", () => {
  const parse = (query: string) => parseResultSearchQuery(new URLSearchParams(query));

  it("parses every parameter of the public API", () => {
    const r = parse("q=电池&field=new_energy,biomedicine&mode=assignment&trl_min=3&trl_max=7&price_min=1000.5&price_max=20000&institution=12&voucher=true&sort=price_desc&page=2&per_page=50");
    expect(r).toEqual({
      ok: true,
      params: defaultSearchParams({
        q: "电池",
        field: ["new_energy", "biomedicine"],
        mode: "assignment",
        trl_min: 3,
        trl_max: 7,
        price_min: 1000.5,
        price_max: 20000,
        institution: 12,
        voucher: true,
        sort: "price_desc",
        page: 2,
        per_page: 50,
      }),
    });
    expect(parse("institution=河南科技大学")).toMatchObject({ ok: true, params: { institution: "河南科技大学" } });
  });

  it("names the bad parameter", () => {
    const bad: [string, string][] = [
      ["trl_min=0", "trl_min"],
      ["trl_max=10", "trl_max"],
      ["trl_min=6&trl_max=5", "trl_max"],
      ["per_page=101", "per_page"],
      ["per_page=0", "per_page"],
      ["page=-1", "page"],
      ["page=1.5", "page"],
      ["sort=cheapest", "sort"],
      ["mode=rent", "mode"],
      ["field=space", "field"],
      ["price_min=abc", "price_min"],
      ["price_min=10&price_max=5", "price_max"],
      ["price_max=1.234", "price_max"],
      ["voucher=yes", "voucher"],
      ["colour=red", "colour"],
      ["q=a&q=b", "q"],
      [`q=${"长".repeat(201)}`, "q"],
    ];
    for (const [query, parameter] of bad) expect(parse(query), query).toMatchObject({ ok: false, parameter });
  });

  it("turns yuan into fen and applies the price to the chosen mode", () => {
    const withMode = buildSearchRequest(defaultSearchParams({ mode: "service", price_min: 0.5, price_max: 100 }));
    expect(withMode.filters).toContainEqual({ attribute: "price_service", min: 50, max: 10_000 });
    const anyMode = buildSearchRequest(defaultSearchParams({ price_max: 100 }));
    expect(anyMode.filters).toContainEqual({ attribute: "prices", max: 10_000 });
  });
});
