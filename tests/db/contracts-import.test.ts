import { beforeAll, expect, it } from "vitest";
import { loader as turnoverApi } from "../../app/routes/api.v1.stats.turnover";
import { action as importAction } from "../../app/routes/bureau.contracts.import";
import { loader as dashboardLoader } from "../../app/routes/bureau.dashboard._index";
import { loader as exportLoader } from "../../app/routes/bureau.dashboard.export.$table";
import { createSession } from "../../app/services/accounts/sessions";
import { registerContract } from "../../app/services/contracts";
import { parseCsv, toCsv } from "../../app/services/contracts/csv";
import { fenToYuan, parseYuanToFen } from "../../app/services/contracts/money";
import { CONTRACT_COLUMNS } from "../../app/services/contracts/validation";
import { generateContracts, type GeneratedContract, type SeedBuyer, type SeedSeller } from "../../db/seed/contracts";
import { createRng } from "../../db/seed/random";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";

const BASE = "http://localhost:3000";

// Party names with commas, quotes and full-width punctuation, so the file exercises CSV quoting.
const SELLERS: SeedSeller[] = [
  { name: "河南科技大学", type: "university", organisationId: null, weight: 4 },
  { name: "中国船舶集团有限公司第七二五研究所", type: "institute", organisationId: null, weight: 3 },
  { name: '洛阳"精工"轴承, 有限公司', type: "enterprise", organisationId: null, weight: 3 },
  { name: "洛阳市技术转移服务中心", type: "other", organisationId: null, weight: 1 },
];
const BUYERS: SeedBuyer[] = [
  { name: "洛阳某新材料科技有限公司", region: "洛龙区", organisationId: null, weight: 3 },
  { name: "某集团（郑州）有限公司, 研发中心", region: "郑州市", organisationId: null, weight: 2 },
  { name: "广州某智能装备有限公司", region: "广东省", organisationId: null, weight: 1 },
];

function csvOf(contracts: GeneratedContract[]): string {
  return toCsv([
    [...CONTRACT_COLUMNS],
    ...contracts.map((c) => [
      c.contractNo,
      c.signedOn,
      c.type,
      c.field,
      c.seller.name,
      c.seller.type,
      c.buyer.name,
      c.buyer.region,
      fenToYuan(c.amountFen),
      fenToYuan(c.technicalIncomeFen),
    ]),
  ]);
}

function upload(csv: string, cookie: string, name = "contracts-2024.csv"): Request {
  const form = new FormData();
  form.set("file", new File([csv], name, { type: "text/csv" }));
  return new Request(`${BASE}/bureau/contracts/import`, { method: "POST", body: form, headers: { Cookie: cookie } });
}

/** The body and status of an action's `data(...)` answer. */
function unwrap<T>(result: unknown): { status: number; body: T } {
  expect(result).not.toBeInstanceOf(Response);
  const { data, init } = result as { data: T; init: ResponseInit | null };
  return { status: init?.status ?? 200, body: data };
}

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: { clientIp: "127.0.0.1" } });

