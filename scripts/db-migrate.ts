import { closeDatabase, initDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { migrations } from "../db/migrations";

// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR.
try {
  const handle = await initDatabase(env());
  const applied = await handle.db.selectFrom("kysely_migration" as never).select("name" as never).execute();
  console.log(`${handle.engine}: ${applied.length}/${Object.keys(migrations).length} migrations applied, schema up to date`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
