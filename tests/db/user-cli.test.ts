import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { runScript } from "../helpers/cli";
import { createTestDatabase, testEngines } from "../helpers/db";

const cli = runScript;

describe.each(testEngines)("npm run user:create and user:password [%s]", (engine) => {
  it("creates a bureau administrator, then gives them a first password they must change; bad input changes nothing", { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "user-cli-"));
    const server = engine === "postgres" ? await createTestDatabase("postgres") : null;
    const env: Record<string, string> = server?.url ? { DATABASE_URL: server.url } : { DATA_DIR: path.join(dir, "data") };
    try {
      const created = await cli("scripts/user-create.ts", ["--role", "bureau", "--email", "chief@ly.gov.cn", "--name", "周处长", "--password", "first own password"], env);
      expect(created.stderr).toBe("");
      expect(created.code).toBe(0);

      const unknown = await cli("scripts/user-password.ts", ["--email", "nobody@ly.gov.cn", "--password", "a new first one"], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("--email: 没有使用该邮箱的账户 / No account uses that e-mail");
      const short = await cli("scripts/user-password.ts", ["--email", "chief@ly.gov.cn", "--password", "short"], env);
      expect(short.code).toBe(1);
      expect(short.stderr).toContain("--password:");
      const stray = await cli("scripts/user-password.ts", ["--mail", "chief@ly.gov.cn"], env);
      expect(stray.code).toBe(2);
      expect(stray.stderr).toContain("usage: npm run user:password");

      const reset = await cli("scripts/user-password.ts", ["--email", "CHIEF@ly.gov.cn", "--password", "a new first one"], env);
      expect(reset.stderr).toBe("");
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/has a first password now/);

      const handle = server?.url ? await openDatabase({ url: server.url }) : await openDatabase({ dataDir: path.join(dir, "data") });
      try {
        const user = await handle.db.selectFrom("users").select(["is_org_admin", "must_change_password"]).where("email", "=", "chief@ly.gov.cn").executeTakeFirstOrThrow();
        expect(user).toEqual({ is_org_admin: true, must_change_password: true });
      } finally {
        await handle.close();
      }
    } finally {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
