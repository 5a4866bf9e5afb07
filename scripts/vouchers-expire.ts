import { closeDatabase, initDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { expireDueVouchers } from "../app/services/vouchers";

// `npm run vouchers:expire`: the expiry job. Every voucher past its expiry returns its unused balance to its programme
// (money held for pending payments follows when released). Safe to run repeatedly, e.g. from cron every hour.

try {
  const handle = await initDatabase(env());
  const run = await expireDueVouchers(handle.db);
  console.log(`expired ${run.expired} voucher(s), returned ${(run.returnedFen / 100).toFixed(2)} yuan to their programmes`);
  if (run.serials.length > 0) console.log(run.serials.join("\n"));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
