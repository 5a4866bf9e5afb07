import { describe, expect, it } from "vitest";
import { registerContract, voidContract } from "../../app/services/contracts";
import { DEFAULT_REWARD_CAP_FEN, parseRewardRules, transactionRewards, type RewardRules } from "../../app/services/stats/rewards";
import type { SellerType } from "../../db/schema";
import { describeEachEngine } from "../helpers/db";

const ALL: SellerType[] = ["university", "institute", "enterprise", "other"];

describe("the reward rules from the query string", () => {
  const parse = (query: string) => parseRewardRules(new URLSearchParams(query), "2025-03-01");

  it("defaults to last year, 1%, ¥500,000 a seller and every seller type", () => {
    expect(parse("")).toEqual({ ok: true, rules: { year: 2024, rateBps: 100, capFen: DEFAULT_REWARD_CAP_FEN, sellerTypes: ALL } });
    expect(parse("year=2025&rate=0.5&cap=&type=institute&type=university")).toEqual({
      ok: true,
      rules: { year: 2025, rateBps: 50, capFen: null, sellerTypes: ["university", "institute"] },
    });
    expect(parse("rate=12.25&cap=20000.50")).toMatchObject({ rules: { rateBps: 1225, capFen: 2_000_050 } });
  });

  it("names every bad parameter", () => {
    expect(parse("year=1999&rate=0&cap=0&type=bogus")).toEqual({
      ok: false,
      errors: { year: "rewards.error.year", rate: "rewards.error.rate", cap: "rewards.error.cap", type: "rewards.error.type" },
    });
    for (const year of ["2026", "abc", "20245"]) expect(parse(`year=${year}`)).toMatchObject({ errors: { year: "rewards.error.year" } });
    for (const rate of ["100.01", "1.234", "-1", "x"]) expect(parse(`rate=${rate}`)).toMatchObject({ errors: { rate: "rewards.error.rate" } });
    for (const cap of ["-5", "1.234", "abc"]) expect(parse(`cap=${cap}`)).toMatchObject({ errors: { cap: "rewards.error.cap" } });
  });
});

describeEachEngine("transaction rewards (技术交易奖补)", (db) => {
  let serial = 0;
  const register = (seller: string, sellerType: SellerType, signedOn: string, technicalIncomeFen: number, amountFen = technicalIncomeFen) =>
    registerContract(db(), {
      source: "manual",
      contractNo: `RW-${++serial}`,
      signedOn,
      type: "license",
      field: "new_materials",
      seller,
      sellerType,
      buyer: "洛阳某公司",
      buyerRegion: "西工区",
      amountFen,
      technicalIncomeFen,
    });
  const rules = (over: Partial<RewardRules> = {}): RewardRules => ({ year: 2014, rateBps: 100, capFen: 50_000_000, sellerTypes: ALL, ...over });

  it("pays rate × the year's technical income per seller, rounded down to the fen, at most the cap", async () => {
    await register("甲大学", "university", "2014-01-01", 60_000_000);
    await register("甲大学", "university", "2014-12-31", 40_000_000);
    await register("乙研究所", "institute", "2014-06-30", 6_000_000_000);
    await register("丙公司", "enterprise", "2014-03-03", 12_345);
    await register("丁大学", "university", "2014-05-05", 0, 9_000_000); // no technical income: no reward
    await register("甲大学", "university", "2013-12-31", 1_000_000_000); // the year before
    await register("甲大学", "university", "2015-01-01", 1_000_000_000); // the year after
    const voided = await register("丙公司", "enterprise", "2014-08-08", 1_000_000_000);
    await voidContract(db(), { contractId: voided.id, reason: "重复登记", actorUserId: null });

    const table = await transactionRewards(db(), rules(), "2025-03-01");
    expect(table).toMatchObject({ from: "2014-01-01", to: "2014-12-31" });
    expect(table.lines).toEqual([
      { seller: "乙研究所", seller_type: "institute", contracts: 1, technical_income_fen: 6_000_000_000, reward_fen: 50_000_000, capped: true },
      { seller: "甲大学", seller_type: "university", contracts: 2, technical_income_fen: 100_000_000, reward_fen: 1_000_000, capped: false },
      { seller: "丙公司", seller_type: "enterprise", contracts: 1, technical_income_fen: 12_345, reward_fen: 123, capped: false },
    ]);
    expect(table.totals).toEqual({ sellers: 3, contracts: 4, technical_income_fen: 6_100_012_345, reward_fen: 51_000_123, capped: 1 });

    // Other rules: no cap, half a percent, universities and institutes only.
    const open = await transactionRewards(db(), rules({ capFen: null, rateBps: 50, sellerTypes: ["university", "institute"] }), "2025-03-01");
    expect(open.lines.map((l) => [l.seller, l.reward_fen, l.capped])).toEqual([
      ["乙研究所", 30_000_000, false],
      ["甲大学", 500_000, false],
    ]);
    // The year under way counts up to today.
    const partial = await transactionRewards(db(), rules({ year: 2015 }), "2015-01-01");
    expect(partial).toMatchObject({ from: "2015-01-01", to: "2015-01-01", totals: { sellers: 1, reward_fen: 10_000_000 } });
  });
});
