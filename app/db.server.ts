import { openDatabase, type Database, type DatabaseHandle } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import type { Env } from "./env.server";

// One database per process. The server entry and the Remix server bundle are separate module graphs, so the handle
// lives on globalThis where both find it.
const globalStore = globalThis as typeof globalThis & { __marketDb?: Promise<DatabaseHandle> };

/** Opens the configured database once and applies pending migrations. */
export function initDatabase(config: Pick<Env, "DATABASE_URL" | "DATA_DIR">): Promise<DatabaseHandle> {
  globalStore.__marketDb ??= (async () => {
    const handle = await openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR });
    await migrateToLatest(handle.db);
    return handle;
  })();
  return globalStore.__marketDb;
}

export async function getDb(): Promise<Database> {
  if (!globalStore.__marketDb) throw new Error("database not initialised: the server entry calls initDatabase first");
  return (await globalStore.__marketDb).db;
}

export async function closeDatabase(): Promise<void> {
  const handle = globalStore.__marketDb;
  globalStore.__marketDb = undefined;
  if (handle) await (await handle).close();
}
