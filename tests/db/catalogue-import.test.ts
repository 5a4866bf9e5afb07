import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { translator } from "../../app/i18n";
import { creditCodeProblem } from "../../app/services/accounts/credit-code";
import type { SessionUser } from "../../app/services/accounts/types";
import {
  creditCodeForName,
  formatLineError,
  importResults,
  institutionTypeFromName,
  parseJsonlLines,
  type ImportOptions,
} from "../../app/services/catalogue/import";
import { SYSTEM_ACTOR } from "../../app/services/catalogue/lifecycle";
import { sql } from "kysely";
import { openDatabase, type Database } from "../../db/client";
import { databaseUrlFor } from "../helpers/db-url";
import { makeMember } from "../helpers/catalogue";
import { describeEachEngine, type TestEngine } from "../helpers/db";
import { projectRoot } from "../helpers/server";

const en = translator("en");

function line(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: "基于机器视觉的轴承表面缺陷检测系统",
    title_en: "Machine-vision inspection of bearing surfaces",
    summary: "检出率 99.2%，节拍 0.8 秒/件。",
    description: "## 应用\n- 轴承套圈",
    field: "advanced_manufacturing",
    keywords: ["机器视觉", "缺陷检测"],
    trl: 7,
    ip: [{ type: "invention_patent", number: "ZL202010654321.X", status: "granted" }],
    modes: [
      { mode: "assignment", price_yuan: 480000 },
      { mode: "nonexclusive_license", price_yuan: 12.34 },
      { mode: "development", price_yuan: null },
    ],
    institution: "河南科技大学",
    inventors: ["陈刚", "赵敏"],
    region: "jianxi",
    state_funded: true,
    voucher_eligible: true,
    ...overrides,
  };
}

function jsonl(lines: (Record<string, unknown> | string)[]): string {
  return lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n";
}

/** A file with the five kinds of bad line among good ones (line numbers 2, 4, 5, 6, 8). */
const BAD_FILE = jsonl([
  line({ title: "好的一行" }),
  '{"title": "缺引号, "summary": "x"}',
  line({ title: "另一行好的" }),
  line({ title: "未知领域", field: "nanotech" }),
  line({ title: "成熟度十级", trl: 10 }),
  line({ title: "负价格", modes: [{ mode: "assignment", price_yuan: -100 }] }),
  "",
  line({ title: undefined }),
]);

describe("JSONL parsing (no database)", () => {
  it("reports every bad line with its number and field, and skips blank lines", () => {
    const parsed = parseJsonlLines(BAD_FILE);
    expect(parsed.lines).toBe(7);
    expect(parsed.valid.map((v) => v.line)).toEqual([1, 3]);
    const report = parsed.errors.map((e) => formatLineError(e, en));
    expect(report).toHaveLength(5);
    expect(report[0]).toMatch(/^line 2: not valid JSON: /);
    expect(report[1]).toBe("line 4: field: unknown field code (nanotech)");
    expect(report[2]).toBe("line 5: trl: maturity must be a whole number from 1 to 9 (10)");
    expect(report[3]).toBe("line 6: modes[0].price_yuan: a price cannot be negative");
    expect(report[4]).toBe("line 8: title: required");
  });

  it("refuses non-objects and unknown keys", () => {
    const parsed = parseJsonlLines(jsonl(["[1, 2]", "42", line({ titel: "typo" })]));
    expect(parsed.errors.map((e) => formatLineError(e, en))).toEqual([
      "line 1: each line must be one JSON object {…}",
      "line 2: each line must be one JSON object {…}",
      "line 3: titel: unknown key “titel”",
    ]);
  });

  it("derives a valid, stable credit code and the institution type from the name", () => {
    const code = creditCodeForName("洛阳师范学院");
    expect(creditCodeProblem(code)).toBeNull();
    expect(code).toBe(creditCodeForName("洛阳师范学院"));
    expect(code.startsWith("12410300")).toBe(true);
    expect(creditCodeForName("洛阳师范学院", 1)).not.toBe(code);
    expect(institutionTypeFromName("洛阳师范学院")).toBe("university");
    expect(institutionTypeFromName("中国空空导弹研究院")).toBe("institute");
  });
});

async function counts(db: Database) {
  const one = async (table: "technology_results" | "result_modes" | "result_ip_items" | "search_outbox" | "audit_log" | "organisations") =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  return {
    results: await one("technology_results"),
    modes: await one("result_modes"),
    ip: await one("result_ip_items"),
    outbox: await one("search_outbox"),
    audit: await one("audit_log"),
    organisations: await one("organisations"),
  };
}

