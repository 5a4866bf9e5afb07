import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { loadDocuments } from "./documents";
import { claimChanges, completeChanges, failChanges, type Backoff } from "./outbox";
import type { SearchEngine } from "./types";

export interface IndexerOptions {
  batchSize?: number;
  /** A claim not completed within this time is taken over by another indexer (longer than any engine wait). */
  leaseMs?: number;
  /** Idle wait between looks at the outbox. */
  pollMs?: number;
  backoff?: Backoff;
  worker?: string;
  log?: (message: string) => void;
}

export interface BatchResult {
  claimed: number;
  indexed: number;
  removed: number;
  failed: number;
}

/**
 * Moves outbox rows into the engine: claim a batch, load each result's current document (or note it is gone), send
 * upserts and removals, and complete the rows only after the engine confirmed. Runs in the server process by default
 * and in `npm run search:worker`; any number of them may run at once.
 */
export class Indexer {
  readonly worker: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly backoff: Backoff;
  private readonly log: (message: string) => void;
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly engine: SearchEngine,
    options: IndexerOptions = {},
  ) {
    this.worker = options.worker ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.batchSize = options.batchSize ?? 200;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.pollMs = options.pollMs ?? 500;
    this.backoff = options.backoff ?? { baseMs: 1_000, maxMs: 60_000 };
    this.log = options.log ?? ((m) => console.log(`[search-indexer] ${m}`));
  }

  /** One batch. */
  async runOnce(): Promise<BatchResult> {
    const claimed = await claimChanges(this.db, {
      worker: this.worker,
      limit: this.batchSize,
      leaseMs: this.leaseMs,
      indexUid: this.engine.indexUid,
    });
    const result: BatchResult = { claimed: claimed.length, indexed: 0, removed: 0, failed: 0 };
    if (claimed.length === 0) return result;
    try {
      const { documents, missing } = await loadDocuments(
        this.db,
        claimed.map((c) => c.resultId),
      );
      await this.engine.upsert(documents);
      await this.engine.remove(missing);
      await completeChanges(this.db, this.worker, claimed);
      result.indexed = documents.length;
      result.removed = missing.length;
      if (this.failures > 0) this.log(`engine answering again; indexed ${documents.length}, removed ${missing.length}`);
      this.failures = 0;
    } catch (error) {
      result.failed = claimed.length;
      this.failures++;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.log(`indexing ${claimed.length} change(s) failed (${this.failures} in a row), will retry: ${String(error)}`);
      }
      await failChanges(this.db, this.worker, claimed, error, this.backoff);
    }
    return result;
  }

  /** Runs batches until the outbox has nothing claimable (rows waiting out a backoff are left). */
  async drain(): Promise<BatchResult> {
    const total: BatchResult = { claimed: 0, indexed: 0, removed: 0, failed: 0 };
    for (;;) {
      const r = await this.runOnce();
      total.claimed += r.claimed;
      total.indexed += r.indexed;
      total.removed += r.removed;
      total.failed += r.failed;
      if (r.claimed === 0 || r.failed > 0) return total;
    }
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Looks at the outbox now rather than at the next poll (e.g. right after a listing change committed). */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    let idleDelay = this.pollMs;
    while (!this.stopping) {
      let busy = false;
      try {
        const r = await this.runOnce();
        busy = r.claimed === this.batchSize && r.failed === 0;
        idleDelay = this.pollMs;
      } catch (error) {
        // The database itself failed (not the engine): wait longer each time, up to the backoff cap.
        this.log(`outbox unavailable: ${String(error)}`);
        idleDelay = Math.min(this.backoff.maxMs, idleDelay * 2);
      }
      if (!busy && !this.stopping) await this.sleep(idleDelay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
