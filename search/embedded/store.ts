import { sql, type Kysely } from "kysely";
import type { DB } from "../../db/schema";
import type { ListingDocument } from "../types";

/**
 * The embedded engine's durable side, in the application database: documents per storage generation, and index
 * names pointing at generations. Every write bumps the index's version under its row lock, so versions are committed
 * in order and "version > mine" is a complete list of what a process has not seen yet.
 */

export interface IndexHead {
  storageId: number;
  version: number;
}

export interface StoredRow {
  id: number;
  version: number;
  doc: string | null;
}

const WRITE_CHUNK = 500;

export class EmbeddedStore {
  constructor(private readonly db: Kysely<DB>) {}

  async ensureIndex(uid: string): Promise<IndexHead> {
    await sql`
      insert into search_indexes (uid, storage_id) values (${uid}, nextval('search_storage_seq'))
      on conflict (uid) do nothing
    `.execute(this.db);
    const head = await this.head(uid);
    if (!head) throw new Error(`search index ${uid} could not be created`);
    return head;
  }

  async head(uid: string): Promise<IndexHead | null> {
    const row = await this.db.selectFrom("search_indexes").select(["storage_id", "version"]).where("uid", "=", uid).executeTakeFirst();
    return row ? { storageId: row.storage_id, version: row.version } : null;
  }

  /** Writes documents and deletions as one version of the index; returns that version. */
  async write(uid: string, documents: ListingDocument[], deletedIds: number[]): Promise<IndexHead> {
    return this.db.transaction().execute(async (trx) => {
      const head = await trx
        .updateTable("search_indexes")
        .set({ version: sql`version + 1`, updated_at: sql`now()` })
        .where("uid", "=", uid)
        .returning(["storage_id", "version"])
        .executeTakeFirst();
      if (!head) throw new Error(`search index ${uid} does not exist`);
      const rows = [
        ...documents.map((d) => ({ storage_id: head.storage_id, id: d.id, version: head.version, doc: JSON.stringify(d) })),
        ...deletedIds.map((id) => ({ storage_id: head.storage_id, id, version: head.version, doc: null })),
      ];
      for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
        await trx
          .insertInto("search_documents")
          .values(rows.slice(i, i + WRITE_CHUNK))
          .onConflict((oc) =>
            oc.columns(["storage_id", "id"]).doUpdateSet({ version: (eb) => eb.ref("excluded.version"), doc: (eb) => eb.ref("excluded.doc") }),
          )
          .execute();
      }
      return { storageId: head.storage_id, version: head.version };
    });
  }

  /** Live documents of a generation in id order, a page at a time. */
  async *readAll(storageId: number, pageSize = 2000): AsyncGenerator<StoredRow[]> {
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom("search_documents")
        .select(["id", "version", "doc"])
        .where("storage_id", "=", storageId)
        .where("id", ">", after)
        .where("doc", "is not", null)
        .orderBy("id")
        .limit(pageSize)
        .execute();
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1].id;
      if (rows.length < pageSize) return;
    }
  }

  /** Rows written after `version` (deletions included), in version order, a page at a time. */
  async *changesSince(storageId: number, version: number, pageSize = 2000): AsyncGenerator<StoredRow[]> {
    let afterVersion = version;
    let afterId = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom("search_documents")
        .select(["id", "version", "doc"])
        .where("storage_id", "=", storageId)
        .where((eb) =>
          eb.or([eb("version", ">", afterVersion), eb.and([eb("version", "=", afterVersion), eb("id", ">", afterId)])]),
        )
        .orderBy("version")
        .orderBy("id")
        .limit(pageSize)
        .execute();
      if (rows.length === 0) return;
      yield rows;
      const last = rows[rows.length - 1];
      afterVersion = last.version;
      afterId = last.id;
      if (rows.length < pageSize) return;
    }
  }

  async count(uid: string): Promise<number> {
    const row = await this.db
      .selectFrom("search_documents as d")
      .innerJoin("search_indexes as i", "i.storage_id", "d.storage_id")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("i.uid", "=", uid)
      .where("d.doc", "is not", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** A fresh, empty generation registered under a build name (so an abandoned one can be found and dropped). */
  async createBuild(liveUid: string): Promise<string> {
    await this.dropAbandonedBuilds(liveUid);
    const { rows } = await sql<{ id: number }>`select nextval('search_storage_seq')::int8 as id`.execute(this.db);
    const storageId = rows[0].id;
    const uid = `${liveUid}~build~${storageId}`;
    await this.db.insertInto("search_indexes").values({ uid, storage_id: storageId }).execute();
    return uid;
  }

  /**
   * Points liveUid at the build's generation in one transaction (readers see the old index or the new one, never a
   * mix), then deletes the old generation's documents.
   */
  async swap(liveUid: string, buildUid: string): Promise<void> {
    const oldStorage = await this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("search_indexes")
        .select(["uid", "storage_id", "version"])
        .where("uid", "in", [liveUid, buildUid])
        .orderBy("uid")
        .forUpdate()
        .execute();
      const live = rows.find((r) => r.uid === liveUid);
      const build = rows.find((r) => r.uid === buildUid);
      if (!build) throw new Error(`index build ${buildUid} does not exist`);
      await trx.deleteFrom("search_indexes").where("uid", "=", buildUid).execute();
      // The version moves past both generations' so no process re-reads the new generation as "changes".
      const version = Math.max(live?.version ?? 0, build.version) + 1;
      if (live) {
        await trx.updateTable("search_indexes").set({ storage_id: build.storage_id, version, updated_at: sql`now()` }).where("uid", "=", liveUid).execute();
      } else {
        await trx.insertInto("search_indexes").values({ uid: liveUid, storage_id: build.storage_id, version }).execute();
      }
      return live?.storage_id ?? null;
    });
    if (oldStorage !== null) await this.db.deleteFrom("search_documents").where("storage_id", "=", oldStorage).execute();
  }

  async drop(uid: string): Promise<void> {
    const row = await this.db.deleteFrom("search_indexes").where("uid", "=", uid).returning("storage_id").executeTakeFirst();
    if (row) await this.db.deleteFrom("search_documents").where("storage_id", "=", row.storage_id).execute();
  }

  private async dropAbandonedBuilds(liveUid: string): Promise<void> {
    const builds = await this.db.selectFrom("search_indexes").select("uid").where("uid", "like", `${liveUid}~build~%`).execute();
    for (const b of builds) await this.drop(b.uid);
  }
}
