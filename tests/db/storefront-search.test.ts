import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loader as searchLoader } from "../../app/routes/results._index";
import { loader as apiLoader } from "../../app/routes/api.v1.results";
import { loader as homeLoader } from "../../app/routes/_index";
import { startSearch, stopSearch } from "../../app/services/catalogue/search-engine.server";
import { canonicalQuery, normalizeQuery } from "../../app/components/storefront/query";
import { defaultSearchParams } from "../../app/services/catalogue/search";
import { EmbeddedEngine } from "../../search/embedded/engine";
import { Indexer } from "../../search/indexer";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { insertCatalogue, PUBLIC_KEYS } from "../search/fixtures";
import { SwitchableEngine } from "../search/helpers";

const context = { clientIp: "127.0.0.1" };
const BASE = "http://localhost:3000";

type Page = Awaited<ReturnType<typeof searchLoader>>;

function search(query: string): Promise<Page> {
  return searchLoader({ request: new Request(`${BASE}/results${query ? `?${query}` : ""}`), params: {}, context });
}

const ids = (page: Page) => page.hits.map((h) => h.id).sort((a, b) => a - b);

describe("storefront query helpers", () => {
  it("turns what an HTML form sends into the API's parameters", () => {
    const form = new URLSearchParams("q=+&field=new_energy&field=aerospace&field=new_energy&trl=4-6&price=-99999.99&sort=relevance&page=1&voucher=true&mode=");
    expect(normalizeQuery(form).toString()).toBe("trl_min=4&trl_max=6&price_max=99999.99&voucher=true&field=new_energy%2Caerospace");
    expect(normalizeQuery(new URLSearchParams("price=5000000-&trl=x")).toString()).toBe("price_min=5000000&trl=x");
  });

  it("writes one canonical URL per search, defaults left out", () => {
    expect(canonicalQuery(defaultSearchParams(), 20)).toBe("");
    expect(
      canonicalQuery(defaultSearchParams({ q: "电池", field: ["new_energy"], price_min: 99_999.99, voucher: true, sort: "newest", page: 3, per_page: 20 }), 20),
    ).toBe("q=%E7%94%B5%E6%B1%A0&field=new_energy&price_min=99999.99&voucher=true&sort=newest&page=3");
  });
});

