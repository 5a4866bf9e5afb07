import fc from "fast-check";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { CONTRACT_TYPES, FIELD_CODES, SELLER_TYPES, type NewContract } from "../../db/schema";
import { registerContract, voidContract } from "../../app/services/contracts";
import { addDays } from "../../app/services/contracts/calendar";
import { growthPct, previousYearRange, splitRange } from "../../app/services/stats/range";
import { bureauAmount, bureauSentence, periodLabel } from "../../app/services/stats/sentence";
import {
  GROUP_BYS,
  turnoverBySeller,
  turnoverGroups,
  turnoverSummary,
  turnoverTotals,
  type TurnoverSummary,
} from "../../app/services/stats/turnover";
import { describeEachEngine } from "../helpers/db";

describe("the same range one year earlier", () => {
  it("moves both ends back a year", () => {
    expect(previousYearRange({ from: "2024-01-01", to: "2024-12-31" })).toEqual({ from: "2023-01-01", to: "2023-12-31" });
    expect(previousYearRange({ from: "2024-03-15", to: "2025-03-14" })).toEqual({ from: "2023-03-15", to: "2024-03-14" });
  });

  it("handles 29 February: a start becomes 28 February, an end at the end of February stays at the end of February", () => {
    expect(previousYearRange({ from: "2024-02-29", to: "2024-03-31" })).toEqual({ from: "2023-02-28", to: "2023-03-31" });
    expect(previousYearRange({ from: "2024-01-01", to: "2024-02-29" })).toEqual({ from: "2023-01-01", to: "2023-02-28" });
    expect(previousYearRange({ from: "2025-01-01", to: "2025-02-28" })).toEqual({ from: "2024-01-01", to: "2024-02-29" });
    expect(previousYearRange({ from: "2024-02-28", to: "2024-02-28" })).toEqual({ from: "2023-02-28", to: "2023-02-28" });
    expect(previousYearRange({ from: "2025-02-01", to: "2025-02-27" })).toEqual({ from: "2024-02-01", to: "2024-02-27" });
  });
});

describe("growth in percent", () => {
  it("rounds half away from zero to two decimals, exactly", () => {
    expect(growthPct(11_162, 10_000)).toBe(11.62);
    expect(growthPct(100_125, 100_000)).toBe(0.13);
    expect(growthPct(99_875, 100_000)).toBe(-0.13);
    expect(growthPct(100_124, 100_000)).toBe(0.12);
    expect(growthPct(0, 5)).toBe(-100);
    expect(growthPct(2, 3)).toBe(-33.33);
    expect(growthPct(5, 5)).toBe(0);
    // Sums of fen far beyond 2^53 / 10_000 still come out exact.
    expect(growthPct(9_007_199_254_740_991, 9_007_199_254_740_990)).toBe(0);
    expect(growthPct(8_000_000_000_000_000, 4_000_000_000_000_000)).toBe(100);
  });

  it("is null when the previous value is zero", () => {
    expect(growthPct(5, 0)).toBeNull();
    expect(growthPct(0, 0)).toBeNull();
  });
});

describe("splitting a range into whole months and edge days", () => {
  it("reads whole months from the monthly rollup and the rest by day", () => {
    expect(splitRange({ from: "2024-01-01", to: "2024-12-31" })).toEqual({ months: { from: "2024-01-01", to: "2024-12-01" }, days: [] });
    expect(splitRange({ from: "2024-03-15", to: "2025-03-14" })).toEqual({
      months: { from: "2024-04-01", to: "2025-02-01" },
      days: [
        { from: "2024-03-15", to: "2024-03-31" },
        { from: "2025-03-01", to: "2025-03-14" },
      ],
    });
    expect(splitRange({ from: "2024-02-10", to: "2024-02-29" })).toEqual({ months: null, days: [{ from: "2024-02-10", to: "2024-02-29" }] });
    expect(splitRange({ from: "2024-02-10", to: "2024-03-05" })).toEqual({ months: null, days: [{ from: "2024-02-10", to: "2024-03-05" }] });
    expect(splitRange({ from: "2024-02-01", to: "2024-02-29" })).toEqual({ months: { from: "2024-02-01", to: "2024-02-01" }, days: [] });
  });
});

