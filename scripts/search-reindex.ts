import { closeDatabase, initDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { createSearchEngine } from "../search/engine";
import { MeilisearchEngine } from "../search/meilisearch";
import { reindex } from "../search/reindex";
import { printProgress } from "./lib/progress";

// `npm run search:reindex`: rebuilds the search index from the database into a fresh index, then swaps it in
// atomically (searches keep answering from the old one until then). Indexers pause meanwhile and apply the changes
// made during the rebuild right after the swap. With the embedded database, stop the server first (one process per
// DATA_DIR); with a PostgreSQL server, running servers pick the new index up by themselves.

async function main(): Promise<void> {
  const config = env();
  const handle = await initDatabase(config);
  const engine = createSearchEngine(handle.db, config);
  if (engine instanceof MeilisearchEngine) {
    const dropped = await engine.dropAbandonedBuilds();
    if (dropped.length > 0) console.log(`dropped ${dropped.length} index(es) left by an earlier reindex that died: ${dropped.join(", ")}`);
  }
  console.log(`reindexing "${engine.indexUid}" on the ${engine.kind} engine from the ${handle.engine} database…`);
  const result = await reindex(handle.db, engine, { onProgress: (done, total) => printProgress("documents", done, total) });
  console.log(`swapped in a fresh index of ${result.documents} documents in ${(result.ms / 1000).toFixed(1)} s`);
  await engine.close();
}

main()
  .then(async () => {
    await closeDatabase();
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await closeDatabase().catch(() => {});
    process.exit(1);
  });
