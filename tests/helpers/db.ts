import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { openDatabase, type Database, type DatabaseHandle } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { databaseUrlFor } from "./db-url";

export type TestEngine = "pglite" | "postgres";

/** PGlite always; a PostgreSQL server too when TEST_DATABASE_URL is set. */
export const testEngines: TestEngine[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export interface TestDatabase extends DatabaseHandle {
  /** For a server database, its URL (for tests that need their own connections). */
  url?: string;
}

/** A fresh, migrated, empty database on the given engine; close() also drops a server database. */
export async function createTestDatabase(engine: TestEngine, options: { maxConnections?: number } = {}): Promise<TestDatabase> {
  if (engine === "pglite") {
    const handle = await openDatabase({ dataDir: "memory://" });
    await migrateToLatest(handle.db);
    return handle;
  }
  const serverUrl = process.env.TEST_DATABASE_URL;
  const template = inject("templateDatabase");
  if (!serverUrl || !template) throw new Error("TEST_DATABASE_URL is not set");
  const name = `market_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${template}`);
  const url = databaseUrlFor(serverUrl, name);
  const handle = await openDatabase({ url, maxConnections: options.maxConnections ?? 10 });
  return {
    ...handle,
    url,
    async close() {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * Runs the same suite on every available engine, each with its own fresh database for the whole describe block.
 * Usage: describeEachEngine("ledger", (db, engine) => { it("…", async () => { await db().selectFrom(…) }) })
 */
export function describeEachEngine(
  name: string,
  body: (db: () => Database, engine: TestEngine) => void,
  options: { maxConnections?: number } = {},
): void {
  for (const engine of testEngines) {
    describe(`${name} [${engine}]`, () => {
      let handle: TestDatabase | undefined;
      beforeAll(async () => {
        handle = await createTestDatabase(engine, options);
      });
      afterAll(async () => {
        await handle?.close();
      });
      body(() => {
        if (!handle) throw new Error("test database not ready");
        return handle.db;
      }, engine);
    });
  }
}