describe("the bureau's sentence", () => {
  const summary = (amount_fen: number, previous: number, from = "2020-01-01", to = "2020-12-31"): TurnoverSummary => ({
    from,
    to,
    contracts: 1_059,
    amount_fen,
    technical_income_fen: 4_120_000_000_00,
    previous: { contracts: 950, amount_fen: previous, technical_income_fen: 0, ...previousYearRange({ from, to }) },
    growth: { contracts_pct: growthPct(1_059, 950), amount_pct: growthPct(amount_fen, previous), technical_income_pct: null },
  });

  it("reads like the published figures", () => {
    const s = summary(538_000_000_000, 481_992_474_468);
    expect(s.growth.amount_pct).toBe(11.62);
    expect(bureauSentence(s, "zh-CN")).toContain("2020年全市技术合同成交1,059项，成交额53.8亿元，同比增长11.62%");
    expect(bureauSentence(s, "en")).toContain("In 2020 the city registered 1,059 technology contracts worth ¥5.4 billion, up 11.62% year on year");
    expect(bureauSentence(summary(400_000_000_000, 500_000_000_000), "zh-CN")).toContain("同比下降20.00%");
    expect(bureauSentence(summary(400_000_000_000, 0), "zh-CN")).not.toContain("同比");
  });

  it("writes amounts in 亿元 / 万元 and names the period", () => {
    expect(bureauAmount(538_000_000_000, "zh-CN")).toBe("53.8亿元");
    expect(bureauAmount(12_345_678_900, "zh-CN")).toBe("1.2亿元");
    expect(bureauAmount(5_380_550_000, "zh-CN")).toBe("5,380.6万元");
    expect(bureauAmount(123_456, "zh-CN")).toBe("1,235元");
    expect(periodLabel({ from: "2024-01-01", to: "2024-06-30" }, "zh-CN")).toBe("2024年1—6月");
    expect(periodLabel({ from: "2024-02-01", to: "2024-02-29" }, "zh-CN")).toBe("2024年2月");
    expect(periodLabel({ from: "2024-01-01", to: "2024-11-26" }, "zh-CN")).toBe("2024年1月1日至11月26日");
    expect(periodLabel({ from: "2023-01-01", to: "2025-11-26" }, "zh-CN")).toBe("2023年1月1日至2025年11月26日");
  });
});

// ---- against the database ----

interface Direct {
  contracts: number;
  amount_fen: number;
  technical_income_fen: number;
}

async function directTotals(db: Database, from: string, to: string, key?: string): Promise<Record<string, Direct>> {
  const keyExpr = key === "month" ? sql`to_char(signed_on, 'YYYY-MM')` : key ? sql.ref(key) : sql`'all'`;
  const { rows } = await sql<Direct & { key: string }>`
    select ${keyExpr} as key, count(*)::bigint as contracts, sum(amount_fen)::bigint as amount_fen,
      sum(technical_income_fen)::bigint as technical_income_fen
    from contracts where status = 'registered' and signed_on between ${from}::date and ${to}::date group by 1`.execute(db);
  return Object.fromEntries(rows.map(({ key: k, ...t }) => [k, t]));
}

