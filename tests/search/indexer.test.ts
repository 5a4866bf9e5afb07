import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultSearchParams, recordListingChange, searchResults } from "../../app/services/catalogue/search";
import { EmbeddedEngine } from "../../search/embedded/engine";
import { Indexer } from "../../search/indexer";
import { countIndexable } from "../../search/documents";
import { claimChanges, completeChanges, outboxStatus } from "../../search/outbox";
import { queueAllIfIndexEmpty, reindex, ReindexBusyError } from "../../search/reindex";
import { describeEachEngine } from "../helpers/db";
import { insertCatalogue, insertInstitution, insertResult } from "./fixtures";
import { SwitchableEngine } from "./helpers";

const quiet = () => {};

describeEachEngine(
  "search outbox and indexer",
  (db) => {
    let engine: EmbeddedEngine;
    let switchable: SwitchableEngine;
    let indexer: Indexer;
    let institution: number;
    let catalogue: Awaited<ReturnType<typeof insertCatalogue>>;

    beforeAll(async () => {
      catalogue = await insertCatalogue(db());
      institution = await insertInstitution(db(), "郑州大学", "郑州市");
      engine = new EmbeddedEngine(db(), { indexUid: `ix_${randomBytes(3).toString("hex")}`, syncIntervalMs: 0 });
      switchable = new SwitchableEngine(engine);
      await engine.prepare();
      await engine.ready();
      indexer = new Indexer(db(), switchable, { backoff: { baseMs: 30, maxMs: 200 }, log: quiet });
      await indexer.drain();
    });

    afterAll(async () => {
      await indexer.stop();
      await engine.close();
    });

    const search = (q: string, extra = {}) => searchResults(db(), switchable, defaultSearchParams({ q, ...extra }), { log: quiet });

    it("indexes every queued change and empties the outbox", async () => {
      expect((await outboxStatus(db())).pending).toBe(0);
      expect(await engine.count()).toBe(10);
      expect((await search("电池")).total).toBe(4);
    });

    it("makes a new listing searchable, and removes a withdrawn one", async () => {
      const id = await insertResult(db(), { institutionId: institution, title: "超导量子干涉器件", field: "electronic_information" });
      expect((await search("超导")).total).toBe(0);
      const batch = await indexer.runOnce();
      expect(batch).toMatchObject({ claimed: 1, indexed: 1, removed: 0, failed: 0 });
      expect((await search("超导")).hits.map((h) => h.id)).toEqual([id]);

      await db()
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable("technology_results").set({ status: "withdrawn" }).where("id", "=", id).execute();
          await recordListingChange(trx, id);
        });
      expect(await indexer.runOnce()).toMatchObject({ claimed: 1, indexed: 0, removed: 1 });
      expect((await search("超导")).total).toBe(0);
      expect((await outboxStatus(db())).pending).toBe(0);
    });

    it("with the indexer running, a newly listed result is found by a Chinese query within 2 s", async () => {
      const running = new Indexer(db(), engine, { log: quiet });
      running.start();
      try {
        const started = Date.now();
        const id = await insertResult(db(), { institutionId: institution, title: "玉米秸秆还田机械化技术", field: "modern_agriculture" });
        let found = false;
        while (!found && Date.now() - started < 2_000) {
          found = (await search("秸秆还田")).hits.some((h) => h.id === id);
          if (!found) await new Promise((r) => setTimeout(r, 50));
        }
        expect(found).toBe(true);
        expect(Date.now() - started).toBeLessThan(2_000);
      } finally {
        await running.stop();
      }
    });

    it("never drops a change made while its batch was in flight", async () => {
      const id = await insertResult(db(), { institutionId: institution, title: "低温等离子体灭菌设备", field: "biomedicine" });
      const claimed = await claimChanges(db(), { worker: "w1", limit: 10, leaseMs: 60_000, indexUid: engine.indexUid });
      expect(claimed.map((c) => c.resultId)).toEqual([id]);
      // A second change lands before w1 completes: w1's completion must not delete it.
      await db()
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable("technology_results").set({ title: "常压等离子体灭菌设备" }).where("id", "=", id).execute();
          await recordListingChange(trx, id);
        });
      // Claimed rows are invisible to other indexers until the lease ends.
      expect(await claimChanges(db(), { worker: "w2", limit: 10, leaseMs: 60_000, indexUid: engine.indexUid })).toEqual([]);
      await completeChanges(db(), "w1", claimed);
      const left = await db().selectFrom("search_outbox").selectAll().where("result_id", "=", id).executeTakeFirstOrThrow();
      expect(left).toMatchObject({ version: 2, claimed_by: null, claimed_until: null });
      await indexer.drain();
      expect((await search("常压等离子体")).hits.map((h) => h.id)).toEqual([id]);
    });

    it("lets several indexers run at once, each change sent exactly once", async () => {
      const ids: number[] = [];
      for (let i = 0; i < 40; i++) {
        ids.push(await insertResult(db(), { institutionId: institution, title: `并发索引测试成果${i}号`, field: "hightech_services" }));
      }
      const counting = new SwitchableEngine(engine);
      const workers = [1, 2, 3].map((n) => new Indexer(db(), counting, { batchSize: 6, worker: `worker-${n}`, log: quiet }));
      await Promise.all(workers.map((w) => w.drain()));
      expect([...counting.upserted].sort((a, b) => a - b)).toEqual(ids);
      expect((await outboxStatus(db())).pending).toBe(0);
      expect((await search("并发索引测试成果", { per_page: 100 })).total).toBe(40);
    });

    it("degrades to a database listing while the engine is down, retries with backoff, then catches up", async () => {
      switchable.down = true;
      const id = await insertResult(db(), {
        institutionId: institution,
        title: "氢燃料电池双极板涂层",
        field: "new_energy",
        modes: [["assignment", 600_000]],
        voucher: true,
      });
      expect(await indexer.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      const row = await db().selectFrom("search_outbox").selectAll().where("result_id", "=", id).executeTakeFirstOrThrow();
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/ECONNREFUSED/);
      expect(row.available_at.getTime()).toBeGreaterThan(Date.now() - 1000);
      // Waiting out the backoff: nothing is claimable right away.
      expect((await indexer.runOnce()).claimed).toBe(0);

      const degraded = await search("燃料电池");
      expect(degraded).toMatchObject({ degraded: true, engine: "database", total: 1 });
      expect(degraded.hits[0]).toMatchObject({ id, title: "氢燃料电池双极板涂层", modes: [{ mode: "assignment", price_fen: 60_000_000 }] });
      expect(degraded.facets.field).toEqual({});
      // The same visibility and filter rules hold in the database listing.
      const browse = await search("", { per_page: 100 });
      expect(browse.degraded).toBe(true);
      // Everything the engine lists, plus the listing it has not received yet.
      const indexed = await searchResults(db(), engine, defaultSearchParams({}), { log: quiet });
      expect(indexed.degraded).toBe(false);
      expect(browse.total).toBe(indexed.total + 1);
      expect(browse.hits.map((h) => h.id)).not.toContain(catalogue.ids.draft);
      expect(browse.hits.map((h) => h.id)).not.toContain(catalogue.ids.stale);
      expect(browse.hits.map((h) => h.id)).not.toContain(catalogue.ids.reserved);
      expect((await search("", { voucher: true, field: ["new_energy"] })).hits.map((h) => h.id).sort()).toEqual([catalogue.ids.cathode, id].sort());
      expect((await search("", { mode: "assignment", price_min: 500_000, price_max: 700_000 })).hits.map((h) => h.id)).toEqual([id]);
      expect((await search("", { price_min: 100_000, price_max: 1_000_000, field: ["aerospace"] })).total).toBe(0);
      expect((await search("ZL202310123456.7")).hits.map((h) => h.id)).toEqual([catalogue.ids.cathode]);
      expect((await search("ZL202310123456.8")).total).toBe(0);

      switchable.down = false;
      await new Promise((r) => setTimeout(r, 300)); // past the backoff cap
      expect(await indexer.drain()).toMatchObject({ indexed: 1, failed: 0 });
      const back = await search("燃料电池");
      expect(back).toMatchObject({ degraded: false, engine: "embedded", total: 1 });
      expect(back.hits[0].highlight.title.some((s) => s.match)).toBe(true);
      expect((await outboxStatus(db())).pending).toBe(0);
    });

    it("stops asking a failing remote engine for a while (circuit breaker)", async () => {
      const remote = new SwitchableEngine(engine, "meilisearch");
      remote.down = true;
      expect((await searchResults(db(), remote, defaultSearchParams({ q: "电池" }), { log: quiet })).degraded).toBe(true);
      expect((await searchResults(db(), remote, defaultSearchParams({ q: "电池" }), { log: quiet })).degraded).toBe(true);
      expect(remote.searches).toBe(1);
    });

    it("marks state-funded results with a negotiable price as in publicity for 15 days after listing", async () => {
      const r = await search("电池", { per_page: 100 });
      const cathode = r.hits.find((h) => h.id === catalogue.ids.cathode)!;
      const bms = r.hits.find((h) => h.id === catalogue.ids.bms)!;
      expect(cathode.in_publicity).toBe(true);
      expect(new Date(cathode.publicity_ends_at!).getTime() - new Date(cathode.listed_at).getTime()).toBe(15 * 86_400_000);
      expect(bms.in_publicity).toBe(false); // listed 100 days ago
      expect(r.hits.find((h) => h.id === catalogue.ids.recycling)!.publicity_ends_at).toBeNull(); // not state-funded
    });

    it("holds indexers back during a reindex; changes made meanwhile land in the new index", async () => {
      await sql`insert into search_reindex_locks (index_uid, holder, expires_at) values (${engine.indexUid}, 'other', now() + interval '1 minute')`.execute(db());
      await expect(reindex(db(), engine)).rejects.toThrow(ReindexBusyError);
      const id = await insertResult(db(), { institutionId: institution, title: "盐碱地改良微生物菌剂", field: "resources_environment" });
      expect((await indexer.runOnce()).claimed).toBe(0);
      await db().deleteFrom("search_reindex_locks").execute();

      // A result inserted without the outbox (as a bulk seed does) is only found after a reindex.
      const silent = await db()
        .insertInto("technology_results")
        .values({
          institution_id: institution,
          title: "秸秆生物质热解制炭装置",
          summary: "未经 outbox 写入",
          field: "resources_environment",
          trl: 6,
          status: "listed",
          listed_at: new Date(),
          confirmed_at: new Date(),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const progress: [number, number][] = [];
      const result = await reindex(db(), engine, { batchSize: 7, onProgress: (d, t) => progress.push([d, t]) });
      expect(result.documents).toBe(await engine.count());
      expect(progress[0]).toEqual([0, result.documents]);
      expect(progress[progress.length - 1]).toEqual([result.documents, result.documents]);
      // The swapped-in generation is loaded in the background; searches see it within moments (never a 500 meanwhile).
      await expect.poll(async () => (await search("热解制炭")).hits.map((h) => h.id), { timeout: 5_000 }).toEqual([silent.id]);
      // The change queued during the (simulated) reindex is still pending and lands now.
      expect((await indexer.drain()).indexed).toBe(1);
      await expect.poll(async () => (await search("盐碱地")).hits.map((h) => h.id), { timeout: 5_000 }).toEqual([id]);
      expect(await db().selectFrom("search_reindex_locks").selectAll().execute()).toEqual([]);
    });

    it("queues the whole catalogue when an engine starts with an empty index", async () => {
      const fresh = new EmbeddedEngine(db(), { indexUid: `fresh_${randomBytes(3).toString("hex")}` });
      await fresh.prepare();
      const queued = await queueAllIfIndexEmpty(db(), fresh);
      expect(queued).toBeGreaterThan(0);
      await new Indexer(db(), fresh, { log: quiet }).drain();
      // Rows already pending in the shared outbox were not queued again, but land too: the index holds the catalogue.
      expect(await fresh.count()).toBe(await countIndexable(db()));
      expect(await queueAllIfIndexEmpty(db(), fresh)).toBe(0);
      await fresh.close();
    });
  },
  { maxConnections: 10 },
);