describeEachEngine("storefront search page", (db, dbEngine) => {
  useAppDatabase(db, dbEngine);
  let catalogue: Awaited<ReturnType<typeof insertCatalogue>>;
  let engine: SwitchableEngine;

  beforeAll(async () => {
    catalogue = await insertCatalogue(db());
    const embedded = new EmbeddedEngine(db(), { indexUid: `storefront_${randomBytes(3).toString("hex")}` });
    await embedded.prepare();
    await embedded.ready();
    await new Indexer(db(), embedded, { log: () => {} }).drain();
    engine = new SwitchableEngine(embedded);
    await startSearch(db(), {}, { indexer: false, engine });
  });

  afterAll(async () => {
    await stopSearch();
  });

  it("finds results for Chinese words with highlighted matches, counts and facets; never drafts, stale or reserved", async () => {
    const page = await search("q=%E7%94%B5%E6%B1%A0");
    expect(page.degraded).toBe(false);
    expect(page.q).toBe("电池");
    expect(page.total).toBe(page.hits.length);
    expect(ids(page)).toEqual([catalogue.ids.cathode, catalogue.ids.recycling, catalogue.ids.summaryOnly, catalogue.ids.bms].sort((a, b) => a - b));
    for (const hidden of ["draft", "stale", "reserved"] as const) expect(ids(page)).not.toContain(catalogue.ids[hidden]);
    const cathode = page.hits.find((h) => h.id === catalogue.ids.cathode)!;
    expect(cathode.highlight.title.filter((s) => s.match).map((s) => s.text).join("")).toContain("电池");
    expect(cathode.highlight.title.map((s) => s.text).join("")).toBe(cathode.title);
    expect(page.facets?.field).toMatchObject({ new_energy: 2, resources_environment: 1, modern_agriculture: 1 });
    expect(page.facets?.voucher_eligible).toMatchObject({ true: 1 });
    expect(page.ignored).toEqual([]);
  });

  it("accepts the plain form's encoding, filters, and counts each ticked group as if it were not applied", async () => {
    const page = await search("q=&field=new_energy&field=aerospace&sort=relevance");
    expect(page.query).toBe("field=new_energy%2Caerospace");
    expect(ids(page)).toEqual([catalogue.ids.cathode, catalogue.ids.bms, catalogue.ids.straddle].sort((a, b) => a - b));
    // Disjunctive: the field facet still offers every field of the public catalogue with its own count.
    expect(page.facets?.field).toEqual({
      new_energy: 2,
      aerospace: 1,
      electronic_information: 1,
      modern_agriculture: 2,
      advanced_manufacturing: 1,
      resources_environment: 1,
    });
    // Other groups count within the filtered results.
    expect(page.facets?.modes).toEqual({ assignment: 2, exclusive_license: 2, service: 1 });
  });

  it("maps maturity and price bands to ranges, and the same filters give the same results as the public API", async () => {
    const page = await search("trl=7-9&price=500000-999999.99");
    expect(page.query).toBe("trl_min=7&trl_max=9&price_min=500000&price_max=999999.99");
    expect(ids(page)).toEqual([catalogue.ids.vision]);
    const api = await apiLoader({ request: new Request(`${BASE}/api/v1/results?${page.query}`), params: {}, context });
    const body = (await api.json()) as { hits: { id: number }[]; total: number };
    expect(body.hits.map((h) => h.id)).toEqual([catalogue.ids.vision]);
    expect(page.facets?.trl_band).toMatchObject({ industrial: 1 });
    // The band facet ignores the band filter: lab/pilot results within the price range are counted too.
    const priceOnly = await search("price=500000-999999.99");
    expect(page.facets?.trl_band).toEqual(priceOnly.facets?.trl_band);
  });

  it("filters by voucher, IP type, institution name and mode, and sorts by price", async () => {
    const voucher = await search("voucher=true");
    expect(ids(voucher)).toEqual([catalogue.ids.cathode, catalogue.ids.rice].sort((a, b) => a - b));
    const ip = await search("ip_type=plant_variety&ip_type=software_copyright");
    expect(ids(ip)).toEqual([catalogue.ids.rice, catalogue.ids.vision].sort((a, b) => a - b));
    const institution = await search(`institution=${encodeURIComponent("河南农业大学")}`);
    expect(ids(institution)).toEqual([catalogue.ids.rice, catalogue.ids.summaryOnly].sort((a, b) => a - b));
    expect(Object.keys(institution.facets?.institution ?? {})).toHaveLength(3);
    const byId = await search(`institution=${catalogue.institutions.agri}`);
    expect(byId.institutionName).toBe("河南农业大学");
    const cheapestFirst = await search("mode=assignment&sort=price_asc");
    const prices = cheapestFirst.hits.map((h) => h.modes.find((m) => m.mode === "assignment")!.price_fen!);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(cheapestFirst.query).toBe("mode=assignment&sort=price_asc");
  });

  it("pages through results with links that keep the filters", async () => {
    const first = await search("per_page=3");
    expect(first.total).toBe(PUBLIC_KEYS.length);
    expect(first.pages).toBe(3);
    expect(first.hits).toHaveLength(3);
    const third = await search("per_page=3&page=3");
    expect(third.hits).toHaveLength(PUBLIC_KEYS.length - 6);
    expect(third.query).toBe("page=3&per_page=3");
    expect(new Set([...ids(first), ...ids(third)]).size).toBe(first.hits.length + third.hits.length);
    const past = await search("per_page=3&page=9");
    expect(past.hits).toEqual([]);
    expect(past.total).toBe(PUBLIC_KEYS.length);
  });

  it("never fails on a bad URL: bad parameters are dropped and named, the rest still applies", async () => {
    const clean = await search("q=%E7%94%B5%E6%B1%A0");
    const page = await search("q=%E7%94%B5%E6%B1%A0&per_page=500&sort=popular&pgae=2&trl_min=abc&mode=lease&mode=equity");
    expect(page.ignored.sort()).toEqual(["mode", "per_page", "pgae", "sort", "trl_min"]);
    expect(ids(page)).toEqual(ids(clean));
    expect(page.query).toBe(clean.query);

    const backwards = await search("trl_min=8&trl_max=2");
    expect(backwards.ignored).toEqual(["trl_max"]);
    expect(backwards.query).toBe("trl_min=8");

    const long = await search(`q=${"电".repeat(500)}`);
    expect(long.ignored).toEqual(["q"]);
    expect(long.q).toHaveLength(200);
  });

  it("lists the newest results from the database with a notice when the engine is down", async () => {
    engine.down = true;
    try {
      const page = await search("q=%E7%94%B5%E6%B1%A0&field=new_energy");
      expect(page.degraded).toBe(true);
      expect(page.facets).toBeNull();
      expect(ids(page)).toEqual([catalogue.ids.cathode, catalogue.ids.bms].sort((a, b) => a - b));
      // Newest first, as the notice says.
      expect(page.hits.map((h) => h.id)).toEqual([catalogue.ids.cathode, catalogue.ids.bms]);
    } finally {
      engine.down = false;
    }
    expect((await search("")).degraded).toBe(false);
  });

  it("home page shows only what the storefront shows", async () => {
    const home = await homeLoader({ request: new Request(`${BASE}/`), params: {}, context });
    const browse = await search("");
    expect(home.listed).toBe(browse.total);
    expect(home.newest.map((r) => r.id).sort((a, b) => a - b)).toEqual(
      PUBLIC_KEYS.map((k) => catalogue.ids[k]).sort((a, b) => a - b),
    );
  });
});