/** Rollup tables must hold exactly the grouped registered contracts, no zero rows left over. */
async function rollupMismatches(db: Database): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select (
      select count(*) from (
        (select signed_on, type, field, seller_type, buyer_region, count(*)::bigint, sum(amount_fen)::bigint,
           sum(technical_income_fen)::bigint from contracts where status = 'registered' group by 1, 2, 3, 4, 5
         except all
         select day, type, field, seller_type, buyer_region, contracts, amount_fen, technical_income_fen from contract_stats_daily)
        union all
        (select day, type, field, seller_type, buyer_region, contracts, amount_fen, technical_income_fen from contract_stats_daily
         except all
         select signed_on, type, field, seller_type, buyer_region, count(*)::bigint, sum(amount_fen)::bigint,
           sum(technical_income_fen)::bigint from contracts where status = 'registered' group by 1, 2, 3, 4, 5)
      ) d
    ) + (
      select count(*) from (
        (select date_trunc('month', signed_on)::date, type, field, seller_type, buyer_region, count(*)::bigint,
           sum(amount_fen)::bigint, sum(technical_income_fen)::bigint from contracts where status = 'registered'
           group by 1, 2, 3, 4, 5
         except all
         select month, type, field, seller_type, buyer_region, contracts, amount_fen, technical_income_fen from contract_stats_monthly)
        union all
        (select month, type, field, seller_type, buyer_region, contracts, amount_fen, technical_income_fen from contract_stats_monthly
         except all
         select date_trunc('month', signed_on)::date, type, field, seller_type, buyer_region, count(*)::bigint,
           sum(amount_fen)::bigint, sum(technical_income_fen)::bigint from contracts where status = 'registered'
           group by 1, 2, 3, 4, 5)
      ) m
    ) + (
      select count(*) from (
        (select date_trunc('month', signed_on)::date, seller, seller_type, count(*)::bigint, sum(amount_fen)::bigint,
           sum(technical_income_fen)::bigint from contracts where status = 'registered' group by 1, 2, 3
         except all
         select month, seller, seller_type, contracts, amount_fen, technical_income_fen from contract_seller_monthly)
        union all
        (select month, seller, seller_type, contracts, amount_fen, technical_income_fen from contract_seller_monthly
         except all
         select date_trunc('month', signed_on)::date, seller, seller_type, count(*)::bigint, sum(amount_fen)::bigint,
           sum(technical_income_fen)::bigint from contracts where status = 'registered' group by 1, 2, 3)
      ) s
    ) as n`.execute(db);
  return Number(rows[0].n);
}

// Dates around month ends and 29 February 2016, so ranges cut months at every kind of edge. The other tests here use
// later years, so the contracts accumulated by the property never meet theirs (contracts cannot be deleted, and other
// tables reference them, so there is no resetting between runs: every check compares against everything so far).
const DAY0 = "2015-12-25";
const dayArb = fc.integer({ min: 0, max: 480 }).map((n) => addDays(DAY0, n));
const contractArb = fc.record({
  day: dayArb,
  type: fc.constantFrom(...CONTRACT_TYPES),
  field: fc.constantFrom(...FIELD_CODES.slice(0, 3)),
  sellerType: fc.constantFrom(...SELLER_TYPES),
  seller: fc.constantFrom("甲大学", "乙研究所", "丙公司"),
  region: fc.constantFrom("洛龙区", "郑州市", "广东省"),
  amount: fc.integer({ min: 0, max: 5_000_000_000 }),
  incomeShare: fc.integer({ min: 0, max: 100 }),
});
type ContractCase = typeof contractArb extends fc.Arbitrary<infer T> ? T : never;
type Op = { kind: "insert"; rows: ContractCase[] } | { kind: "void"; pick: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.array(contractArb, { minLength: 1, maxLength: 12 }).map((rows) => ({ kind: "insert" as const, rows })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: "void" as const, pick })) },
);
const rangeArb = fc.tuple(dayArb, dayArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }));

let serial = 0;

describeEachEngine("turnover rollups", (db) => {
  it("always equal a direct aggregate over the registered contracts, through random inserts and voids", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 8 }), fc.array(rangeArb, { minLength: 1, maxLength: 3 }), async (ops, ranges) => {
        for (const op of ops) {
          if (op.kind === "insert") {
            // Several rows in one statement: the statement trigger groups them.
            const values: NewContract[] = op.rows.map((r) => ({
              contract_no: `P-${++serial}`,
              signed_on: r.day,
              type: r.type,
              field: r.field,
              seller: r.seller,
              seller_type: r.sellerType,
              buyer: "买方",
              buyer_region: r.region,
              amount_fen: r.amount,
              technical_income_fen: Math.floor((r.amount * r.incomeShare) / 100),
              source: "import",
            }));
            await db().insertInto("contracts").values(values).execute();
          } else {
            const live = await db().selectFrom("contracts").select("id").where("status", "=", "registered").orderBy("id").execute();
            if (live.length > 0) await voidContract(db(), { contractId: live[op.pick % live.length].id, reason: "测试作废", actorUserId: null });
          }
        }
        expect(await rollupMismatches(db())).toBe(0);

        for (const range of ranges) {
          const direct = await directTotals(db(), range.from, range.to);
          expect(await turnoverTotals(db(), range)).toEqual(direct.all ?? { contracts: 0, amount_fen: 0, technical_income_fen: 0 });
          for (const groupBy of GROUP_BYS) {
            const groups = await turnoverGroups(db(), range, groupBy);
            const expected = await directTotals(db(), range.from, range.to, groupBy);
            const nonZero = Object.fromEntries(groups.filter((g) => g.contracts > 0).map(({ key, ...t }) => [key, t]));
            expect(nonZero).toEqual(expected);
          }
          const sellers = await turnoverBySeller(db(), range);
          const { rows: expectedSellers } = await sql<{ seller: string; seller_type: string; contracts: number; amount_fen: number; technical_income_fen: number }>`
            select seller, seller_type, count(*)::bigint as contracts, sum(amount_fen)::bigint as amount_fen,
              sum(technical_income_fen)::bigint as technical_income_fen
            from contracts where status = 'registered' and signed_on between ${range.from}::date and ${range.to}::date
            group by 1, 2 order by amount_fen desc, contracts desc, seller, seller_type`.execute(db());
          expect(sellers).toEqual(expectedSellers);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("counts a year against the year before, with growth, and only registered contracts", async () => {
    const add = (no: string, signedOn: string, amountFen: number) =>
      registerContract(db(), {
        source: "manual",
        contractNo: no,
        signedOn,
        type: "transfer",
        field: "aerospace",
        seller: "某研究所",
        sellerType: "institute",
        buyer: "某公司",
        buyerRegion: "西工区",
        amountFen,
        technicalIncomeFen: amountFen,
      });
    await add("Y1", "2023-02-28", 10_000);
    await add("Y2", "2024-02-29", 11_162);
    await add("Y3", "2024-12-31", 500);
    const voided = await add("Y4", "2024-06-01", 999_999);
    await voidContract(db(), { contractId: voided.id, reason: "重复登记", actorUserId: null });

    const s = await turnoverSummary(db(), { from: "2024-01-01", to: "2024-02-29" });
    expect(s).toMatchObject({
      contracts: 1,
      amount_fen: 11_162,
      previous: { from: "2023-01-01", to: "2023-02-28", contracts: 1, amount_fen: 10_000 },
      growth: { contracts_pct: 0, amount_pct: 11.62 },
    });
    const empty = await turnoverSummary(db(), { from: "2022-01-01", to: "2022-12-31" });
    expect(empty.growth).toEqual({ contracts_pct: null, amount_pct: null, technical_income_pct: null });
    const months = await turnoverGroups(db(), { from: "2024-01-01", to: "2024-12-31" }, "month");
    expect(months.map((m) => m.key)).toEqual(["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12"]);
    expect(months.map((m) => m.contracts)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const types = await turnoverGroups(db(), { from: "2024-01-01", to: "2024-12-31" }, "type");
    expect(types.map((t) => t.key)).toEqual(["transfer", "consulting", "development", "license", "service"]);
  });

  it("keeps the rollups right under concurrent registrations of the same key", async () => {
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        registerContract(db(), {
          source: "manual",
          contractNo: `C-${i}`,
          signedOn: "2019-08-08",
          type: "service",
          field: "new_energy",
          seller: "同一卖方",
          sellerType: "enterprise",
          buyer: "买方",
          buyerRegion: "洛龙区",
          amountFen: 100 + i,
          technicalIncomeFen: 100,
        }),
      ),
    );
    expect(await rollupMismatches(db())).toBe(0);
    expect(await turnoverTotals(db(), { from: "2019-08-01", to: "2019-08-31" })).toEqual({
      contracts: 24,
      amount_fen: 24 * 100 + (23 * 24) / 2,
      technical_income_fen: 2_400,
    });
  });
});
