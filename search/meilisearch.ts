import {
  Meilisearch,
  MeilisearchApiError,
  MeilisearchRequestError,
  MeilisearchRequestTimeOutError,
  type EnqueuedTaskPromise,
  type Index,
  type SearchParams,
  type Task,
} from "meilisearch";
import { meilisearchFilters } from "./filters";
import { DEFAULT_INDEX_UID, meilisearchSettings, RETRIEVED_ATTRIBUTES } from "./settings";
import { hasHan } from "./tokenizer";
import {
  HIGHLIGHT_POST,
  HIGHLIGHT_PRE,
  HIGHLIGHTED_ATTRIBUTES,
  SearchUnavailableError,
  type EngineHit,
  type EngineResult,
  type IndexBuild,
  type ListingDocument,
  type SearchEngine,
  type SearchRequest,
  type StoredDocument,
} from "./types";

export interface MeilisearchEngineOptions {
  url: string;
  apiKey?: string;
  indexUid?: string;
  /** Per HTTP request. */
  requestTimeoutMs?: number;
  /** How long to wait for an indexing task before treating the write as failed (it is then retried). */
  taskTimeoutMs?: number;
}

/** Task finished but not "succeeded" (failed or canceled): the write did not happen. */
export class MeilisearchTaskError extends Error {}

function succeeded(task: Task): Task {
  if (task.status !== "succeeded") {
    throw new MeilisearchTaskError(
      `Meilisearch task ${task.uid} (${task.type}) ${task.status}${task.error ? `: ${task.error.code}: ${task.error.message}` : ""}`,
    );
  }
  return task;
}

function isNotFound(error: unknown): boolean {
  return error instanceof MeilisearchApiError && (error.response.status === 404 || error.cause?.code === "index_not_found");
}

/** Network trouble and missing indexes make the engine "unavailable" (callers degrade); other API errors are bugs. */
function unavailable(error: unknown): boolean {
  return error instanceof MeilisearchRequestError || error instanceof MeilisearchRequestTimeOutError || isNotFound(error);
}

/** An all-negotiable listing has no price_min: leave the key out so sorts put it last, as the embedded engine does. */
function forMeilisearch(document: ListingDocument): ListingDocument {
  if (document.price_min !== null) return document;
  const { price_min: _omitted, ...rest } = document;
  return rest as ListingDocument;
}

const SETTINGS_ERRORS = new Set(["index_not_found", "invalid_search_filter", "invalid_search_sort", "invalid_search_facets"]);

type Stored = StoredDocument & { _formatted?: Partial<Record<string, unknown>> };

/** The server engine: Meilisearch through its official client, settings from search/settings.ts, every task awaited. */
export class MeilisearchEngine implements SearchEngine {
  readonly kind = "meilisearch" as const;
  readonly indexUid: string;
  private readonly client: Meilisearch;
  private readonly taskTimeoutMs: number;

  constructor(options: MeilisearchEngineOptions) {
    this.indexUid = options.indexUid ?? DEFAULT_INDEX_UID;
    this.taskTimeoutMs = options.taskTimeoutMs ?? 60_000;
    this.client = new Meilisearch({ host: options.url, apiKey: options.apiKey, timeout: options.requestTimeoutMs ?? 5_000 });
  }

  private index(uid = this.indexUid): Index<ListingDocument> {
    return this.client.index<ListingDocument>(uid);
  }

  private wait(task: EnqueuedTaskPromise): Promise<Task> {
    return task.waitTask({ timeout: this.taskTimeoutMs, interval: 50 }).then(succeeded);
  }

  /** Creates the index if needed and (re)applies the settings, waiting for both tasks. */
  private async ensureIndex(uid: string): Promise<void> {
    try {
      await this.client.getRawIndex(uid);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const task = await this.client.createIndex(uid, { primaryKey: "id" }).waitTask({ timeout: this.taskTimeoutMs });
      // Another process may have created it in the meantime: that is fine.
      if (task.status !== "succeeded" && task.error?.code !== "index_already_exists") succeeded(task);
    }
    await this.wait(this.index(uid).updateSettings(meilisearchSettings()));
  }

  async prepare(): Promise<void> {
    await this.ensureIndex(this.indexUid);
  }

