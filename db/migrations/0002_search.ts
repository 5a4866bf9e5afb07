import { type Kysely, sql } from "kysely";

// Search: the outbox that keeps any search engine true to the catalogue, and the storage of the embedded engine.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per result with an index change not yet confirmed by the engine. A listing change upserts its row in the
    -- caller's transaction and bumps version; the indexer deletes the row only if the version it sent is still the
    -- latest, so a change made while a batch is in flight is never lost. No foreign key: a deleted result must still
    -- reach the indexer so it can remove the document.
    create table search_outbox (
      result_id bigint primary key,
      version bigint not null default 1,
      changed_at timestamptz not null default now(),
      available_at timestamptz not null default now(),
      attempts integer not null default 0 check (attempts >= 0),
      claimed_by text,
      claimed_until timestamptz,
      last_error text,
      check ((claimed_by is null) = (claimed_until is null))
    );
    create index search_outbox_available_idx on search_outbox (available_at);

    -- While a row here is unexpired, indexers leave the outbox alone so changes land after the swap, never in the
    -- index being replaced. The reindex refreshes expires_at as it goes; a crashed reindex simply expires.
    create table search_reindex_locks (
      index_uid text primary key,
      holder text not null,
      started_at timestamptz not null default now(),
      expires_at timestamptz not null
    );

    -- The embedded engine: each index name points at a storage generation; a reindex fills a fresh generation and
    -- swaps the pointers in one transaction. version is bumped by every write (the row lock serialises writers), so a
    -- process catches up with "documents of my storage with version > the one I have".
    create sequence search_storage_seq;
    create table search_indexes (
      uid text primary key check (length(uid) between 1 and 200),
      storage_id bigint not null unique,
      version bigint not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    -- doc is the JSON document; null is a deletion kept as a tombstone so other processes learn of it.
    create table search_documents (
      storage_id bigint not null,
      id bigint not null,
      version bigint not null,
      doc text,
      primary key (storage_id, id)
    );
    create index search_documents_version_idx on search_documents (storage_id, version);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table search_documents, search_indexes, search_reindex_locks, search_outbox;
    drop sequence search_storage_seq;
  `.execute(db);
}
