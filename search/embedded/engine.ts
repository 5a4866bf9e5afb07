import type { Kysely } from "kysely";
import type { DB } from "../../db/schema";
import { DEFAULT_INDEX_UID } from "../settings";
import {
  SearchUnavailableError,
  type EngineResult,
  type IndexBuild,
  type ListingDocument,
  type SearchEngine,
  type SearchRequest,
} from "../types";
import { MemoryIndex } from "./memory-index";
import { EmbeddedStore, type IndexHead, type StoredRow } from "./store";

export interface EmbeddedEngineOptions {
  indexUid?: string;
  /** How stale this process may let its copy get before a search checks the database for changes. */
  syncIntervalMs?: number;
  log?: (message: string) => void;
}

/**
 * The default engine: documents are stored in the application database (search/embedded/store.ts) and each process
 * searches its own in-memory index of them (search/embedded/memory-index.ts). A process applies its own writes at
 * once and picks up other processes' writes (search:worker, search:reindex) within syncIntervalMs.
 */
export class EmbeddedEngine implements SearchEngine {
  readonly kind = "embedded" as const;
  readonly indexUid: string;
  private readonly store: EmbeddedStore;
  private readonly syncIntervalMs: number;
  private readonly log: (message: string) => void;
  private memory: MemoryIndex | null = null;
  private head: IndexHead | null = null;
  private loading: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;
  private lastSync = 0;
  private closed = false;
  /** Only a process that searches keeps the index in memory (a worker or a reindex just writes). */
  private active = false;

  constructor(db: Kysely<DB>, options: EmbeddedEngineOptions = {}) {
    this.store = new EmbeddedStore(db);
    this.indexUid = options.indexUid ?? DEFAULT_INDEX_UID;
    this.syncIntervalMs = options.syncIntervalMs ?? 500;
    this.log = options.log ?? (() => {});
  }

  async prepare(): Promise<void> {
    await this.store.ensureIndex(this.indexUid);
  }

  /** Resolves once this process holds the current index in memory (starting the load if needed). */
  async ready(): Promise<void> {
    this.active = true;
    await this.sync(true);
    if (this.loading) await this.loading;
  }

  /** Whether searches can be answered now (false while the first load is running). */
  get loaded(): boolean {
    return this.memory !== null;
  }

  async upsert(documents: ListingDocument[]): Promise<void> {
    if (documents.length === 0) return;
    await this.store.write(this.indexUid, documents, []);
    if (this.active) await this.sync(true);
  }

  async remove(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.store.write(this.indexUid, [], ids);
    if (this.active) await this.sync(true);
  }

  async search(request: SearchRequest): Promise<EngineResult> {
    if (this.closed) throw new SearchUnavailableError("search engine closed");
    this.active = true;
    try {
      await this.sync(false);
    } catch (error) {
      // A copy a moment old beats no answer: search what we have if the database hiccups.
      if (!this.memory) throw new SearchUnavailableError("search index unavailable", { cause: error });
      this.log(`search sync failed, serving the last copy: ${String(error)}`);
    }
    if (!this.memory) throw new SearchUnavailableError("search index is still loading");
    return this.memory.search(request);
  }

  async count(): Promise<number> {
    return this.store.count(this.indexUid);
  }

  async beginBuild(): Promise<IndexBuild> {
    const uid = await this.store.createBuild(this.indexUid);
    const store = this.store;
    return {
      uid,
      add: async (documents) => {
        if (documents.length > 0) await store.write(uid, documents, []);
      },
      swapIn: async () => {
        await store.swap(this.indexUid, uid);
        if (this.active) await this.sync(true);
      },
      abort: () => store.drop(uid),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.syncing, this.loading]);
    this.memory = null;
  }

  /** Brings the memory copy up to date: new versions are applied; a new generation (a reindex) is loaded aside. */
  private sync(force: boolean): Promise<void> {
    if (this.syncing) return force ? this.syncing.then(() => this.sync(true)) : this.syncing;
    if (!force && Date.now() - this.lastSync < this.syncIntervalMs) return Promise.resolve();
    this.syncing = (async () => {
      try {
        const head = await this.store.head(this.indexUid);
        this.lastSync = Date.now();
        if (!head) return;
        if (this.memory && this.head && head.storageId === this.head.storageId) {
          if (head.version > this.head.version) await this.applyChanges(this.memory, this.head);
          return;
        }
        if (!this.loading) {
          this.loading = this.load(head).finally(() => {
            this.loading = null;
          });
        }
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  private async applyChanges(memory: MemoryIndex, head: IndexHead): Promise<void> {
    for await (const rows of this.store.changesSince(head.storageId, head.version)) {
      applyRows(memory, rows);
      head.version = rows[rows.length - 1].version;
    }
  }

  /** Loads a generation into a new memory index while searches keep using the old one, then switches. */
  private async load(target: IndexHead): Promise<void> {
    const started = Date.now();
    const memory = new MemoryIndex();
    for await (const rows of this.store.readAll(target.storageId)) {
      if (this.closed) return;
      applyRows(memory, rows);
    }
    // Writes made during the load are picked up from the version read before it (re-applying is harmless).
    const head = { ...target };
    await this.applyChanges(memory, head);
    this.memory = memory;
    this.head = head;
    this.log(`search index ${this.indexUid} loaded: ${memory.size} documents in ${Date.now() - started} ms`);
  }
}

function applyRows(memory: MemoryIndex, rows: StoredRow[]): void {
  for (const row of rows) {
    if (row.doc === null) memory.remove(row.id);
    else memory.upsert(JSON.parse(row.doc) as ListingDocument);
  }
}