describeEachEngine("catalogue import", (db) => {
  let member: SessionUser;
  const cli = (over: Partial<ImportOptions> = {}): ImportOptions => ({
    scope: { kind: "any", createMissing: true },
    status: "listed",
    actor: SYSTEM_ACTOR,
    source: "test.jsonl",
    ...over,
  });

  beforeAll(async () => {
    member = await makeMember(db(), "institution", "洛阳理工学院");
  });

  it("imports nothing from a file with bad lines and reports each one", async () => {
    const before = await counts(db());
    const result = await importResults(db(), BAD_FILE, cli());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([2, 4, 5, 6, 8]);
    expect(await counts(db())).toEqual(before);
  });

  it("imports a good file whole: results, modes, IP, an audit row and an outbox row each, missing institutions created", async () => {
    const before = await counts(db());
    const lines = Array.from({ length: 1200 }, (_, i) =>
      line({ title: `检测系统 ${i}`, institution: i % 2 ? "河南科技大学" : "洛阳理工学院", state_funded: i % 2 === 0 }),
    );
    const progress: number[] = [];
    const result = await importResults(db(), jsonl(lines), cli({ batchSize: 250, onProgress: (p) => p.phase === "insert" && progress.push(p.done) }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.imported).toBe(1200);
    expect(progress).toEqual([0, 250, 500, 750, 1000, 1200]);
    // 河南科技大学 did not exist: created, with a valid derived credit code; 洛阳理工学院 did.
    expect(result.createdInstitutions).toHaveLength(1);
    expect(result.createdInstitutions[0]).toMatchObject({ name: "河南科技大学", institution_type: "university" });
    expect(creditCodeProblem(result.createdInstitutions[0].credit_code)).toBeNull();
    const after = await counts(db());
    expect(after).toEqual({
      results: before.results + 1200,
      modes: before.modes + 3600,
      ip: before.ip + 1200,
      outbox: before.outbox + 1200,
      audit: before.audit + 1200 + 1,
      organisations: before.organisations + 1,
    });
    const ours = await db()
      .selectFrom("technology_results")
      .select(["status", "listed_at", "confirmed_at", "institution_id"])
      .where("title", "=", "检测系统 0")
      .executeTakeFirstOrThrow();
    expect(ours.status).toBe("listed");
    expect(ours.institution_id).toBe(member.organisationId);
    expect(ours.listed_at).toEqual(ours.confirmed_at);
    const price = await db()
      .selectFrom("result_modes as m")
      .innerJoin("technology_results as r", "r.id", "m.result_id")
      .select(["m.mode", "m.price_fen"])
      .where("r.title", "=", "检测系统 1")
      .orderBy("m.mode")
      .execute();
    expect(price).toEqual([
      { mode: "assignment", price_fen: 48_000_000 },
      { mode: "development", price_fen: null },
      { mode: "nonexclusive_license", price_fen: 1234 },
    ]);
  });

  it("refuses to import the same file twice", async () => {
    const before = await counts(db());
    const result = await importResults(db(), jsonl([line({ title: "检测系统 5", institution: "河南科技大学" }), line({ title: "新的一项" }), line({ title: "新的一项" })]), cli());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => formatLineError(e, en))).toEqual([
      expect.stringMatching(/^line 1: title: the institution already has a result with this title \(#\d+\)$/),
      "line 3: title: same institution and title as line 2",
    ]);
    expect(await counts(db())).toEqual(before);
  });

  it("the page import is limited to the signed-in institution", async () => {
    const scope = { kind: "institution" as const, institutionId: member.organisationId, institutionName: member.organisationName };
    const bad = await importResults(db(), jsonl([line({ title: "别家的", institution: "河南科技大学" })]), cli({ scope, status: "draft", actor: member }));
    expect(bad.ok || bad.errors.map((e) => formatLineError(e, en))).toEqual([
      "line 1: institution: “河南科技大学” is not your institution (洛阳理工学院): you can only import your own results",
    ]);
    const good = await importResults(
      db(),
      jsonl([line({ title: "本单位的 A", institution: "洛阳理工学院" }), line({ title: "本单位的 B", institution: undefined })]),
      cli({ scope, status: "pending_review", actor: member }),
    );
    expect(good.ok && good.imported).toBe(2);
    const rows = await db()
      .selectFrom("technology_results")
      .select(["status", "institution_id", "created_by", "submitted_at"])
      .where("title", "in", ["本单位的 A", "本单位的 B"])
      .execute();
    expect(rows.every((r) => r.status === "pending_review" && r.institution_id === member.organisationId && r.created_by === member.id && r.submitted_at)).toBe(
      true,
    );
  });

  it("refuses unknown institutions when it may not create them, and organisations of another kind", async () => {
    await makeMember(db(), "enterprise", "洛阳轴承集团有限公司");
    const result = await importResults(
      db(),
      jsonl([line({ title: "x1", institution: "不存在的研究所" }), line({ title: "x2", institution: "洛阳轴承集团有限公司" }), line({ title: "x3", institution: null })]),
      cli({ scope: { kind: "any", createMissing: false } }),
    );
    expect(result.ok || result.errors.map((e) => formatLineError(e, en))).toEqual([
      "line 1: institution: no institution is called “不存在的研究所”",
      "line 2: institution: “洛阳轴承集团有限公司” is not a university or institute",
      "line 3: institution: required",
    ]);
  });

  it("reports an empty file and bytes that are not UTF-8", async () => {
    const empty = await importResults(db(), "\n  \n", cli());
    expect(empty.ok || empty.errors.map((e) => formatLineError(e, en))).toEqual(["line 1: the file has no results"]);
    const bytes = new TextEncoder().encode(jsonl([line({ title: "编码" }), line({ title: "ok" })]));
    const latin1 = new Uint8Array([...bytes.slice(0, bytes.indexOf(10) + 1), 0x7b, 0xe9, 0x7d, 10]);
    const bad = await importResults(db(), latin1, cli());
    expect(bad.ok || bad.errors.map((e) => e.line)).toEqual([2]);
  });
});

/** Runs the CLI against a database: a fresh PGlite folder, or the suite's server database via DATABASE_URL. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, LANG: "C", LC_ALL: undefined, ...env };
    for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined || key.startsWith("VITEST")) delete childEnv[key];
    const child = spawn(path.join(projectRoot, "node_modules/.bin/tsx"), ["scripts/import-results.ts", ...args], {
      cwd: projectRoot,
      env: childEnv as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describeEachEngine("import:results CLI", (db, engine: TestEngine) => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "import-cli-"));
    const url = engine === "postgres" ? await serverUrl(db) : null;
    env = url ? { DATABASE_URL: url } : { DATA_DIR: path.join(dir, "data") };
    return () => rm(dir, { recursive: true, force: true });
  });

  it("exits 1 on a bad file, printing every bad line, and imports nothing", async () => {
    const file = path.join(dir, "bad.jsonl");
    await writeFile(file, BAD_FILE);
    const run = await runCli([file, "--status", "listed"], env);
    expect(run.code).toBe(1);
    const reported = run.stderr.split("\n").filter((l) => l.startsWith("line "));
    expect(reported.map((l) => l.split(":")[0])).toEqual(["line 2", "line 4", "line 5", "line 6", "line 8"]);
    expect(run.stderr).toContain("line 5: trl: maturity must be a whole number from 1 to 9 (10)");
    expect(run.stderr).toContain("nothing was imported");
    expect(await resultCount(engine, env, db)).toBe(0);
  });

  it("imports a good file, creating the institution, and exits 0", async () => {
    const file = path.join(dir, "good.jsonl");
    await writeFile(file, jsonl([line({ title: "命令行导入 1", institution: "洛阳师范学院" }), "", line({ title: "命令行导入 2", institution: "洛阳师范学院" })]));
    const run = await runCli([file], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("imported 2 results");
    expect(run.stdout).toContain(`created institution 洛阳师范学院 (university), credit code ${creditCodeForName("洛阳师范学院")}`);
    expect(await resultCount(engine, env, db)).toBe(2);
  });

  it("refuses bad arguments with usage (exit 2)", async () => {
    const run = await runCli(["x.jsonl", "--status", "draft"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--status must be listed or pending_review");
  });
}, { maxConnections: 2 });

async function serverUrl(db: () => Database): Promise<string> {
  // The suite's own server database (a copy of the migrated template), named by current_database().
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db());
  return databaseUrlFor(base, rows[0].name);
}

async function resultCount(engine: TestEngine, env: Record<string, string>, db: () => Database): Promise<number> {
  if (engine === "postgres") {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from technology_results`.execute(db());
    return rows[0].n;
  }
  // The CLI has exited: its PGlite folder can be opened here.
  const handle = await openDatabase({ dataDir: env.DATA_DIR });
  try {
    const row = await handle.db.selectFrom("technology_results").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await handle.close();
  }
}
