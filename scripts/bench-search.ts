// npm run bench:search -- --size N [--runs R]
//
// Builds N listings (in a fresh in-memory PGlite by default, or in DATABASE_URL's database, which must hold no other
// catalogue), indexes them with the configured engine (embedded, or Meilisearch with MEILI_URL), then runs a fixed
// mix of queries through the search service and through HTTP (GET /api/v1/results on a local server). Prints
// p50/p95/max and queries per second per kind of query, and ends with one JSON line of server-side figures.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { initDatabase, closeDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { defaultSearchParams, searchResults, type ResultSearchParams } from "../app/services/catalogue/search";
import { startSearch, stopSearch } from "../app/services/catalogue/search-engine.server";
import { loader as resultsLoader } from "../app/routes/api.v1.results";
import { migrateToLatest } from "../db/migrate";
import { EmbeddedEngine } from "../search/embedded/engine";
import { createSearchEngine } from "../search/engine";
import { reindex } from "../search/reindex";
import { printProgress } from "./lib/progress";
import { countBenchListings, deleteBenchListings, insertBenchListings } from "./bench-search-data";

type Query = Partial<ResultSearchParams>;

/** The fixed mix: every kind of query the storefront sends, several of each, cycled. */
const MIX: Record<string, Query[]> = {
  chinese_word: ["电池", "传感器", "合金", "检测", "催化剂", "无人机", "机器人", "污水"].map((q) => ({ q })),
  chinese_phrase: ["钠离子电池储能系统", "高温合金涡轮叶片", "表面缺陷视觉检测", "工业废水处理技术", "钛合金椎间融合器", "燃料电池电堆"].map(
    (q) => ({ q }),
  ),
  english: ["sensor", "titanium alloy", "fuel cell", "wastewater", "UAV inspection", "battery"].map((q) => ({ q })),
  typo: ["titanum alloy", "sensro", "wastewatr", "batery", "inspektion", "aluminum"].map((q) => ({ q })),
  filter_facets: [
    { q: "电池", field: ["new_energy"], trl_min: 4 },
    { q: "检测", mode: "nonexclusive_license", price_max: 500_000 },
    { q: "", field: ["advanced_manufacturing"], voucher: true },
    { q: "合金", price_min: 100_000, price_max: 2_000_000 },
    { q: "传感器", trl_min: 5, trl_max: 8, sort: "price_asc" },
    { q: "", mode: "assignment", price_min: 500_000, sort: "price_desc", institution: "河南科技大学" },
  ],
  browse: [
    { q: "", page: 1 },
    { q: "", page: 2 },
    { q: "", page: 5, per_page: 50 },
    { q: "", sort: "price_asc" },
    { q: "", field: ["biomedicine"] },
  ],
};

function toQueryString(p: Query): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    s.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  return s.toString();
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

const round = (n: number) => Math.round(n * 10) / 10;

