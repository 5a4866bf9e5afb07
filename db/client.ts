import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { Kysely } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import type { DB } from "./schema";

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  /** "pglite" for the embedded engine, "postgres" for a server. */
  engine: "pglite" | "postgres";
  close(): Promise<void>;
}

export type DatabaseConfig =
  | { url: string; maxConnections?: number }
  /** dataDir: a folder to persist in, or "memory://" for a throwaway database. */
  | { dataDir: string };

// int8 values (ids, counts, money in fen) come back as JS numbers; a value beyond 2^53 is an error, never a silent
// rounding. Dates stay 'YYYY-MM-DD' strings so a calendar day never shifts with the time zone.
const INT8_OID = 20;
const DATE_OID = 1082;
const types = {
  int8: {
    to: INT8_OID,
    from: [INT8_OID],
    serialize: (v: number | bigint | string) => String(v),
    parse: (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${v} is beyond the safe integer range`);
      return n;
    },
  },
  date: {
    to: DATE_OID,
    from: [DATE_OID],
    serialize: (v: string) => v,
    parse: (v: string) => v,
  },
};

type Sql = postgres.Sql<{ int8: number; date: string }>;

function connect(
  url: string | undefined,
  options: { max: number; host?: string; port?: number; database?: string; user?: string; max_lifetime?: number | null },
): Sql {
  const settings = { ...options, types, ...(url ? {} : { ssl: false as const }), onnotice: () => {}, connection: { TimeZone: "UTC" } };
  return url ? postgres(url, settings) : postgres(settings);
}

// Statements with more parameters than this (bulk inserts, whose text changes with the row count) stay unnamed.
const MAX_PREPARED_PARAMETERS = 64;

/**
 * Kysely's postgres.js driver runs every query through `unsafe`, which postgres.js never prepares: each query with
 * parameters then costs two round trips (describe, then bind) and a fresh parse and plan. Handing Kysely a Sql whose
 * reserved connections prepare by default makes a repeated query one round trip on a cached statement. Kysely's SQL
 * is parameterised, so the texts repeat; postgres.js keeps one named statement per text and connection.
 */
function preparing(sql: Sql): Sql {
  const reserve = sql.reserve.bind(sql);
  const reserving = async () => {
    const connection = await reserve();
    const unsafe = connection.unsafe.bind(connection);
    return Object.assign(connection, {
      unsafe: (query: string, parameters?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
        unsafe(query, parameters, { prepare: (parameters?.length ?? 0) <= MAX_PREPARED_PARAMETERS, ...options }),
    });
  };
  // The driver recognises a Sql by its being a function with reserve(), so this patches the instance we own.
  return Object.assign(sql, { reserve: reserving });
}

function kysely(sql: Sql): Database {
  return new Kysely<DB>({ dialect: new PostgresJSDialect({ postgres: preparing(sql) }) });
}

export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if ("url" in config) {
    const sql = connect(config.url, { max: config.maxConnections ?? 10 });
    const db = kysely(sql);
    return { db, engine: "postgres", close: () => db.destroy() };
  }
  return openEmbedded(config.dataDir);
}

/**
 * The embedded engine: PGlite (Postgres compiled to WASM) behind an in-process socket on loopback, so postgres.js and
 * Kysely talk to it exactly as they talk to a server. PGlite is one connection; postgres.js queues behind it.
 */
async function openEmbedded(dataDir: string): Promise<DatabaseHandle> {
  let pgDir: string | undefined;
  if (dataDir !== "memory://") {
    pgDir = path.resolve(dataDir, "pg");
    mkdirSync(pgDir, { recursive: true });
  }
  const pglite = await PGlite.create(pgDir);
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0 });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  // PGlite is one backend for the process: a new connection through the socket continues its session, so the named
  // statements of a closed connection would stay prepared in it. Its one connection is therefore never recycled.
  const sql = connect(undefined, { host, port: Number(port), database: "postgres", user: "postgres", max: 1, max_lifetime: null });
  const db = kysely(sql);
  return {
    db,
    engine: "pglite",
    async close() {
      await db.destroy();
      await server.stop();
      await pglite.close();
    },
  };
}
