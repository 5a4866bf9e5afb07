import { expect, it } from "vitest";
import { loader as resultLoader } from "../../app/routes/results.$id";
import { registerContract, voidContract } from "../../app/services/contracts";
import { priceReferences, refreshPriceReferences } from "../../app/services/contracts/price-references";
import { createResult, transition } from "../../app/services/catalogue/lifecycle";
import { chinaDate } from "../../app/services/vouchers";
import { makeMember, sampleInput } from "../helpers/catalogue";
import { useAppDatabase } from "../helpers/app-db";
import type { FieldCode } from "../../db/schema";
import { describeEachEngine } from "../helpers/db";

const DAY = 86_400_000;
let serial = 0;

describeEachEngine("contract price references (成交参考价)", (db, engine) => {
  useAppDatabase(db, engine);

  async function contract(field: FieldCode, type: "license" | "transfer" | "service", amountYuan: number, daysAgo: number) {
    serial++;
    return registerContract(db(), {
      source: "manual",
      contractNo: `PR-${engine}-${serial}`,
      signedOn: chinaDate(new Date(Date.now() - daysAgo * DAY)),
      type,
      field,
      seller: "洛阳某研究所",
      sellerType: "institute",
      buyer: "洛阳某公司",
      buyerRegion: "西工区",
      amountFen: amountYuan * 100,
      technicalIncomeFen: amountYuan * 100,
    });
  }

  it("gives the last year's quartiles per field and type, from registered contracts only, once there are five", async () => {
    // Licences in new materials over the last year: 10, 20, …, 90 thousand yuan.
    for (let i = 1; i <= 9; i++) await contract("new_materials", "license", i * 10_000, i * 30);
    await contract("new_materials", "license", 5_000_000, 400); // older than a year
    const voided = await contract("new_materials", "license", 9_000_000, 10);
    await voidContract(db(), { contractId: voided.id, reason: "登记有误", actorUserId: null });
    for (let i = 1; i <= 4; i++) await contract("new_materials", "transfer", i * 100_000, i * 20); // four: too few
    await contract("aerospace", "license", 1_000_000, 5);

    expect(await priceReferences(db(), "new_materials")).toEqual([]); // not computed yet
    await refreshPriceReferences(db());
    expect(await priceReferences(db(), "new_materials")).toEqual([
      { field: "new_materials", type: "license", contracts: 9, p25Fen: 3_000_000, medianFen: 5_000_000, p75Fen: 7_000_000, computedAt: expect.any(Date) },
    ]);
    expect((await priceReferences(db())).map((r) => [r.field, r.type])).toEqual([["new_materials", "license"]]);
    expect(await priceReferences(db(), "urban_social")).toEqual([]);
  });

  it("shows a listing the references of the kinds of deal it offers", async () => {
    await refreshPriceReferences(db());
    const institution = await makeMember(db(), "institution");
    const bureau = await makeMember(db(), "bureau");
    const make = async (modes: { mode: "nonexclusive_license" | "assignment" | "service"; price_fen: number }[]) => {
      const { id } = await createResult(db(), institution, sampleInput({ field: "new_materials", modes }), { submit: true });
      await transition(db(), bureau, id, "approve");
      return id;
    };
    const load = async (id: number) =>
      (await resultLoader({ request: new Request(`http://localhost:3000/results/${id}`), params: { id: String(id) }, context: { clientIp: "127.0.0.1" } })) as unknown as {
        priceRefs: { type: string; contracts: number; medianFen: number }[];
      };
    const licence = await make([{ mode: "nonexclusive_license", price_fen: 4_000_000 }]);
    expect((await load(licence)).priceRefs).toEqual([
      { field: "new_materials", type: "license", contracts: 9, p25Fen: 3_000_000, medianFen: 5_000_000, p75Fen: 7_000_000, computedAt: expect.any(Date) },
    ]);
    const other = await make([{ mode: "service", price_fen: 4_000_000 }]);
    expect((await load(other)).priceRefs).toEqual([]);
  });
});