describeEachEngine("embedded engine across processes", (db) => {
  it("a second copy of the index sees the first one's writes and swaps", async () => {
    const uid = `shared_${randomBytes(3).toString("hex")}`;
    const institution = await insertInstitution(db(), "洛阳理工学院");
    const id = await insertResult(db(), { institutionId: institution, title: "陶瓷膜过滤组件", field: "new_materials" });
    const writer = new EmbeddedEngine(db(), { indexUid: uid, syncIntervalMs: 0 });
    const reader = new EmbeddedEngine(db(), { indexUid: uid, syncIntervalMs: 0 });
    await writer.prepare();
    await writer.ready();
    await reader.ready();
    await new Indexer(db(), writer, { log: quiet }).drain();
    const request = { text: "陶瓷膜", filters: [], facets: [], sort: null, page: 1, perPage: 10 };
    expect((await reader.search(request)).hits.map((h) => h.document.id)).toEqual([id]);

    await writer.remove([id]);
    expect((await reader.search(request)).total).toBe(0);

    await reindex(db(), writer);
    // The reader loads the new generation in the background and keeps answering from the old one meanwhile.
    await reader.search(request);
    await reader.ready();
    expect((await reader.search(request)).hits.map((h) => h.document.id)).toEqual([id]);
    await Promise.all([writer.close(), reader.close()]);
  });
});
