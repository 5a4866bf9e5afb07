import { afterEach, expect, it } from "vitest";
import { startCheckout } from "../../app/services/checkout";
import { startDeadlineSweeper, stopDeadlineSweeper, type SweepRun, type SweeperOptions } from "../../app/services/deadlines/sweeper.server";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { asBuyer, balance, createMarket, listedResult, orderRow, resultStatus, voucherFor } from "./checkout-fixtures";

// The in-process timer the server starts: it expires lapsed checkouts and vouchers on its own, and stops cleanly.

/** Starts the sweeper and waits for its first run that did something. */
async function firstRun(options: SweeperOptions = {}): Promise<SweepRun[]> {
  const runs: SweepRun[] = [];
  let done: () => void = () => {};
  const ran = new Promise<void>((resolve) => (done = resolve));
  startDeadlineSweeper({ intervalMs: 60_000, ...options, onRun: (r) => (runs.push(r), done()) });
  startDeadlineSweeper(); // a second start while running does nothing
  await ran;
  await stopDeadlineSweeper();
  return runs;
}

describeEachEngine("deadline sweeper", (db, engine) => {
  useAppDatabase(db, engine);
  afterEach(async () => {
    await stopDeadlineSweeper();
  });

  it("expires a lapsed checkout on its first run, releasing the voucher hold and the reservation", async () => {
    const m = await createMarket(db());
    const resultId = await listedResult(db(), m, [{ mode: "assignment", price_fen: 2_000_000 }]);
    const voucher = await voucherFor(db(), m, m.buyer);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const lapsed = await startCheckout(db(), asBuyer(m.buyer), {
      resultId,
      mode: "assignment",
      voucherIds: [voucher.voucherId],
      method: "card",
      cardEnabled: true,
      now: twoHoursAgo,
    });
    expect(await resultStatus(db(), resultId)).toBe("reserved");

    const runs = await firstRun();
    expect(runs).toEqual([{ orders: { expired: 1, failed: [] }, vouchers: { expired: 0, returnedFen: 0, serials: [] } }]);
    expect(await orderRow(db(), lapsed.orderId)).toMatchObject({ status: "expired", close_reason: "reservation_lapsed" });
    expect(await resultStatus(db(), resultId)).toBe("listed");
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(0);
  });

  it("expires a voucher whose validity has ended, returning its unused balance to the programme", async () => {
    const m = await createMarket(db());
    const voucher = await voucherFor(db(), m, m.buyer);
    const { expires_at: expiresAt, serial } = await db()
      .selectFrom("vouchers")
      .select(["expires_at", "serial"])
      .where("id", "=", voucher.voucherId)
      .executeTakeFirstOrThrow();
    const available = await balance(db(), `voucher:${voucher.voucherId}:voucher_available`);
    expect(available).toBeGreaterThan(0);

    const runs = await firstRun({ clock: () => new Date(expiresAt.getTime() + 60_000) });
    expect(runs).toHaveLength(1);
    expect(runs[0].vouchers.serials).toContain(serial);
    expect(runs[0].vouchers.returnedFen).toBeGreaterThanOrEqual(available);
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_available`)).toBe(0);
    const row = await db().selectFrom("vouchers").select("status").where("id", "=", voucher.voucherId).executeTakeFirstOrThrow();
    expect(row.status).toBe("expired");
  });
});
