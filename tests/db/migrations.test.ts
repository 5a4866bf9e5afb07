import { sql } from "kysely";
import { expect, it } from "vitest";
import { migrations } from "../../db/migrations";
import { describeEachEngine } from "../helpers/db";

describeEachEngine("migrations", (db) => {
  it("applies every migration and records it", async () => {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db());
    expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
  });

  it("reads int8 as number and date as a plain string", async () => {
    const { rows } = await sql<{ n: number; d: string }>`select 9007199254740991::int8 as n, '2020-02-29'::date as d`.execute(db());
    expect(rows[0]).toEqual({ n: 9007199254740991, d: "2020-02-29" });
  });

  it("refuses an int8 beyond the safe integer range instead of rounding it", async () => {
    await expect(sql`select 9007199254740993::int8 as n`.execute(db())).rejects.toThrow(/safe integer/);
  });

  it("enforces catalogue checks in the database", async () => {
    await expect(
      db().insertInto("organisations").values({ kind: "enterprise", name: "无代码企业", credit_code: null }).execute(),
    ).rejects.toThrow();
  });
});