async function main() {
  const { values } = parseArgs({
    options: { size: { type: "string", default: "10000" }, runs: { type: "string", default: "30" } },
    allowPositionals: false,
  });
  const size = Number(values.size);
  const runs = Number(values.runs);
  if (!Number.isInteger(size) || size < 1) throw new Error("--size must be a positive whole number");
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive whole number");

  const config = env();
  // Never the developer's DATA_DIR: without DATABASE_URL the bench uses a throwaway in-memory PGlite.
  const handle = await initDatabase({ DATABASE_URL: config.DATABASE_URL, DATA_DIR: "memory://" });
  const db = handle.db;
  await migrateToLatest(db);
  const database = handle.engine;

  const existing = await countBenchListings(db);
  if (existing < 0) throw new Error("this database holds a real catalogue: point DATABASE_URL at a database of its own for the bench");
  if (existing !== size) {
    if (existing > 0) await deleteBenchListings(db);
    const t = performance.now();
    await insertBenchListings(db, size, (done) => printProgress("listings", done, size));
    console.log(`built ${size} listings in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } else {
    console.log(`reusing ${size} bench listings already in the database`);
  }

  const builder = createSearchEngine(db, config, { indexUid: "bench_results" });
  let t = performance.now();
  const built = await reindex(db, builder, { onProgress: (done, total) => printProgress("reindex", done, total) });
  const reindexMs = performance.now() - t;
  console.log(`reindexed ${built.documents} documents in ${(reindexMs / 1000).toFixed(1)} s`);
  let loadMs = 0;
  let engine = builder;
  if (builder instanceof EmbeddedEngine) {
    // What a server pays at start: a fresh process loading the index from the database into memory.
    await builder.close();
    engine = new EmbeddedEngine(db, { indexUid: builder.indexUid });
    t = performance.now();
    await (engine as EmbeddedEngine).ready();
    loadMs = performance.now() - t;
    const mem = process.memoryUsage();
    console.log(
      `embedded index loaded in ${(loadMs / 1000).toFixed(1)} s; heap ${Math.round(mem.heapUsed / 2 ** 20)} MiB, ` +
        `typed arrays ${Math.round(mem.arrayBuffers / 2 ** 20)} MiB, rss ${Math.round(mem.rss / 2 ** 20)} MiB`,
    );
  }
  await startSearch(db, config, { indexer: false, engine });

  // Warm up (JIT, caches), then measure server-side time as the service reports it.
  for (const list of Object.values(MIX)) for (const q of list) await searchResults(db, engine, defaultSearchParams(q));

  const serverByKind: Record<string, number[]> = {};
  const all: number[] = [];
  let degraded = 0;
  const started = performance.now();
  for (const [kind, list] of Object.entries(MIX)) {
    serverByKind[kind] = [];
    for (let i = 0; i < runs; i++) {
      const page = await searchResults(db, engine, defaultSearchParams(list[i % list.length]));
      if (page.degraded) degraded++;
      if (i < list.length && page.total === 0) console.warn(`  note: ${JSON.stringify(list[i])} found nothing`);
      serverByKind[kind].push(page.took_ms);
      all.push(page.took_ms);
    }
  }
  const wallMs = performance.now() - started;
  const qps = (all.length / wallMs) * 1000;

  // The same mix over HTTP against the public API route.
  const server: Server = createServer((req, res) => {
    const request = new Request(`http://127.0.0.1${req.url}`);
    resultsLoader({ request, params: {}, context: { clientIp: "127.0.0.1" } })
      .then(async (response: Response) => {
        res.writeHead(response.status, { "content-type": "application/json" });
        res.end(await response.text());
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const httpClient: number[] = [];
  const httpServer: number[] = [];
  const httpStarted = performance.now();
  for (const list of Object.values(MIX)) {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/results?${toQueryString(list[i % list.length])}`);
      const body = (await response.json()) as { took_ms: number };
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
      httpClient.push(performance.now() - t0);
      httpServer.push(body.took_ms);
    }
  }
  const httpQps = (httpClient.length / (performance.now() - httpStarted)) * 1000;
  await new Promise((r) => server.close(r));

  const row = (label: string, samples: number[]) => {
    const s = stats(samples);
    return `${label.padEnd(16)} ${String(round(s.p50)).padStart(8)} ${String(round(s.p95)).padStart(8)} ${String(round(s.max)).padStart(8)}`;
  };
  console.log(`\nsearch bench: engine ${engine.kind}, database ${database}, ${size} listings, ${runs} runs per kind`);
  console.log(`${"server-side".padEnd(16)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"max ms".padStart(8)}`);
  for (const [kind, samples] of Object.entries(serverByKind)) console.log(row(kind, samples));
  console.log(row("all", all));
  console.log(`${"".padEnd(16)} ${round(qps)} queries/s (one client, sequential)`);
  console.log(row("http client", httpClient));
  console.log(row("http server", httpServer));
  console.log(`${"".padEnd(16)} ${round(httpQps)} requests/s over HTTP (one client, sequential)`);
  if (degraded > 0) console.log(`warning: ${degraded} searches were answered degraded (from the database)`);

  const s = stats(all);
  const h = stats(httpClient);
  const summary = {
    bench: "search",
    engine: engine.kind,
    size,
    p50_ms: round(s.p50),
    p95_ms: round(s.p95),
    qps: round(qps),
    max_ms: round(s.max),
    database,
    http_p50_ms: round(h.p50),
    http_p95_ms: round(h.p95),
    http_qps: round(httpQps),
    reindex_s: round(reindexMs / 1000),
    load_s: round(loadMs / 1000),
  };
  await stopSearch();
  await closeDatabase();
  console.log(JSON.stringify(summary));
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await stopSearch().catch(() => {});
  await closeDatabase().catch(() => {});
  process.exit(1);
});
