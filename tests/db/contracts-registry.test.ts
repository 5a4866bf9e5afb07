import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import type { Database } from "../../db/client";
import {
  ContractRejectedError,
  VoidRejectedError,
  findContractByOrder,
  listContracts,
  registerContract,
  voidContract,
  type RegisterContractInput,
} from "../../app/services/contracts";
import { turnoverTotals } from "../../app/services/stats/turnover";
import { describeEachEngine } from "../helpers/db";

const base: RegisterContractInput = {
  source: "manual",
  contractNo: "LY-2024-0001",
  signedOn: "2024-03-15",
  type: "development",
  field: "new_materials",
  seller: "河南科技大学",
  sellerType: "university",
  buyer: "洛阳某轴承有限公司",
  buyerRegion: "涧西区",
  amountFen: 120_000_000,
  technicalIncomeFen: 100_000_000,
};

async function rejection(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContractRejectedError) return error.problems.map((p) => `${p.column ?? "-"}:${p.code}`);
    throw error;
  }
  throw new Error("expected a rejection");
}

async function organisations(db: Database) {
  const seller = await db
    .insertInto("organisations")
    .values({ kind: "institution", institution_type: "institute", name: "中国船舶集团第七二五研究所", credit_code: "12100000400011111X", region: "jianxi" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const buyer = await db
    .insertInto("organisations")
    .values({ kind: "enterprise", name: "洛阳新材料科技有限公司", credit_code: "91410300MA00000000", region: "luolong" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const user = await db
    .insertInto("users")
    .values({ organisation_id: buyer.id, email: "reg@example.cn", display_name: "登记员", password_hash: "x" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { sellerId: seller.id, buyerId: buyer.id, userId: user.id };
}

describeEachEngine("contract registry", (db) => {
  let ids: Awaited<ReturnType<typeof organisations>>;
  beforeAll(async () => {
    ids = await organisations(db());
  });

  it("registers a contract, assigns a certificate number and audit-logs a manual registration", async () => {
    const contract = await registerContract(db(), { ...base, registeredBy: ids.userId, registeredAt: new Date("2024-12-31T17:00:00Z") });
    // Registered at 01:00 on 1 January 2025 in China: the certificate carries 2025.
    expect(contract.certificate_no).toMatch(/^2025410300\d{6}$/);
    expect(contract).toMatchObject({ status: "registered", source: "manual", amount_fen: 120_000_000, signed_on: "2024-03-15" });
    const audit = await db().selectFrom("audit_log").selectAll().where("subject_id", "=", String(contract.id)).execute();
    expect(audit.map((a) => a.action)).toEqual(["contract.register"]);
    expect(await turnoverTotals(db(), { from: "2024-01-01", to: "2024-12-31" })).toEqual({
      contracts: 1,
      amount_fen: 120_000_000,
      technical_income_fen: 100_000_000,
    });
  });

  it("keeps certificate numbers unique and increasing, tolerating gaps from rolled-back registrations", async () => {
    const a = await registerContract(db(), { ...base, contractNo: "GAP-1" });
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await registerContract(trx, { ...base, contractNo: "GAP-2" });
          throw new Error("roll back");
        }),
    ).rejects.toThrow("roll back");
    const c = await registerContract(db(), { ...base, contractNo: "GAP-3" });
    const seq = (cert: string) => Number(cert.slice(10));
    expect(seq(c.certificate_no)).toBeGreaterThan(seq(a.certificate_no) + 1);
    expect(await db().selectFrom("contracts").select("id").where("contract_no", "=", "GAP-2").executeTakeFirst()).toBeUndefined();
  });

  it("refuses bad input naming every field, and writes nothing", async () => {
    const before = await db().selectFrom("contracts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(
      await rejection(
        registerContract(db(), {
          ...base,
          contractNo: "LY-2024-0001",
          signedOn: "2023-02-29",
          amountFen: 100,
          technicalIncomeFen: 101,
          seller: " ",
        }),
      ),
    ).toEqual(["signed_on:unrealDate", "seller:required", "technical_income_yuan:incomeAboveAmount", "contract_no:alreadyRegistered"]);
    expect(await rejection(registerContract(db(), { ...base, contractNo: "X-1", amountFen: 10.5 }))).toEqual(["amount_yuan:notInteger"]);
    expect(await rejection(registerContract(db(), { ...base, contractNo: "X-2", amountFen: -1, technicalIncomeFen: 0 }))).toEqual([
      "amount_yuan:negativeAmount",
    ]);
    expect(await rejection(registerContract(db(), { ...base, contractNo: "X-3", orderId: 5 }))).toEqual(["-:orderMismatch"]);
    const after = await db().selectFrom("contracts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it("registers a platform contract from its order and organisations, once per order, inside the caller's transaction", async () => {
    const input: RegisterContractInput = {
      source: "platform",
      orderId: 9001,
      signedOn: "2024-05-20",
      type: "license",
      field: "new_materials",
      sellerOrganisationId: ids.sellerId,
      buyerOrganisationId: ids.buyerId,
      amountFen: 50_000_000,
      technicalIncomeFen: 50_000_000,
    };
    // A completion that fails after registering leaves nothing behind.
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await registerContract(trx, input);
          throw new Error("payment posting failed");
        }),
    ).rejects.toThrow("payment posting failed");
    expect(await findContractByOrder(db(), 9001)).toBeUndefined();

    const contract = await db()
      .transaction()
      .execute((trx) => registerContract(trx, input));
    expect(contract).toMatchObject({
      contract_no: "PLT-9001",
      seller: "中国船舶集团第七二五研究所",
      seller_type: "institute",
      buyer: "洛阳新材料科技有限公司",
      seller_organisation_id: ids.sellerId,
      buyer_organisation_id: ids.buyerId,
      source: "platform",
      order_id: 9001,
    });
    expect(contract.buyer_region.length).toBeGreaterThan(0);
    expect((await findContractByOrder(db(), 9001))?.id).toBe(contract.id);
    expect(await rejection(registerContract(db(), { ...input, contractNo: "OTHER-NO" }))).toEqual(["-:orderAlreadyRegistered"]);
    expect(await rejection(registerContract(db(), { ...input, orderId: 9002, sellerOrganisationId: 999_999 }))).toContain(
      "seller:unknownOrganisation",
    );
  });

  it("lets exactly one of several racing registrations of one contract number through", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => registerContract(db(), { ...base, contractNo: "RACE-1" })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect((r.reason as ContractRejectedError).problems).toEqual([
        { column: "contract_no", code: "alreadyRegistered", params: { value: "RACE-1" } },
      ]);
  });

  it("voids with a reason: rollups drop the contract, the audit log keeps who and why, and it cannot be voided twice", async () => {
    const contract = await registerContract(db(), { ...base, contractNo: "VOID-1", signedOn: "2022-07-01", amountFen: 3_000, technicalIncomeFen: 2_000 });
    const range = { from: "2022-07-01", to: "2022-07-31" };
    expect(await turnoverTotals(db(), range)).toEqual({ contracts: 1, amount_fen: 3_000, technical_income_fen: 2_000 });

    await expect(voidContract(db(), { contractId: contract.id, reason: "  ", actorUserId: ids.userId })).rejects.toThrow(VoidRejectedError);
    const voided = await voidContract(db(), { contractId: contract.id, reason: "合同双方解除协议", actorUserId: ids.userId });
    expect(voided).toMatchObject({ status: "voided", void_reason: "合同双方解除协议", voided_by: ids.userId });
    expect(await turnoverTotals(db(), range)).toEqual({ contracts: 0, amount_fen: 0, technical_income_fen: 0 });
    // The emptied rollup rows are gone, not left at zero.
    const left = await db().selectFrom("contract_stats_daily").selectAll().where("day", "=", "2022-07-01").execute();
    expect(left).toEqual([]);

    const audit = await db()
      .selectFrom("audit_log")
      .selectAll()
      .where("subject_type", "=", "contract")
      .where("subject_id", "=", String(contract.id))
      .where("action", "=", "contract.void")
      .executeTakeFirstOrThrow();
    expect(audit.actor_user_id).toBe(ids.userId);
    expect(audit.detail).toMatchObject({ reason: "合同双方解除协议", contract_no: "VOID-1", amount_fen: 3_000 });

    await expect(voidContract(db(), { contractId: contract.id, reason: "again", actorUserId: ids.userId })).rejects.toMatchObject({
      problem: "alreadyVoided",
    });
  });

  it("enforces the registry's rules in the database too", async () => {
    const contract = await registerContract(db(), { ...base, contractNo: "DB-RULES" });
    const insert = (values: Record<string, unknown>) =>
      sql`insert into contracts (contract_no, signed_on, type, field, seller, seller_type, buyer, buyer_region, amount_fen,
          technical_income_fen, source, order_id)
        values (${values.contract_no ?? "DB-X"}, '2024-01-01', ${values.type ?? "service"}, 'aerospace', 's', 'other', 'b', 'r',
          ${values.amount_fen ?? 10}, ${values.technical_income_fen ?? 5}, ${values.source ?? "manual"}, ${values.order_id ?? null})`.execute(db());
    await expect(insert({ technical_income_fen: 11 })).rejects.toThrow();
    await expect(insert({ amount_fen: -1, technical_income_fen: 0 })).rejects.toThrow();
    await expect(insert({ type: "sale" })).rejects.toThrow();
    await expect(insert({ contract_no: "DB-RULES" })).rejects.toThrow();
    await expect(insert({ source: "platform" })).rejects.toThrow();
    await expect(db().updateTable("contracts").set({ amount_fen: 1 }).where("id", "=", contract.id).execute()).rejects.toThrow(
      /only voiding/,
    );
    await expect(db().updateTable("contracts").set({ status: "voided" }).where("id", "=", contract.id).execute()).rejects.toThrow();
    await expect(db().deleteFrom("contracts").where("id", "=", contract.id).execute()).rejects.toThrow(/void it instead/);
  });

  it("lists with filters and pagination, newest signing date first", async () => {
    for (let i = 0; i < 5; i++)
      await registerContract(db(), { ...base, contractNo: `LIST-${i}`, signedOn: `2021-0${i + 1}-10`, type: i % 2 ? "service" : "consulting", seller: `检索卖方${i}` });
    const page1 = await listContracts(db(), { q: "LIST-" }, { page: 1, perPage: 2 });
    expect(page1.total).toBe(5);
    expect(page1.rows.map((r) => r.contract_no)).toEqual(["LIST-4", "LIST-3"]);
    const services = await listContracts(db(), { q: "检索卖方", type: "service" }, { page: 1, perPage: 10 });
    expect(services.rows.map((r) => r.contract_no)).toEqual(["LIST-3", "LIST-1"]);
    const dated = await listContracts(db(), { q: "LIST", from: "2021-02-01", to: "2021-03-31" }, { page: 1, perPage: 10 });
    expect(dated.rows.map((r) => r.contract_no)).toEqual(["LIST-2", "LIST-1"]);
    expect((await listContracts(db(), { q: "100%_" }, { page: 1, perPage: 10 })).total).toBe(0);
  });

  it("keeps every digit of the sequence past a million registrations", async () => {
    await sql`select setval('contract_certificate_seq', 999999)`.execute(db());
    const contract = await registerContract(db(), { ...base, contractNo: "MILLION", registeredAt: new Date("2026-06-01T00:00:00Z") });
    expect(contract.certificate_no).toBe("20264103001000000");
  });
});
