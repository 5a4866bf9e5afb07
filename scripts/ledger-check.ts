import { closeDatabase, initDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { formatLedgerReport, ledgerCheck } from "../app/services/ledger";

// `npm run ledger:check`: recomputes every balance from its entries and checks every ledger invariant against the
// configured database (DATABASE_URL, else the embedded one under DATA_DIR). Prints a summary; exits 1 on any violation.
// `-- --json` prints the report as JSON instead.

const json = process.argv.includes("--json");

try {
  const handle = await initDatabase(env());
  const report = await ledgerCheck(handle.db);
  console.log(json ? JSON.stringify(report, null, 2) : formatLedgerReport(report));
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
