import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loader as resultLoader } from "../../app/routes/api.v1.results.$id";
import { loader as resultsLoader } from "../../app/routes/api.v1.results";
import { startSearch, stopSearch } from "../../app/services/catalogue/search-engine.server";
import { EmbeddedEngine } from "../../search/embedded/engine";
import { Indexer } from "../../search/indexer";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { insertCatalogue } from "./fixtures";

const context = { clientIp: "127.0.0.1" };

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(path, "http://localhost");
  const request = new Request(url);
  const match = /^\/api\/v1\/results\/([^/]+)$/.exec(url.pathname);
  const response = match
    ? await resultLoader({ request, params: { id: decodeURIComponent(match[1]) }, context })
    : await resultsLoader({ request, params: {}, context });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describeEachEngine("public results API", (db, dbEngine) => {
  useAppDatabase(db, dbEngine);
  let catalogue: Awaited<ReturnType<typeof insertCatalogue>>;
  let engine: EmbeddedEngine;

  beforeAll(async () => {
    catalogue = await insertCatalogue(db());
    engine = new EmbeddedEngine(db(), { indexUid: `api_${randomBytes(3).toString("hex")}` });
    await engine.prepare();
    await engine.ready();
    await new Indexer(db(), engine, { log: () => {} }).drain();
    await startSearch(db(), {}, { indexer: false, engine });
  });

  afterAll(async () => {
    await stopSearch();
  });

  it("answers a search in the documented shape, prices in fen", async () => {
    const { status, body } = await get("/api/v1/results?q=电池&mode=assignment&price_max=5000000&sort=price_desc&per_page=2");
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["degraded", "facets", "hits", "page", "per_page", "took_ms", "total"]);
    expect(body).toMatchObject({ total: 3, page: 1, per_page: 2, degraded: false });
    expect(typeof body.took_ms).toBe("number");
    const hits = body.hits as Record<string, unknown>[];
    expect(hits).toHaveLength(2);
    expect(Object.keys(hits[0]).sort()).toEqual(["field", "id", "institution", "listed_at", "modes", "title", "title_en", "trl"]);
    expect(hits[0]).toMatchObject({
      id: catalogue.ids.cathode,
      title: "高性能锂离子电池正极材料及其制备方法",
      field: "new_energy",
      trl: 6,
      institution: "河南科技大学",
      modes: [
        { mode: "assignment", price_fen: 500_000_000 },
        { mode: "exclusive_license", price_fen: null },
      ],
    });
    expect(new Date(hits[0].listed_at as string).toISOString()).toBe(hits[0].listed_at);
    expect(body.facets).toEqual({
      field: { new_energy: 1, resources_environment: 1, modern_agriculture: 1 },
      mode: { assignment: 3, exclusive_license: 1 },
      trl: { "5": 1, "6": 2 },
    });
  });

  it("filters by institution id, voucher and field list", async () => {
    const { body } = await get(`/api/v1/results?institution=${catalogue.institutions.hkust}&voucher=true`);
    expect((body.hits as { id: number }[]).map((h) => h.id)).toEqual([catalogue.ids.cathode]);
    const fields = await get("/api/v1/results?field=aerospace,biomedicine");
    expect(fields.body.total).toBe(1);
  });

  it("rejects a bad parameter with 400 naming it, and changes nothing", async () => {
    for (const [query, parameter] of [
      ["trl_min=abc", "trl_min"],
      ["per_page=500", "per_page"],
      ["sort=popular", "sort"],
      ["mode=lease", "mode"],
      ["price_min=-5", "price_min"],
      ["voucher=1", "voucher"],
      ["pgae=2", "pgae"],
    ]) {
      const { status, body } = await get(`/api/v1/results?${query}`);
      expect(status, query).toBe(400);
      expect(body).toMatchObject({ error: "invalid_parameter", parameter });
      expect(typeof body.message).toBe("string");
    }
  });

  it("serves one public result with everything a buyer needs", async () => {
    const { status, body } = await get(`/api/v1/results/${catalogue.ids.cathode}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: catalogue.ids.cathode,
      title_en: "High-performance lithium-ion battery cathode material",
      keywords: ["锂离子电池", "正极材料"],
      ip: [{ type: "invention_patent", number: "ZL202310123456.7", status: "granted" }],
      institution: { id: catalogue.institutions.hkust, name: "河南科技大学" },
      modes: [
        { mode: "assignment", price_fen: 500_000_000 },
        { mode: "exclusive_license", price_fen: null },
      ],
      voucher_eligible: true,
      state_funded: true,
      in_publicity: true,
    });
    expect(body).not.toHaveProperty("contact_phone");
  });

  it("hides drafts, reserved and stale listings, and answers 404 / 400 as JSON", async () => {
    for (const key of ["draft", "reserved", "stale"] as const) {
      const { status, body } = await get(`/api/v1/results/${catalogue.ids[key]}`);
      expect(status, key).toBe(404);
      expect(body).toMatchObject({ error: "not_found" });
    }
    expect((await get("/api/v1/results/999999")).status).toBe(404);
    for (const id of ["abc", "0", "1.5", "-3", "99999999999999999999"]) {
      const { status, body } = await get(`/api/v1/results/${id}`);
      expect(status, id).toBe(400);
      expect(body).toMatchObject({ error: "invalid_parameter", parameter: "id" });
    }
  });

  it("still answers (degraded, from the database) when the engine cannot", async () => {
    await engine.close(); // a closed engine refuses every search
    const { status, body } = await get("/api/v1/results?q=电池&per_page=100");
    expect(status).toBe(200);
    expect(body).toMatchObject({ degraded: true, total: 4, facets: { field: {}, mode: {}, trl: {} } });
  });
});
