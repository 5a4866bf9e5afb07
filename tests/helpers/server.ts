import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Starts the production server (server/index.ts over build/) as a child process, the way `npm run serve` does.
// It builds nothing: run `npm run build` first.

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const serverBuildPath = path.join(projectRoot, "build/server/index.js");

export interface RunningServer {
  /** http://127.0.0.1:<port>, without a trailing slash. */
  url: string;
  port: number;
  /** Date.now() when the process was spawned (for "ready within N seconds of start" checks). */
  startedAt: number;
  /** The embedded database's folder (a fresh temp dir unless one was given). */
  dataDir: string;
  /** Everything the server printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; removes a temp data dir this helper made. */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /** Extra or overriding environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Existing DATA_DIR to reuse; default a fresh temp dir, removed on stop(). */
  dataDir?: string;
  /** How long to wait for GET / to answer 200; the first start migrates and seeds. */
  readyTimeoutMs?: number;
}

// Variables that would point the child at outside services or make it think it runs under Vitest.
const INHERITED_BUT_DROPPED = [
  "DATABASE_URL",
  "TEST_DATABASE_URL",
  "MEILI_URL",
  "MEILI_MASTER_KEY",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "SESSION_SECRET",
  "SEED_DEMO",
  "NODE_OPTIONS",
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

export async function startProductionServer(options: StartServerOptions = {}): Promise<RunningServer> {
  if (!existsSync(serverBuildPath)) {
    throw new Error(`${path.relative(projectRoot, serverBuildPath)} is missing: run \`npm run build\` first`);
  }
  const port = await freePort();
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "market-e2e-")));

  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!INHERITED_BUT_DROPPED.includes(key) && !key.startsWith("VITEST")) env[key] = value;
  }
  Object.assign(env, { NODE_ENV: "production", PORT: String(port), DATA_DIR: dataDir }, options.env);
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

  const tsx = path.join(projectRoot, "node_modules/.bin/tsx");
  const startedAt = Date.now();
  // Own process group, so stop() reaches tsx's node child too.
  const child = spawn(tsx, ["server/index.ts"], {
    cwd: projectRoot,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    url,
    port,
    startedAt,
    dataDir,
    output: () => output,
    async stop() {
      await stopProcessGroup(child, exited);
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };

  try {
    await waitUntilReady(url, exited, options.readyTimeoutMs ?? 90_000);
  } catch (error) {
    await server.stop();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- server output ---\n${output.slice(-8_000)}`);
  }
  return server;
}

async function waitUntilReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the server exited with code ${exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `GET / answered ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the server at ${url} was not ready within ${timeoutMs / 1000}s (${last})`);
}

async function stopProcessGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  const pid = child.pid;
  if (child.exitCode !== null || child.signalCode !== null || pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  signalGroup("SIGTERM");
  const killed = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 10_000)),
  ]);
  if (killed) {
    signalGroup("SIGKILL");
    await exited;
  }
}
