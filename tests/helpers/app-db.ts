import { afterAll, beforeAll } from "vitest";
import type { Database, DatabaseHandle } from "../../db/client";
import type { TestEngine } from "./db";

// app/db.server.ts keeps the process-wide handle on globalThis.__marketDb (the server entry sets it). Route tests put
// the suite's test database there so loaders and actions calling getDb() use it.
const store = globalThis as typeof globalThis & { __marketDb?: Promise<DatabaseHandle> };

/** Inside a describeEachEngine body: points getDb() at the suite's database for the suite's duration. */
export function useAppDatabase(db: () => Database, engine: TestEngine): void {
  beforeAll(() => {
    // The suite owns the connection; closing through getDb's handle would be a mistake, so close is a no-op.
    store.__marketDb = Promise.resolve({ db: db(), engine, close: async () => {} });
  });
  afterAll(() => {
    store.__marketDb = undefined;
  });
}

/** A POST of form fields, as a browser sends it. */
export function formRequest(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
}
