import { getDb } from "../../db.server";
import { expireLapsedOrders, type SweepResult } from "./payments";

// The in-process timer that expires lapsed checkouts (voucher holds released, reservations ended). server/index.ts
// starts it after the database is up and stops it before closing the database. A run never overlaps the previous one,
// and stop waits for a run in progress, so the database is not closed under it.

export const SWEEP_INTERVAL_MS = 60_000;

interface SweeperState {
  timer: NodeJS.Timeout;
  running: Promise<void> | null;
  stopped: boolean;
}

const store = globalThis as typeof globalThis & { __checkoutSweeper?: SweeperState };

export interface SweeperOptions {
  intervalMs?: number;
  /** called after each run that did something or failed (default: a console line) */
  onRun?: (result: SweepResult) => void;
}

function report(result: SweepResult): void {
  if (result.expired > 0) console.log(`checkout sweeper: ${result.expired} lapsed order(s) expired`);
  for (const f of result.failed) console.error(`checkout sweeper: order ${f.orderId} not expired: ${f.error}`);
}

/** Starts the sweeper (a second call while it runs does nothing). The first sweep runs right away. */
export function startCheckoutSweeper(options: SweeperOptions = {}): void {
  if (store.__checkoutSweeper && !store.__checkoutSweeper.stopped) return;
  const onRun = options.onRun ?? report;
  const state: SweeperState = { timer: undefined as unknown as NodeJS.Timeout, running: null, stopped: false };
  const tick = () => {
    if (state.running || state.stopped) return;
    state.running = (async () => {
      try {
        const result = await expireLapsedOrders(await getDb(), new Date());
        if (result.expired > 0 || result.failed.length > 0) onRun(result);
      } catch (error) {
        console.error("checkout sweeper: run failed:", error instanceof Error ? error.message : error);
      } finally {
        state.running = null;
      }
    })();
  };
  state.timer = setInterval(tick, options.intervalMs ?? SWEEP_INTERVAL_MS);
  state.timer.unref();
  store.__checkoutSweeper = state;
  tick();
}

/** Stops the sweeper and waits for a run in progress to finish. */
export async function stopCheckoutSweeper(): Promise<void> {
  const state = store.__checkoutSweeper;
  if (!state) return;
  state.stopped = true;
  clearInterval(state.timer);
  store.__checkoutSweeper = undefined;
  await state.running;
}
