import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql, type Kysely } from "kysely";
import type { DB } from "../db/schema";
import { countIndexable, INDEXED_STATUSES, loadDocumentsAfter } from "./documents";
import type { SearchEngine } from "./types";

export class ReindexBusyError extends Error {}

export interface ReindexOptions {
  batchSize?: number;
  /** Called after each batch with documents written so far and the expected total. */
  onProgress?: (done: number, total: number) => void;
  /** The lock (which also pauses indexers) lapses this long after the last batch if the reindex dies. */
  lockTtlMs?: number;
}

/**
 * Rebuilds the index from the database into a fresh index and swaps it in atomically. While it runs, indexers leave the
 * outbox alone; changes made meanwhile are applied to the new index right after the swap, so none is lost to it.
 */
export async function reindex(db: Kysely<DB>, engine: SearchEngine, options: ReindexOptions = {}): Promise<{ documents: number; ms: number }> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 1000;
  const ttl = options.lockTtlMs ?? 120_000;
  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const uid = engine.indexUid;

  const acquired = await sql<{ holder: string }>`
    insert into search_reindex_locks (index_uid, holder, expires_at)
    values (${uid}, ${holder}, now() + ${ttl} * interval '1 millisecond')
    on conflict (index_uid) do update set holder = excluded.holder, started_at = now(), expires_at = excluded.expires_at
      where search_reindex_locks.expires_at < now()
    returning holder
  `.execute(db);
  if (acquired.rows.length === 0) {
    const current = await db.selectFrom("search_reindex_locks").selectAll().where("index_uid", "=", uid).executeTakeFirst();
    throw new ReindexBusyError(
      `another reindex of "${uid}" is running (${current?.holder ?? "unknown"}, lock until ${current?.expires_at.toISOString() ?? "?"})`,
    );
  }

  const refresh = async () => {
    const r = await db
      .updateTable("search_reindex_locks")
      .set({ expires_at: sql`now() + ${ttl} * interval '1 millisecond'` })
      .where("index_uid", "=", uid)
      .where("holder", "=", holder)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new ReindexBusyError(`lost the reindex lock on "${uid}" (a batch took longer than ${ttl} ms?)`);
  };

  let build;
  try {
    await engine.prepare();
    const total = await countIndexable(db);
    build = await engine.beginBuild();
    let done = 0;
    let after = 0;
    options.onProgress?.(0, total);
    for (;;) {
      const documents = await loadDocumentsAfter(db, after, batchSize);
      if (documents.length === 0) break;
      await build.add(documents);
      done += documents.length;
      after = documents[documents.length - 1].id;
      options.onProgress?.(done, Math.max(total, done));
      await refresh();
    }
    await refresh();
    await build.swapIn();
    return { documents: done, ms: Date.now() - started };
  } catch (error) {
    await build?.abort().catch(() => {});
    throw error;
  } finally {
    await db.deleteFrom("search_reindex_locks").where("index_uid", "=", uid).where("holder", "=", holder).execute();
  }
}

/**
 * A fresh index next to a catalogue that already has listings (a new install, a seeded database, a new Meilisearch):
 * queue every indexable result so the indexer fills it. Returns how many were queued.
 */
export async function queueAllIfIndexEmpty(db: Kysely<DB>, engine: SearchEngine): Promise<number> {
  if ((await engine.count()) > 0) return 0;
  const { rows } = await sql<{ n: number }>`
    with queued as (
      insert into search_outbox (result_id)
      select id from technology_results where status in (${sql.join([...INDEXED_STATUSES])})
      on conflict (result_id) do nothing
      returning 1
    )
    select count(*)::int8 as n from queued
  `.execute(db);
  return Number(rows[0]?.n ?? 0);
}
