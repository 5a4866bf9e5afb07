import { performance } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { closeDatabase, initDatabase } from "../app/db.server";
import { EnvError, env } from "../app/env.server";
import { startSearch, stopSearch } from "../app/services/catalogue/search-engine.server";
import { startDeadlineSweeper, stopDeadlineSweeper } from "../app/services/deadlines/sweeper.server";
import { seedDemo, isDatabaseEmpty } from "../db/seed";
import { printProgress } from "../scripts/lib/progress";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as Express sees it (rate limits, audit). */
    clientIp: string;
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");

async function main() {
  const started = performance.now();
  const config = env();
  const handle = await initDatabase(config);
  console.log(`database: ${handle.engine === "pglite" ? `embedded PGlite in ${path.resolve(config.DATA_DIR)}` : "PostgreSQL server"}`);

  if (config.SEED_DEMO && (await isDatabaseEmpty(handle.db))) {
    console.log("empty database: seeding the demo market (SEED_DEMO=false skips this)…");
    const summary = await seedDemo(handle.db, { onProgress: printProgress });
    for (const login of summary.logins) console.log(`  demo ${login.role}: ${login.email} / ${login.password}`);
  }

  await startSearch(handle.db, config);
  startDeadlineSweeper();

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(compression());

  let build: ServerBuild | (() => Promise<ServerBuild>);
  if (dev) {
    const vite = await import("vite");
    const viteServer = await vite.createServer({ server: { middlewareMode: true } });
    app.use(viteServer.middlewares);
    build = () => viteServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>;
  } else {
    const serverBuildPath = path.join(root, "build/server/index.js");
    build = (await import(serverBuildPath)) as ServerBuild;
    app.use("/assets", express.static(path.join(root, "build/client/assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(path.join(root, "build/client"), { maxAge: "1h" }));
  }

  app.all("*", createRequestHandler({ build, getLoadContext: (req) => ({ clientIp: req.ip ?? "unknown" }) }));

  const server = app.listen(config.PORT, () => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`科技大市场 ready at http://localhost:${config.PORT} (${seconds}s)`);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing connections and the database…`);
    server.close();
    server.closeAllConnections();
    await stopDeadlineSweeper();
    await stopSearch();
    await closeDatabase();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch(async (error: unknown) => {
  console.error(error instanceof EnvError ? error.message : error);
  await stopDeadlineSweeper().catch(() => {});
  await stopSearch().catch(() => {});
  await closeDatabase().catch(() => {});
  process.exit(1);
});
