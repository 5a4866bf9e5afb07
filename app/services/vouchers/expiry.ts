import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import { expireVoucher } from "../ledger";

export interface ExpiryRun {
  expired: number;
  returnedFen: number;
  serials: string[];
}

/**
 * The expiry job: every active voucher whose time has passed returns its unused balance to its programme and becomes
 * expired, one voucher per transaction (a failure leaves the others done). Safe to run at any time and concurrently:
 * the voucher's row lock and the ledger's idempotency key make a second run a no-op.
 */
export async function expireDueVouchers(db: Kysely<DB>, options: { now?: Date; limit?: number } = {}): Promise<ExpiryRun> {
  const now = options.now ?? new Date();
  const due = await db
    .selectFrom("vouchers")
    .select("id")
    .where("status", "=", "active")
    .where("expires_at", "<=", now)
    .orderBy("expires_at")
    .orderBy("id")
    .limit(options.limit ?? 10_000)
    .execute();
  const run: ExpiryRun = { expired: 0, returnedFen: 0, serials: [] };
  for (const { id } of due) {
    const result = await expireVoucher(db, { voucherId: id, now });
    if (result) {
      run.expired += 1;
      run.returnedFen += result.returnedFen;
      run.serials.push(result.serial);
    }
  }
  return run;
}
