import { afterAll, beforeAll, expect } from "vitest";
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

/** A form POST as a browser sends it; a list of values repeats the field (ticked checkboxes of one name). */
export function formRequest(url: string, fields: Record<string, string | readonly string[]>, headers: Record<string, string> = {}): Request {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of typeof value === "string" ? [value] : value) body.append(name, v);
  return new Request(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
}

/** The body and status of an action's or loader's `data(...)` answer; fails the test for a redirect or thrown Response. */
export function refused(result: unknown): { status: number | undefined; body: Record<string, unknown> } {
  expect(result).not.toBeInstanceOf(Response);
  const { data, init } = result as { data: Record<string, unknown>; init: ResponseInit | null };
  return { status: init?.status, body: data };
}

/** Where a redirect answer points; fails the test for anything else. */
export function location(result: unknown): string | null {
  expect(result).toBeInstanceOf(Response);
  return (result as Response).headers.get("Location");
}

/** The Response a loader or action threw (a 403, a 404, a redirect to log in); fails the test if it did not throw one. */
export async function thrown(promise: Promise<unknown>): Promise<Response> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Response);
  return error as Response;
}
