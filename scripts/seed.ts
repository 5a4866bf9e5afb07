import path from "node:path";
import { closeDatabase, initDatabase } from "../app/db.server";
import { EnvError, env } from "../app/env.server";
import { isDatabaseEmpty, seedDemo } from "../db/seed";
import { printProgress } from "./lib/progress";

// `npm run seed`: fills an empty database (DATABASE_URL, or the embedded one under DATA_DIR) with the demo market.
// It never adds to a database that already has data: the demo rows would mix with real ones.
async function main(): Promise<number> {
  const started = performance.now();
  const config = env();
  const handle = await initDatabase(config);
  const where = handle.engine === "pglite" ? `embedded PGlite in ${path.resolve(config.DATA_DIR)}` : "the PostgreSQL database at DATABASE_URL";
  if (!(await isDatabaseEmpty(handle.db))) {
    console.error(`seed: the database (${where}) already has data; the demo seed only fills an empty database.`);
    console.error(
      handle.engine === "pglite"
        ? `      To start over, stop the market and delete ${path.resolve(config.DATA_DIR)}.`
        : "      To start over, point DATABASE_URL at a new, empty database.",
    );
    return 1;
  }

  console.log(`seed: filling ${where}`);
  const summary = await seedDemo(handle.db, { onProgress: printProgress });
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log("");
  for (const step of summary.steps) {
    const counts = Object.entries(step.counts)
      .map(([name, n]) => `${name} ${n.toLocaleString("en")}`)
      .join(", ");
    console.log(`  ${step.name.padEnd(14)} ${seconds(step.ms).padStart(7)}  ${counts}`);
  }
  console.log("");
  console.log("Demo logins:");
  for (const login of summary.logins) {
    console.log(`  ${login.role.padEnd(11)} ${login.email.padEnd(20)} ${login.password}   ${login.displayName} · ${login.organisation}`);
  }
  console.log("");
  console.log(`seed: done in ${seconds(summary.elapsedMs)} (${seconds(performance.now() - started)} with start-up and migrations)`);
  return 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error instanceof EnvError ? error.message : `seed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => closeDatabase());
