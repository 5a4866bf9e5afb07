import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { runScript } from "../helpers/cli";
import { createTestDatabase, testEngines } from "../helpers/db";

// `npm run seed` then `npm run ledger:check`, as an operator runs them: the seeded market's ledger checks clean and
// the command exits 0; a balance changed behind the ledger's back is reported and the command exits 1.

const cli = (script: string, env: Record<string, string>) => runScript(script, [], env, 240_000);

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
