import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { EmbeddedEngine } from "./embedded/engine";
import { MeilisearchEngine } from "./meilisearch";
import type { SearchEngine } from "./types";

export interface SearchConfig {
  MEILI_URL?: string;
  MEILI_MASTER_KEY?: string;
}

/** Meilisearch when MEILI_URL is set, the embedded engine otherwise. */
export function createSearchEngine(
  db: Kysely<DB>,
  config: SearchConfig,
  options: { indexUid?: string; log?: (message: string) => void } = {},
): SearchEngine {
  if (config.MEILI_URL) {
    return new MeilisearchEngine({ url: config.MEILI_URL, apiKey: config.MEILI_MASTER_KEY, indexUid: options.indexUid });
  }
  return new EmbeddedEngine(db, { indexUid: options.indexUid, log: options.log });
}

/** Prepares the index; for the embedded engine, also starts loading it into memory (searches degrade until then). */
export async function startEngine(engine: SearchEngine): Promise<void> {
  await engine.prepare();
  if (engine instanceof EmbeddedEngine) void engine.ready().catch(() => {});
}

export { EmbeddedEngine, MeilisearchEngine };
export type { SearchEngine };
