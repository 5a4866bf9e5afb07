import { parseArgs } from "node:util";
import { closeDatabase, initDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { createSearchEngine, startEngine } from "../search/engine";
import { Indexer } from "../search/indexer";
import { outboxStatus } from "../search/outbox";

// `npm run search:worker [-- --once]`: moves listing changes from the search outbox into the engine until stopped
// (Ctrl-C / SIGTERM finish the batch in hand first). Any number may run at once, and alongside the servers' in-process
// indexers: rows are claimed with leases. --once drains the outbox and exits (status 1 if some changes failed).
// With the embedded database (no DATABASE_URL) only one process may open DATA_DIR: stop the server first.

const { values } = parseArgs({ options: { once: { type: "boolean", default: false } }, allowPositionals: false });

async function main(): Promise<number> {
  const config = env();
  const handle = await initDatabase(config);
  if (handle.engine === "pglite") {
    console.warn("embedded database: make sure no server is using DATA_DIR (the server indexes in-process anyway)");
  }
  const engine = createSearchEngine(handle.db, config, { log: (m) => console.log(m) });
  const indexer = new Indexer(handle.db, engine, { log: (m) => console.log(`[${new Date().toISOString()}] ${m}`) });
  try {
    await startEngine(engine);
  } catch (error) {
    console.warn(`${engine.kind} engine not ready (${String(error)}); retrying as changes arrive`);
  }
  console.log(`search worker ${indexer.worker}: ${engine.kind} engine, index "${engine.indexUid}", ${handle.engine} database`);

  if (values.once) {
    const result = await indexer.drain();
    const status = await outboxStatus(handle.db);
    console.log(`indexed ${result.indexed}, removed ${result.removed}, failed ${result.failed}; ${status.pending} change(s) still queued`);
    await engine.close();
    return result.failed > 0 ? 1 : 0;
  }

  indexer.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`${signal}: finishing the current batch…`);
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await indexer.stop();
  await engine.close();
  return 0;
}

main()
  .then(async (code) => {
    await closeDatabase();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await closeDatabase().catch(() => {});
    process.exit(1);
  });
