import { getDb } from "../../db.server";
import { env } from "../../env.server";
import type { Database } from "../../../db/client";
import { createSearchEngine, startEngine, type SearchConfig } from "../../../search/engine";
import { Indexer } from "../../../search/indexer";
import { queueAllIfIndexEmpty } from "../../../search/reindex";
import type { SearchEngine } from "../../../search/types";

// One search engine and one in-process indexer per process. Like the database handle, it lives on globalThis so the
// server entry and the Remix server bundle (separate module graphs) share it.

interface SearchRuntime {
  engine: SearchEngine;
  indexer: Indexer | null;
}

const globalStore = globalThis as typeof globalThis & { __marketSearch?: Promise<SearchRuntime> };

function log(message: string): void {
  console.log(`[search] ${message}`);
}

/**
 * Creates the engine (Meilisearch when MEILI_URL is set, embedded otherwise), prepares its index, queues the whole
 * catalogue if the index is empty, and starts the in-process indexer. Safe to call more than once. If the engine is
 * down at start, the storefront degrades and the indexer keeps retrying.
 */
export function startSearch(
  db: Database,
  config: SearchConfig,
  options: { indexer?: boolean; /** use this engine instead of one made from config (benchmarks, tests) */ engine?: SearchEngine } = {},
): Promise<SearchRuntime> {
  globalStore.__marketSearch ??= (async () => {
    const engine = options.engine ?? createSearchEngine(db, config, { log });
    const indexer = options.indexer ?? true ? new Indexer(db, engine, { log }) : null;
    try {
      await startEngine(engine);
      const queued = await queueAllIfIndexEmpty(db, engine);
      if (queued > 0 && indexer) {
        // A first start (or a lost index): build it before serving, so the storefront's first answers are complete.
        log(`index "${engine.indexUid}" is empty: indexing ${queued} listed results…`);
        const done = await indexer.drain();
        log(`indexed ${done.indexed} results`);
      }
    } catch (error) {
      log(`${engine.kind} engine not ready at start (${String(error)}); listings come from the database until it is`);
    }
    indexer?.start();
    return { engine, indexer };
  })();
  return globalStore.__marketSearch;
}

/** The process's engine, started on first use from the configured database and environment. */
export async function getSearchEngine(): Promise<SearchEngine> {
  if (!globalStore.__marketSearch) await startSearch(await getDb(), env());
  return (await globalStore.__marketSearch!).engine;
}

/** Wakes the in-process indexer (call after committing a listing change to see it in search at once). */
export function nudgeIndexer(): void {
  void globalStore.__marketSearch?.then((r) => r.indexer?.nudge());
}

export async function stopSearch(): Promise<void> {
  const runtime = globalStore.__marketSearch;
  globalStore.__marketSearch = undefined;
  if (!runtime) return;
  const { engine, indexer } = await runtime;
  await indexer?.stop();
  await engine.close();
}
