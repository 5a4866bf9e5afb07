import type { EngineResult, IndexBuild, ListingDocument, SearchEngine, SearchRequest } from "../../search/types";
import { SearchUnavailableError } from "../../search/types";

/**
 * A real engine behind a switch: while `down`, every call fails as an unreachable engine would. Records what was
 * upserted so tests can check each change was sent once.
 */
export class SwitchableEngine implements SearchEngine {
  down = false;
  searches = 0;
  readonly upserted: number[] = [];

  constructor(
    private readonly inner: SearchEngine,
    readonly kind: SearchEngine["kind"] = inner.kind,
  ) {}

  get indexUid(): string {
    return this.inner.indexUid;
  }

  private check(): void {
    if (this.down) throw new SearchUnavailableError("connect ECONNREFUSED (engine switched off by the test)");
  }

  async prepare(): Promise<void> {
    this.check();
    await this.inner.prepare();
  }

  async upsert(documents: ListingDocument[]): Promise<void> {
    this.check();
    await this.inner.upsert(documents);
    this.upserted.push(...documents.map((d) => d.id));
  }

  async remove(ids: number[]): Promise<void> {
    this.check();
    await this.inner.remove(ids);
  }

  async search(request: SearchRequest): Promise<EngineResult> {
    this.searches++;
    this.check();
    return this.inner.search(request);
  }

  async count(): Promise<number> {
    this.check();
    return this.inner.count();
  }

  async beginBuild(): Promise<IndexBuild> {
    this.check();
    return this.inner.beginBuild();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
