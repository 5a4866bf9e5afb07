import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createResult, transition } from "../../app/services/catalogue/lifecycle";
import { defaultSearchParams, searchResults } from "../../app/services/catalogue/search";
import { EmbeddedEngine } from "../../search/embedded/engine";
import { Indexer } from "../../search/indexer";
import { makeMember, sampleInput } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";

const quiet = () => {};

// Issue 3's promise end to end through the services: a researcher lists a result, the bureau approves it, and a buyer
// finds it with a Chinese query in the storefront search within 2 s, with the in-process indexer running.
describeEachEngine("from listing to storefront search", (db) => {
  let engine: EmbeddedEngine;
  let indexer: Indexer;

  beforeAll(async () => {
    engine = new EmbeddedEngine(db(), { indexUid: `flow_${randomBytes(3).toString("hex")}`, syncIntervalMs: 0 });
    await engine.prepare();
    await engine.ready();
    indexer = new Indexer(db(), engine, { log: quiet });
    indexer.start();
  });

  afterAll(async () => {
    await indexer.stop();
    await engine.close();
  });

  const search = (q: string) => searchResults(db(), engine, defaultSearchParams({ q }), { log: quiet });

  it("is not found while pending review, and is found by a Chinese query within 2 s of approval", async () => {
    const researcher = await makeMember(db(), "institution", "洛阳理工学院");
    const bureau = await makeMember(db(), "bureau", "洛阳市科学技术局");
    const title = "牡丹籽油超临界萃取与精制技术";
    const { id } = await createResult(db(), researcher, sampleInput({ title, keywords: ["牡丹籽油", "超临界萃取"], field: "modern_agriculture" }));
    await transition(db(), researcher, id, "submit");
    await new Promise((r) => setTimeout(r, 600)); // longer than the indexer's poll
    expect((await search("牡丹籽油")).hits.map((h) => h.id)).not.toContain(id);

    await transition(db(), bureau, id, "approve");
    const approvedAt = Date.now();
    let hit = false;
    while (!hit && Date.now() - approvedAt < 2_000) {
      hit = (await search("牡丹籽油")).hits.some((h) => h.id === id);
      if (!hit) await new Promise((r) => setTimeout(r, 50));
    }
    expect(hit).toBe(true);
    expect(Date.now() - approvedAt).toBeLessThan(2_000);
    const found = (await search("超临界萃取")).hits.find((h) => h.id === id);
    expect(found?.title).toBe(title);
  });
});
