import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { createTestDatabase, testEngines } from "../helpers/db";

// `npm run seed` then `npm run ledger:check`, as an operator runs them: the seeded market's ledger checks clean and
// the command exits 0; a balance changed behind the ledger's back is reported and the command exits 1.

const run = promisify(execFile);

async function cli(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.DATA_DIR;
  try {
    const { stdout, stderr } = await run("npx", ["tsx", script], { env: { ...base, ...env }, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe.each(testEngines)("npm run ledger:check after npm run seed [%s]", (engine) => {
  it("passes on the seeded market and exits 0; fails on a tampered balance and exits 1", { timeout: 480_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ledger-cli-"));
    const server = engine === "postgres" ? await createTestDatabase("postgres") : null;
    const env: Record<string, string> = server?.url ? { DATABASE_URL: server.url } : { DATA_DIR: path.join(dir, "data") };
    try {
      const seeded = await cli("scripts/seed.ts", env);
      expect(seeded.code, seeded.stderr).toBe(0);
      const clean = await cli("scripts/ledger-check.ts", env);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      expect(clean.stdout).toMatch(/^OK: every invariant holds/m);
      expect(clean.stdout).not.toContain("FAIL");

      // A balance changed with the triggers off, as only a superuser could: the check recomputes it from the entries.
      const handle = server?.url ? await openDatabase({ url: server.url }) : await openDatabase({ dataDir: path.join(dir, "data") });
      try {
        await handle.db.transaction().execute(async (trx) => {
          await sql`set local session_replication_role = replica`.execute(trx);
          await sql`update ledger_accounts set balance = balance + 1 where id = (select min(id) from ledger_accounts where purpose = 'voucher_available')`.execute(trx);
        });
      } finally {
        await handle.close();
      }
      const tampered = await cli("scripts/ledger-check.ts", env);
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toMatch(/FAIL\s+balances_match_entries/);
      expect(tampered.stdout).toMatch(/^FAILED: \d+ violation/m);
    } finally {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
