import { Migrator, type MigrationResultSet } from "kysely";
import type { Database } from "./client";
import { migrations } from "./migrations";

export class MigrationError extends Error {}

/** Applies pending migrations; concurrent callers are serialised by Kysely's migration lock. */
export async function migrateToLatest(db: Database): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new MigrationError(`migration ${failed} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}
