import { afterEach, expect, it } from "vitest";
import { startCheckout } from "../../app/services/checkout";
import { startCheckoutSweeper, stopCheckoutSweeper } from "../../app/services/checkout/sweeper.server";
import type { SweepResult } from "../../app/services/checkout/payments";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { asBuyer, balance, createMarket, listedResult, orderRow, resultStatus, voucherFor } from "./checkout-fixtures";

// The in-process timer the server starts: it expires lapsed checkouts on its own, and stops cleanly.

describeEachEngine("checkout sweeper", (db, engine) => {
  useAppDatabase(db, engine);
  afterEach(async () => {
    await stopCheckoutSweeper();
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

    const runs: SweepResult[] = [];
    let done: () => void = () => {};
    const ran = new Promise<void>((resolve) => (done = resolve));
    startCheckoutSweeper({ intervalMs: 60_000, onRun: (r) => (runs.push(r), done()) });
    startCheckoutSweeper(); // a second start while running does nothing
    await ran;
    await stopCheckoutSweeper();

    expect(runs).toEqual([{ expired: 1, failed: [] }]);
    expect(await orderRow(db(), lapsed.orderId)).toMatchObject({ status: "expired", close_reason: "reservation_lapsed" });
    expect(await resultStatus(db(), resultId)).toBe("listed");
    expect(await balance(db(), `voucher:${voucher.voucherId}:voucher_held`)).toBe(0);
  });
});