  // Adding documents to a missing index makes Meilisearch create it with default settings (nothing filterable), so
  // writes make sure the settings were applied once in this process, and again after the index was found missing.
  private prepared: Promise<void> | null = null;
  private ensurePrepared(): Promise<void> {
    this.prepared ??= this.prepare().catch((error: unknown) => {
      this.prepared = null;
      throw error;
    });
    return this.prepared;
  }

  async upsert(documents: ListingDocument[]): Promise<void> {
    if (documents.length === 0) return;
    await this.ensurePrepared();
    await this.wait(this.index().addDocuments(documents.map(forMeilisearch), { primaryKey: "id" }));
  }

  async remove(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ensurePrepared();
    await this.wait(this.index().deleteDocuments(ids));
  }

  async search(request: SearchRequest): Promise<EngineResult> {
    const text = request.text;
    const highlight = text.trim().length > 0;
    const params: SearchParams = {
      filter: meilisearchFilters(request.filters),
      facets: request.facets,
      page: request.page,
      hitsPerPage: request.perPage,
      matchingStrategy: "all",
      attributesToRetrieve: [...RETRIEVED_ATTRIBUTES],
      ...(request.sort ? { sort: [`${request.sort.attribute}:${request.sort.direction}`] } : {}),
      ...(highlight
        ? { attributesToHighlight: [...HIGHLIGHTED_ATTRIBUTES], highlightPreTag: HIGHLIGHT_PRE, highlightPostTag: HIGHLIGHT_POST }
        : {}),
      // Short Chinese queries can be mistaken for Japanese by language detection; say what they are.
      ...(hasHan(text) ? { locales: ["cmn"] } : {}),
    };
    let response;
    try {
      response = await this.client.index<Stored>(this.indexUid).search(text, params);
    } catch (error) {
      // A missing index, or one whose settings were lost: the next write re-applies them.
      if (error instanceof MeilisearchApiError && SETTINGS_ERRORS.has(error.cause?.code ?? "")) this.prepared = null;
      if (unavailable(error)) throw new SearchUnavailableError(`Meilisearch unavailable: ${String(error)}`, { cause: error });
      throw error;
    }
    const hits: EngineHit[] = response.hits.map((hit) => {
      const { _formatted, ...rest } = hit;
      const document = rest as unknown as StoredDocument;
      const marked: EngineHit["highlight"] = {};
      for (const attribute of HIGHLIGHTED_ATTRIBUTES) {
        const value = _formatted?.[attribute] ?? document[attribute];
        if (typeof value === "string") marked[attribute] = value;
      }
      return { document, highlight: marked };
    });
    const facets: EngineResult["facets"] = {};
    for (const name of request.facets) facets[name] = response.facetDistribution?.[name] ?? {};
    // page/hitsPerPage ask for exhaustive pagination, so the response carries totalHits.
    const total = "totalHits" in response && typeof response.totalHits === "number" ? response.totalHits : 0;
    return { hits, total, facets };
  }

  async count(): Promise<number> {
    const stats = await this.index().getStats();
    return stats.numberOfDocuments;
  }

  async beginBuild(): Promise<IndexBuild> {
    const uid = `${this.indexUid}_build_${Date.now()}`;
    await this.ensureIndex(uid);
    return {
      uid,
      add: async (documents) => {
        if (documents.length > 0) await this.wait(this.index(uid).addDocuments(documents.map(forMeilisearch), { primaryKey: "id" }));
      },
      swapIn: async () => {
        // swapIndexes needs both to exist; after the swap, uid holds the old documents and is dropped.
        await this.ensureIndex(this.indexUid);
        await this.wait(this.client.swapIndexes([{ indexes: [this.indexUid, uid], rename: false }]));
        await this.wait(this.client.deleteIndex(uid));
      },
      abort: async () => {
        await this.client.deleteIndexIfExists(uid);
      },
    };
  }

  /** Indexes left behind by a reindex that died before swapping (see search/reindex.ts). */
  async dropAbandonedBuilds(): Promise<string[]> {
    const { results } = await this.client.getRawIndexes({ limit: 1000 });
    const abandoned = results.map((i) => i.uid).filter((uid) => uid.startsWith(`${this.indexUid}_build_`));
    for (const uid of abandoned) await this.client.deleteIndexIfExists(uid);
    return abandoned;
  }

  async close(): Promise<void> {}
}
