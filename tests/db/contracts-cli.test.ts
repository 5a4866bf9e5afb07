import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { runScript } from "../helpers/cli";
import { createTestDatabase, testEngines } from "../helpers/db";

const HEADER = "contract_no,signed_on,type,field,seller,seller_type,buyer,buyer_region,amount_yuan,technical_income_yuan";

const cli = (file: string, env: Record<string, string>) => runScript("scripts/import-contracts.ts", [file], env);

describe.each(testEngines)("npm run import:contracts [%s]", (engine) => {
  it("prints every bad line and exits 1 without importing; imports a good file and exits 0", { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "contracts-cli-"));
    const server = engine === "postgres" ? await createTestDatabase("postgres") : null;
    const env: Record<string, string> = server?.url ? { DATABASE_URL: server.url } : { DATA_DIR: path.join(dir, "data") };
    try {
      const bad = path.join(dir, "bad.csv");
      await writeFile(
        bad,
        [
          HEADER,
          "CLI-1,2024-01-10,development,new_materials,河南科技大学,university,某公司,洛龙区,1000,900",
          "CLI-2,2023-02-29,development,new_materials,河南科技大学,university,某公司,洛龙区,1000,900",
          "CLI-3,2024-01-10,sale,new_materials,河南科技大学,university,某公司,洛龙区,1000,900",
          "CLI-1,2024-01-11,service,aerospace,某所,institute,某公司,郑州市,10,10",
        ].join("\n"),
      );
      const refused = await cli(bad, env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('line 3: signed_on "2023-02-29" is not a real date');
      expect(refused.stderr).toContain('line 4: type "sale" is not a known code');
      expect(refused.stderr).toContain("line 5: contract_no CLI-1 repeats line 2");
      expect(refused.stderr).toContain("3 bad lines");

      const good = path.join(dir, "good.csv");
      await writeFile(
        good,
        `\uFEFF${HEADER}\r\nCLI-1,2024-01-10,development,new_materials,"河南科技大学, 材料学院",university,某公司,洛龙区,1000.5,900\r\nCLI-2,2024-02-29,service,aerospace,某所,institute,某公司,郑州市,10,10\r\n`,
      );
      const imported = await cli(good, env);
      expect(imported.stderr).toBe("");
      expect(imported.code).toBe(0);
      expect(imported.stdout).toMatch(/registered 2 contracts/);

      const handle = server?.url ? await openDatabase({ url: server.url }) : await openDatabase({ dataDir: path.join(dir, "data") });
      try {
        const rows = await handle.db.selectFrom("contracts").select(["contract_no", "seller", "amount_fen", "source"]).orderBy("contract_no").execute();
        expect(rows).toEqual([
          { contract_no: "CLI-1", seller: "河南科技大学, 材料学院", amount_fen: 100_050, source: "import" },
          { contract_no: "CLI-2", seller: "某所", amount_fen: 1_000, source: "import" },
        ]);
      } finally {
        await handle.close();
      }
    } finally {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
