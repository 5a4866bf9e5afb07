import { getDb } from "../../db.server";
import { pruneLoginAttempts } from "../accounts/authenticate";
import { expireLapsedOrders, type SweepResult } from "../checkout/payments";
import { PRICE_REFERENCE_REFRESH_MS, refreshPriceReferences } from "../contracts/price-references";
import { expireDueVouchers, type ExpiryRun } from "../vouchers/expiry";

// The in-process timer for the market's deadlines: it expires lapsed checkouts (voucher holds released, reservations
// ended), then vouchers whose validity has ended (their unused balance back to the programme), and deletes old log-in
// attempts; hourly (and at start) it recomputes the contract price references. server/index.ts
// starts it after the database is up and stops it before closing the database. A run never overlaps the previous one,
// and stop waits for a run in progress, so the database is not closed under it.

export const SWEEP_INTERVAL_MS = 60_000;

interface SweeperState {
  timer: NodeJS.Timeout;
  running: Promise<void> | null;
  stopped: boolean;
  /** when the price references were last recomputed (ms since the epoch; 0: not yet) */
  pricesRefreshedAt: number;
}

const store = globalThis as typeof globalThis & { __deadlineSweeper?: SweeperState };

export interface SweepRun {
  orders: SweepResult;
  vouchers: ExpiryRun;
}

export interface SweeperOptions {
  intervalMs?: number;
  /** called after each run that did something or failed (default: a console line) */
  onRun?: (run: SweepRun) => void;
  /** the time a run works to (default: the wall clock) */
  clock?: () => Date;
}

/** Vouchers expired per run at most; the next run takes the rest. */
const VOUCHERS_PER_RUN = 500;

function report(run: SweepRun): void {
  if (run.orders.expired > 0) console.log(`deadline sweeper: ${run.orders.expired} lapsed order(s) expired`);
  for (const f of run.orders.failed) console.error(`deadline sweeper: order ${f.orderId} not expired: ${f.error}`);
  if (run.vouchers.expired > 0) {
    console.log(`deadline sweeper: ${run.vouchers.expired} voucher(s) expired, ${run.vouchers.returnedFen} fen back to their programmes`);
  }
}

/** Starts the sweeper (a second call while it runs does nothing). The first sweep runs right away. */
export function startDeadlineSweeper(options: SweeperOptions = {}): void {
  if (store.__deadlineSweeper && !store.__deadlineSweeper.stopped) return;
  const onRun = options.onRun ?? report;
  const clock = options.clock ?? (() => new Date());
  const state: SweeperState = { timer: undefined as unknown as NodeJS.Timeout, running: null, stopped: false, pricesRefreshedAt: 0 };
  const tick = () => {
    if (state.running || state.stopped) return;
    state.running = (async () => {
      try {
        const db = await getDb();
        const now = clock();
        const orders = await expireLapsedOrders(db, now);
        const vouchers = await expireDueVouchers(db, { now, limit: VOUCHERS_PER_RUN });
        await pruneLoginAttempts(db, now);
        if (orders.expired > 0 || orders.failed.length > 0 || vouchers.expired > 0) onRun({ orders, vouchers });
        if (Date.now() - state.pricesRefreshedAt >= PRICE_REFERENCE_REFRESH_MS) {
          await refreshPriceReferences(db);
          state.pricesRefreshedAt = Date.now();
        }
      } catch (error) {
        console.error("deadline sweeper: run failed:", error instanceof Error ? error.message : error);
      } finally {
        state.running = null;
      }
    })();
  };
  state.timer = setInterval(tick, options.intervalMs ?? SWEEP_INTERVAL_MS);
  state.timer.unref();
  store.__deadlineSweeper = state;
  tick();
}

/** Stops the sweeper and waits for a run in progress to finish. */
export async function stopDeadlineSweeper(): Promise<void> {
  const state = store.__deadlineSweeper;
  if (!state) return;
  state.stopped = true;
  clearInterval(state.timer);
  store.__deadlineSweeper = undefined;
  await state.running;
}
