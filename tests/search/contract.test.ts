import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSearchRequest, defaultSearchParams, highlightSegments, type ResultSearchParams } from "../../app/services/catalogue/search";
import { loadDocuments } from "../../search/documents";
import { EmbeddedEngine } from "../../search/embedded/engine";
import { MeilisearchEngine } from "../../search/meilisearch";
import { reindex } from "../../search/reindex";
import type { EngineResult, SearchEngine } from "../../search/types";
import { describeEachEngine } from "../helpers/db";
import { insertCatalogue, PUBLIC_KEYS } from "./fixtures";

/**
 * The search contract: what every engine must do, asked through the same requests the storefront builds. Runs on the
 * embedded engine always, and on Meilisearch when MEILI_URL is set:
 *   MEILI_URL=http://127.0.0.1:7700 MEILI_MASTER_KEY=… npx vitest run tests/search
 */

type Kind = "embedded" | "meilisearch";
const kinds: Kind[] = process.env.MEILI_URL ? ["embedded", "meilisearch"] : ["embedded"];

describeEachEngine("search contract", (db, dbEngine) => {
  let catalogue: Awaited<ReturnType<typeof insertCatalogue>>;
  const now = new Date();
  beforeAll(async () => {
    catalogue = await insertCatalogue(db(), now.getTime());
  });

  for (const kind of kinds) {
    // Meilisearch does not depend on the database engine: once is enough.
    if (kind === "meilisearch" && dbEngine !== "pglite") continue;

    describe(kind, () => {
      let engine: SearchEngine;
      const ids = () => catalogue.ids;
      const name = (id: number) => Object.entries(catalogue.ids).find(([, v]) => v === id)?.[0] ?? `#${id}`;

      beforeAll(async () => {
        const uid = `contract_${randomBytes(4).toString("hex")}`;
        engine =
          kind === "meilisearch"
            ? new MeilisearchEngine({ url: process.env.MEILI_URL!, apiKey: process.env.MEILI_MASTER_KEY, indexUid: uid })
            : new EmbeddedEngine(db(), { indexUid: uid });
        await engine.prepare();
        await reindex(db(), engine, { batchSize: 4 });
        if (engine instanceof EmbeddedEngine) await engine.ready();
      });

      afterAll(async () => {
        if (engine instanceof MeilisearchEngine) {
          const { Meilisearch } = await import("meilisearch");
          await new Meilisearch({ host: process.env.MEILI_URL!, apiKey: process.env.MEILI_MASTER_KEY })
            .deleteIndexIfExists(engine.indexUid);
        }
        await engine?.close();
      });

      const search = (p: Partial<ResultSearchParams>): Promise<EngineResult> => engine.search(buildSearchRequest(defaultSearchParams(p), now));
      const names = (r: EngineResult) => r.hits.map((h) => name(h.document.id));

      it("holds every listed and reserved result after a reindex, and nothing else", async () => {
        expect(await engine.count()).toBe(PUBLIC_KEYS.length + 2); // + stale, + reserved (filtered at query time)
      });

      it("browses only public listings: not drafts, not reserved, not stale", async () => {
        const r = await search({ per_page: 100 });
        expect(r.total).toBe(PUBLIC_KEYS.length);
        expect(new Set(names(r))).toEqual(new Set(PUBLIC_KEYS));
      });

      it("finds a Chinese word, ranking title matches above summary-only ones", async () => {
        const r = await search({ q: "电池" });
        expect(new Set(names(r))).toEqual(new Set(["cathode", "recycling", "bms", "summaryOnly"]));
        const order = names(r);
        expect(order.indexOf("cathode")).toBeLessThan(order.indexOf("summaryOnly"));
        expect(order.indexOf("bms")).toBeLessThan(order.indexOf("summaryOnly"));
      });

      it("segments a Chinese phrase into words that must all match", async () => {
        expect(names(await search({ q: "锂离子电池正极材料" }))).toEqual(["cathode"]);
        expect(names(await search({ q: "锂离子电池 回收" }))).toEqual([]);
      });

      it("finds English words, and tolerates a typo in a Latin word", async () => {
        expect(names(await search({ q: "graphene sensor" }))).toEqual(["sensor"]);
        expect(names(await search({ q: "grapheme sensor" }))).toEqual(["sensor"]);
        expect(names(await search({ q: "batery management" }))).toEqual(["bms"]);
      });

      it("completes the last Latin word as a prefix (results as you type)", async () => {
        expect(names(await search({ q: "machine visi" }))).toEqual(["vision"]);
      });

      it("matches patent and registration numbers exactly, never approximately", async () => {
        expect(names(await search({ q: "ZL202310123456.7" }))).toEqual(["cathode"]);
        expect(names(await search({ q: "202310123456.7" }))).toEqual(["cathode"]);
        expect(names(await search({ q: "zl202220654321.x" }))).toEqual(["sensor"]);
        expect(names(await search({ q: "ZL202220654321.9" }))).toEqual([]);
        expect(names(await search({ q: "2023SR0123456" }))).toEqual(["vision"]);
        expect(names(await search({ q: "ZL202310123456.8" }))).toEqual([]);
        expect(names(await search({ q: "ZL202310123456.7 电池" }))).toEqual(["cathode"]);
        expect(names(await search({ q: "ZL202310123456.7 水稻" }))).toEqual([]);
      });

      it("counts facets over the matches", async () => {
        const r = await search({});
        expect(r.facets.field).toEqual({
          new_energy: 2,
          modern_agriculture: 2,
          electronic_information: 1,
          advanced_manufacturing: 1,
          resources_environment: 1,
          aerospace: 1,
        });
        expect(r.facets.trl).toEqual({ "4": 1, "5": 1, "6": 3, "7": 2, "8": 1 });
        expect(r.facets.modes).toEqual({ assignment: 5, exclusive_license: 2, service: 2, development: 1, equity: 1, nonexclusive_license: 1 });
        expect(r.facets.voucher_eligible).toEqual({ true: 2, false: 6 });
        expect(r.facets.institution).toEqual({ 河南科技大学: 3, 中科院洛阳材料研究所: 3, 河南农业大学: 2 });
        expect(r.facets.price_bands).toMatchObject({ negotiable: 4, over_5m: 2, under_100k: 2 });
        const battery = await search({ q: "电池" });
        expect(battery.facets.field).toEqual({ new_energy: 2, resources_environment: 1, modern_agriculture: 1 });
      });

      it("filters by field, TRL, institution, region, IP type and voucher", async () => {
        expect(new Set(names(await search({ field: ["new_energy"] })))).toEqual(new Set(["cathode", "bms"]));
        expect(new Set(names(await search({ field: ["new_energy", "aerospace"] })))).toEqual(new Set(["cathode", "bms", "straddle"]));
        expect(new Set(names(await search({ trl_min: 7 })))).toEqual(new Set(["vision", "bms", "rice"]));
        expect(new Set(names(await search({ trl_min: 5, trl_max: 5 })))).toEqual(new Set(["recycling"]));
        expect(new Set(names(await search({ institution: catalogue.institutions.agri })))).toEqual(new Set(["rice", "summaryOnly"]));
        expect(new Set(names(await search({ institution: "河南农业大学" })))).toEqual(new Set(["rice", "summaryOnly"]));
        expect(new Set(names(await search({ region: "郑州市" })))).toEqual(new Set(["rice", "summaryOnly"]));
        expect(new Set(names(await search({ ip_type: ["software_copyright", "plant_variety"] })))).toEqual(new Set(["vision", "rice"]));
        expect(new Set(names(await search({ voucher: true })))).toEqual(new Set(["cathode", "rice"]));
        expect(names(await search({ q: "电池", voucher: true }))).toEqual(["cathode"]);
      });

      it("applies price filters to the given mode, or else to any fixed-priced mode; negotiable never matches", async () => {
        // 10万–100万 yuan on any mode: the sensor (20万), recycling (30万) and vision (80万). straddle has 5万 and
        // 500万 but no single price in range; negotiable-only bms never matches.
        expect(new Set(names(await search({ price_min: 100_000, price_max: 1_000_000 })))).toEqual(new Set(["sensor", "recycling", "vision"]));
        expect(new Set(names(await search({ mode: "assignment", price_max: 1_000_000 })))).toEqual(new Set(["recycling", "vision"]));
        expect(new Set(names(await search({ mode: "assignment", price_min: 1_000_000 })))).toEqual(
          new Set(["cathode", "summaryOnly", "straddle"]),
        );
        expect(new Set(names(await search({ mode: "service", price_max: 60_000 })))).toEqual(new Set(["rice", "straddle"]));
        expect(names(await search({ mode: "exclusive_license", price_min: 0 }))).toEqual([]);
        expect(new Set(names(await search({ mode: "exclusive_license" })))).toEqual(new Set(["cathode", "bms"]));
        expect(new Set(names(await search({ price_min: 0.01, per_page: 100 })))).not.toContain("bms");
      });

      it("sorts by newest and by price, lowest fixed price or the chosen mode's; unpriced last either way", async () => {
        expect(names(await search({ sort: "newest", per_page: 100 }))).toEqual([
          "vision",
          "cathode",
          "sensor",
          "rice",
          "recycling",
          "summaryOnly",
          "straddle",
          "bms",
        ]);
        const asc = names(await search({ sort: "price_asc", per_page: 100 }));
        expect(asc.slice(0, 2).sort()).toEqual(["rice", "straddle"]); // both 5万 (service)
        expect(asc.slice(2)).toEqual(["sensor", "recycling", "vision", "summaryOnly", "cathode", "bms"]);
        const desc = names(await search({ sort: "price_desc", per_page: 100 }));
        expect(desc.slice(0, 4)).toEqual(["cathode", "summaryOnly", "vision", "recycling"]);
        expect(desc[desc.length - 1]).toBe("bms");
        expect(names(await search({ mode: "assignment", sort: "price_desc" }))).toEqual(["cathode", "straddle", "summaryOnly", "vision", "recycling"]);
        expect(names(await search({ q: "电池", sort: "newest" }))).toEqual(["cathode", "recycling", "summaryOnly", "bms"]);
      });

      it("pages through results with an exact total", async () => {
        const first = await search({ sort: "newest", per_page: 3, page: 1 });
        const second = await search({ sort: "newest", per_page: 3, page: 2 });
        const last = await search({ sort: "newest", per_page: 3, page: 3 });
        const beyond = await search({ sort: "newest", per_page: 3, page: 4 });
        expect([first.total, second.total, last.total, beyond.total]).toEqual([8, 8, 8, 8]);
        expect(names(first)).toEqual(["vision", "cathode", "sensor"]);
        expect(names(second)).toEqual(["rice", "recycling", "summaryOnly"]);
        expect(names(last)).toEqual(["straddle", "bms"]);
        expect(beyond.hits).toEqual([]);
      });

      it("highlights matched words in title and summary", async () => {
        const r = await search({ q: "电池" });
        const cathode = r.hits.find((h) => h.document.id === ids().cathode)!;
        const title = highlightSegments(cathode.highlight.title!);
        expect(title.map((s) => s.text).join("")).toBe("高性能锂离子电池正极材料及其制备方法");
        expect(title.filter((s) => s.match).map((s) => s.text)).toContain("电池");
        const summaryOnly = r.hits.find((h) => h.document.id === ids().summaryOnly)!;
        expect(highlightSegments(summaryOnly.highlight.summary!).filter((s) => s.match).map((s) => s.text)).toContain("电池");
        const english = (await search({ q: "graphene" })).hits[0];
        expect(highlightSegments(english.highlight.title_en!).find((s) => s.match)?.text.toLowerCase()).toBe("graphene");
      });

      it("returns hit documents with prices in fen and without the long description", async () => {
        const hit = (await search({ q: "正极材料" })).hits[0];
        expect(hit.document).toMatchObject({
          id: ids().cathode,
          title_en: "High-performance lithium-ion battery cathode material",
          mode_prices: [
            { mode: "assignment", price_fen: 500_000_000 },
            { mode: "exclusive_license", price_fen: null },
          ],
          institution: "河南科技大学",
        });
        expect(hit.document).not.toHaveProperty("description");
      });

      it("applies upserts and removals once the engine confirms them", async () => {
        const { documents } = await loadDocuments(db(), [ids().rice]);
        await engine.upsert([{ ...documents[0], title: "耐盐碱水稻新品种选育技术" }]);
        expect(names(await search({ q: "耐盐碱" }))).toEqual(["rice"]);
        expect((await search({})).total).toBe(8);
        await engine.remove([ids().rice]);
        expect(names(await search({ q: "耐盐碱" }))).toEqual([]);
        expect((await search({})).total).toBe(7);
        await engine.upsert(documents);
        expect((await search({})).total).toBe(8);
      });
    });
  }
});
