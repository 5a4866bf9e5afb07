import { sql, type Kysely } from "kysely";
import type { DB } from "../db/schema";

/**
 * The search outbox. recordListingChange runs inside the caller's transaction, so a listing change and the promise to
 * index it commit together. Indexers claim rows with a lease (FOR UPDATE SKIP LOCKED, so several run side by side),
 * send the current state of each result, and delete a row only if its version is still the one they sent.
 */

/** Queues the results for (re)indexing; call it in the same transaction as the change. */
export async function recordListingChange(db: Kysely<DB>, resultIds: number | number[]): Promise<void> {
  const ids = [...new Set(Array.isArray(resultIds) ? resultIds : [resultIds])];
  if (ids.length === 0) return;
  await db
    .insertInto("search_outbox")
    .values(ids.map((result_id) => ({ result_id })))
    .onConflict((oc) =>
      oc.column("result_id").doUpdateSet({
        version: sql`search_outbox.version + 1`,
        changed_at: sql`now()`,
        available_at: sql`now()`,
        attempts: 0,
        last_error: null,
      }),
    )
    .execute();
}

export interface ClaimedChange {
  resultId: number;
  version: number;
  attempts: number;
}

export interface ClaimOptions {
  worker: string;
  limit: number;
  leaseMs: number;
  /** Changes wait while a reindex of this index runs; they land in the new index after the swap. */
  indexUid: string;
}

export async function claimChanges(db: Kysely<DB>, options: ClaimOptions): Promise<ClaimedChange[]> {
  const { rows } = await sql<{ result_id: number; version: number; attempts: number }>`
    update search_outbox o
    set claimed_by = ${options.worker}, claimed_until = now() + ${options.leaseMs} * interval '1 millisecond'
    where o.result_id in (
      select result_id from search_outbox
      where available_at <= now() and (claimed_until is null or claimed_until < now())
      order by available_at, result_id
      limit ${options.limit}
      for update skip locked
    )
    and not exists (select 1 from search_reindex_locks l where l.index_uid = ${options.indexUid} and l.expires_at > now())
    returning o.result_id, o.version, o.attempts
  `.execute(db);
  return rows.map((r) => ({ resultId: Number(r.result_id), version: Number(r.version), attempts: r.attempts }));
}

/** The engine confirmed these: drop rows still at the version sent; release the rest (changed meanwhile) for another pass. */
export async function completeChanges(db: Kysely<DB>, worker: string, changes: ClaimedChange[]): Promise<void> {
  if (changes.length === 0) return;
  const ids = changes.map((c) => c.resultId);
  const versions = changes.map((c) => c.version);
  await db.transaction().execute(async (trx) => {
    await sql`
      delete from search_outbox o
      using unnest(${ids}::bigint[], ${versions}::bigint[]) as c(id, v)
      where o.result_id = c.id and o.version = c.v and o.claimed_by = ${worker}
    `.execute(trx);
    await sql`
      update search_outbox set claimed_by = null, claimed_until = null
      where result_id = any(${ids}::bigint[]) and claimed_by = ${worker}
    `.execute(trx);
  });
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** The engine did not confirm: retry later, waiting twice as long each attempt (with jitter), up to maxMs. */
export async function failChanges(db: Kysely<DB>, worker: string, changes: ClaimedChange[], error: unknown, backoff: Backoff): Promise<void> {
  if (changes.length === 0) return;
  const ids = changes.map((c) => c.resultId);
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
  await sql`
    update search_outbox
    set attempts = attempts + 1,
        available_at = now() + least(${backoff.maxMs}::float8, ${backoff.baseMs}::float8 * power(2, least(attempts, 30)))
          * (0.75 + random() * 0.5) * interval '1 millisecond',
        claimed_by = null, claimed_until = null, last_error = ${message}
    where result_id = any(${ids}::bigint[]) and claimed_by = ${worker}
  `.execute(db);
}

export interface OutboxStatus {
  pending: number;
  failing: number;
  oldestChangedAt: Date | null;
  lastError: string | null;
}

export async function outboxStatus(db: Kysely<DB>): Promise<OutboxStatus> {
  const row = await db
    .selectFrom("search_outbox")
    .select((eb) => [
      eb.fn.countAll<number>().as("pending"),
      eb.fn.count<number>("last_error").as("failing"),
      eb.fn.min("changed_at").as("oldest"),
      eb.fn.max("last_error").as("last_error"),
    ])
    .executeTakeFirstOrThrow();
  return {
    pending: Number(row.pending),
    failing: Number(row.failing),
    oldestChangedAt: row.oldest ? new Date(row.oldest) : null,
    lastError: row.last_error ?? null,
  };
}
