import { beforeAll, expect, it } from "vitest";
import { loader as screenDataLoader } from "../../app/routes/screen.data";
import { loadScreenData, type ScreenData } from "../../app/components/storefront/screen-data.server";
import { handle, loader as screenLoader } from "../../app/routes/screen";
import { loader as turnoverApi } from "../../app/routes/api.v1.stats.turnover";
import { todayInChina } from "../../app/services/contracts/calendar";
import { registerContract, voidContract } from "../../app/services/contracts/registry";
import { turnoverSummary } from "../../app/services/stats/turnover";
import { newestPublicResults } from "../../app/components/storefront/newest-public.server";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { insertCatalogue, PUBLIC_KEYS } from "../search/fixtures";

const context = { clientIp: "127.0.0.1" };

describeEachEngine("big screen data", (db, engine) => {
  useAppDatabase(db, engine);
  let catalogue: Awaited<ReturnType<typeof insertCatalogue>>;
  const today = todayInChina();
  const year = Number(today.slice(0, 4));

  beforeAll(async () => {
    catalogue = await insertCatalogue(db());
    const contract = (n: number, signedOn: string, amountYuan: number, extra: Partial<Parameters<typeof registerContract>[1]> = {}) =>
      registerContract(db(), {
        source: "manual",
        contractNo: `SCR-${year}-${n}`,
        signedOn,
        type: "transfer",
        field: "new_energy",
        amountFen: amountYuan * 100,
        technicalIncomeFen: amountYuan * 80,
        seller: "河南科技大学",
        sellerType: "university",
        buyer: `买方企业${n}有限公司`,
        buyerRegion: "洛阳市",
        ...extra,
      });
    // This year (up to today), the same days last year, and one later last year that must not count.
    await contract(1, `${year}-01-01`, 1_200_000);
    await contract(2, today, 350_000, { type: "development", field: "biomedicine", sellerType: "enterprise", seller: "洛阳某某科技有限公司" });
    await contract(3, `${year - 1}-01-01`, 1_000_000);
    if (today < `${year}-12-31`) await contract(4, `${year - 1}-12-31`, 9_000_000);
    // Voided contracts leave the figures and the deal list.
    const voided = await contract(5, today, 7_777_777);
    await voidContract(db(), { contractId: voided.id, reason: "重复登记", actorUserId: null });
  });

  it("counts this year's turnover exactly as the stats service and the public API do", async () => {
    const data = await loadScreenData(db());
    const summary = await turnoverSummary(db(), { from: `${year}-01-01`, to: today });
    expect(data.turnover).toEqual({
      year,
      from: `${year}-01-01`,
      to: today,
      contracts: summary.contracts,
      amount_fen: summary.amount_fen,
      technical_income_fen: summary.technical_income_fen,
      previous: { contracts: summary.previous.contracts, amount_fen: summary.previous.amount_fen },
      growth: { contracts_pct: summary.growth.contracts_pct, amount_pct: summary.growth.amount_pct },
    });
    expect(data.turnover).toMatchObject({ contracts: 2, amount_fen: 155_000_000, previous: { contracts: 1, amount_fen: 100_000_000 } });
    expect(data.turnover.growth).toEqual({ contracts_pct: 100, amount_pct: 55 });

    const api = await turnoverApi({ request: new Request(`http://x/api/v1/stats/turnover?from=${year}-01-01&to=${today}`), params: {}, context });
    const body = (await api.json()) as { contracts: number; amount_fen: number; growth: ScreenData["turnover"]["growth"] };
    expect({ contracts: body.contracts, amount_fen: body.amount_fen, growth: body.growth }).toEqual({
      contracts: data.turnover.contracts,
      amount_fen: data.turnover.amount_fen,
      growth: data.turnover.growth,
    });
  });

  it("walls exactly the storefront's public results, and lists the newest registered deals without buyers", async () => {
    const data = await loadScreenData(db());
    expect(data.awaiting).toBe(PUBLIC_KEYS.length);
    expect(data.awaiting).toBe((await newestPublicResults(db(), 1)).total);
    expect(data.wall.map((w) => w.id).sort((a, b) => a - b)).toEqual(PUBLIC_KEYS.map((k) => catalogue.ids[k]).sort((a, b) => a - b));
    const cathode = data.wall.find((w) => w.id === catalogue.ids.cathode)!;
    expect(cathode).toMatchObject({ price_min_fen: 500_000_000, modes: ["assignment", "exclusive_license"], voucher_eligible: true });
    expect(data.wall.find((w) => w.id === catalogue.ids.bms)!.price_min_fen).toBeNull();

    expect(data.deals.map((d) => d.signed_on)).toEqual([...data.deals.map((d) => d.signed_on)].sort().reverse());
    expect(data.deals[0]).toMatchObject({ signed_on: today, type: "development", field: "biomedicine", amount_fen: 35_000_000, seller: null });
    expect(data.deals.some((d) => d.amount_fen === 777_777_700)).toBe(false);
    // Manual registrations name no party on a public screen.
    const json = JSON.stringify(data);
    expect(json).not.toContain("买方企业");
    expect(json).not.toContain("洛阳某某科技有限公司");
    expect(data.deals.every((d) => d.seller === null)).toBe(true);
  });

  it("serves the feed as uncached JSON, and the page renders without the site's header", async () => {
    const response = await screenDataLoader();
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const feed = (await response.json()) as ScreenData;
    expect(feed.turnover.contracts).toBe(2);
    expect(new Date(feed.generated_at).toISOString()).toBe(feed.generated_at);

    const page = await screenLoader({ request: new Request("http://market.example:3000/screen"), params: {}, context });
    expect(page.host).toBe("market.example:3000");
    expect(page.data.awaiting).toBe(feed.awaiting);
    expect(handle).toEqual({ bare: true });
  });
});