describeEachEngine("importing a year of contracts", (db, engine) => {
  useAppDatabase(db, engine);
  let bureau: string;
  let enterprise: string;
  const year = generateContracts(createRng("import-test-2024"), {
    from: "2024-01-01",
    to: "2024-12-31",
    perYear: () => 1_500,
    sellers: SELLERS,
    buyers: BUYERS,
    prefix: "IMP",
  });
  const expected = {
    contracts: year.length,
    amount_fen: year.reduce((s, c) => s + c.amountFen, 0),
    technical_income_fen: year.reduce((s, c) => s + c.technicalIncomeFen, 0),
  };

  beforeAll(async () => {
    const cookieFor = async (kind: "bureau" | "enterprise", email: string) => {
      const org = await db()
        .insertInto("organisations")
        .values({ kind, name: `${kind} org`, credit_code: kind === "enterprise" ? "91410300MA44444444" : null })
        .returning("id")
        .executeTakeFirstOrThrow();
      const user = await db()
        .insertInto("users")
        .values({ organisation_id: org.id, email, display_name: kind, password_hash: "x" })
        .returning("id")
        .executeTakeFirstOrThrow();
      const { token } = await createSession(db(), user.id);
      return `__session=${token}`;
    };
    bureau = await cookieFor("bureau", "bureau@example.cn");
    enterprise = await cookieFor("enterprise", "buyer@example.cn");
  });

  it("gives the same totals in the dashboard, its CSV exports and the API", async () => {
    expect(year.length).toBeGreaterThan(1_400);
    const imported = unwrap<{ status: string; imported: number }>(await importAction(args(upload(csvOf(year), bureau))));
    expect(imported.body).toMatchObject({ status: "imported", imported: year.length });

    const query = "from=2024-01-01&to=2024-12-31";
    const page = await dashboardLoader(args(new Request(`${BASE}/bureau/dashboard?${query}`, { headers: { Cookie: bureau } })));
    const s = page.data.summary;
    expect({ contracts: s.contracts, amount_fen: s.amount_fen, technical_income_fen: s.technical_income_fen }).toEqual(expected);
    // Every breakdown adds up to the same totals.
    for (const rows of [page.data.months, page.data.byField, page.data.byType, page.data.bySellerType, page.data.byBuyerRegion])
      expect(rows.reduce((sum, r) => sum + r.amount_fen, 0)).toBe(expected.amount_fen);
    expect(page.data.sellerCount).toBe(SELLERS.length);

    const api = await turnoverApi(args(new Request(`${BASE}/api/v1/stats/turnover?${query}&group_by=field`)));
    expect(api.status).toBe(200);
    const json = (await api.json()) as Record<string, unknown> & { groups: { amount_fen: number; contracts: number }[] };
    expect(json).toMatchObject({ from: "2024-01-01", to: "2024-12-31", ...expected, previous: { contracts: 0, amount_fen: 0, technical_income_fen: 0 } });
    expect(json.growth).toEqual({ contracts_pct: null, amount_pct: null });
    expect(json.groups.reduce((sum, g) => sum + g.amount_fen, 0)).toBe(expected.amount_fen);
    expect(JSON.stringify(json)).not.toContain("河南科技大学");

    // Each exported table ends with a total row that matches; amounts are yuan, read back exactly.
    for (const table of ["month", "field", "type", "seller_type", "buyer_region", "seller"]) {
      const response = await exportLoader(args(new Request(`${BASE}/bureau/dashboard/export/${table}?${query}`, { headers: { Cookie: bureau } }), { table }));
      expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
      // A UTF-8 byte order mark first, so Excel reads the Chinese (Response.text() would drop it).
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = new TextDecoder().decode(bytes);
      const records = parseCsv(text).records.map((r) => r.fields);
      const header = records[0];
      const total = records[records.length - 1];
      expect(total[0]).toBe("合计");
      const col = (name: string) => header.indexOf(name);
      const fen = (cell: string) => {
        const parsed = parseYuanToFen(cell);
        if (!parsed.ok) throw new Error(`bad amount ${cell}`);
        return parsed.fen;
      };
      expect(Number(total[col("合同数")])).toBe(expected.contracts);
      expect(fen(total[col("成交额（元）")])).toBe(expected.amount_fen);
      expect(fen(total[col("技术交易额（元）")])).toBe(expected.technical_income_fen);
      // …and the rows above it add up to it.
      const body = records.slice(1, -1);
      expect(body.reduce((sum, r) => sum + fen(r[col("成交额（元）")]), 0)).toBe(expected.amount_fen);
    }
    const summary = await exportLoader(args(new Request(`${BASE}/bureau/dashboard/export/summary?${query}`, { headers: { Cookie: bureau } }), { table: "summary" }));
    const rows = parseCsv(await summary.text()).records.map((r) => r.fields);
    expect(rows[1].slice(0, 2)).toEqual(["合同数", String(expected.contracts)]);
    expect(rows[2].slice(0, 2)).toEqual(["成交额（元）", fenToYuan(expected.amount_fen)]);
  });

  it("refuses a file with bad rows whole, naming every bad line", async () => {
    await registerContract(db(), {
      source: "manual",
      contractNo: "ALREADY-1",
      signedOn: "2023-01-05",
      type: "consulting",
      field: "urban_social",
      seller: "某大学",
      sellerType: "university",
      buyer: "某公司",
      buyerRegion: "洛龙区",
      amountFen: 100,
      technicalIncomeFen: 100,
    });
    const before = await db().selectFrom("contracts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    const good = csvOf(
      generateContracts(createRng("bad-file"), { from: "2023-03-01", to: "2023-03-31", perYear: () => 200, sellers: SELLERS, buyers: BUYERS, prefix: "BAD" }),
    ).split("\r\n");
    // Lines counted as the user sees them: the header is line 1.
    const lines = [...good.slice(0, 6)];
    lines[2] = lines[2].replace(/,2023-03-\d\d,/, ",2023-02-29,");
    lines[3] = lines[3].replace(/,(development|transfer|license|consulting|service),/, ",sale,");
    lines.push(good[1]); // line 7 repeats line 2's contract number
    lines.push("BAD-X-1,2023-03-05,service,aerospace,某大学,university,某公司,洛龙区,100.123,50"); // line 8
    lines.push("BAD-X-2,2023-03-05,service,aerospace,某大学,university,某公司,洛龙区,100,100.01"); // line 9
    lines.push("ALREADY-1,2023-03-05,service,aerospace,某大学,university,某公司,洛龙区,-5,0"); // line 10: registered, negative
    lines.push("BAD-X-3,2023-03-05,service,aerospace,某大学"); // line 11
    const result = unwrap<{ status: string; errors: { line: number; problems: { code: string }[] }[]; errorCount: number }>(
      await importAction(args(upload(`${lines.join("\r\n")}\r\n`, bureau, "bad.csv"))),
    );
    expect(result.status).toBe(400);
    expect(result.body.status).toBe("refused");
    expect(result.body.errors.map((e) => [e.line, e.problems.map((p) => p.code)])).toEqual([
      [3, ["unrealDate"]],
      [4, ["unknownCode"]],
      [7, ["duplicateInFile"]],
      [8, ["tooManyDecimals"]],
      [9, ["incomeAboveAmount"]],
      [10, ["negativeAmount", "alreadyRegistered"]],
      [11, ["fieldCount"]],
    ]);
    const after = await db().selectFrom("contracts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it("keeps the bureau's pages behind the bureau login; the API is public", async () => {
    const anonymous = new Request(`${BASE}/bureau/dashboard`);
    await expect(dashboardLoader(args(anonymous))).rejects.toMatchObject({ status: 302 });
    const wrongRole = new Request(`${BASE}/bureau/dashboard/export/field`, { headers: { Cookie: enterprise } });
    await expect(exportLoader(args(wrongRole, { table: "field" }))).rejects.toMatchObject({ status: 403 });
    await expect(importAction(args(upload("x", enterprise)))).rejects.toMatchObject({ status: 403 });
  });

  it("answers bad API parameters with 400 naming the parameter", async () => {
    const ask = async (query: string) => {
      const response = await turnoverApi(args(new Request(`${BASE}/api/v1/stats/turnover?${query}`)));
      return { status: response.status, body: (await response.json()) as { parameter?: string } };
    };
    expect(await ask("to=2024-12-31")).toMatchObject({ status: 400, body: { parameter: "from" } });
    expect(await ask("from=2023-02-29&to=2023-12-31")).toMatchObject({ status: 400, body: { parameter: "from" } });
    expect(await ask("from=2024-01-01&to=2024-13-01")).toMatchObject({ status: 400, body: { parameter: "to" } });
    expect(await ask("from=2024-05-01&to=2024-04-30")).toMatchObject({ status: 400, body: { parameter: "to" } });
    expect(await ask("from=2024-01-01&to=2024-12-31&group_by=seller")).toMatchObject({ status: 400, body: { parameter: "group_by" } });
    expect(await ask("from=20240101&to=2024-12-31")).toMatchObject({ status: 400, body: { parameter: "from" } });
    expect(await ask("from=1900-01-01&to=2024-12-31")).toMatchObject({ status: 400, body: { parameter: "to" } });
    const ok = await ask("from=2024-02-29&to=2024-02-29&group_by=month");
    expect(ok.status).toBe(200);
  });
});
