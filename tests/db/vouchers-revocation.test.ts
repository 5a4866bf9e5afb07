import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import type { SessionUser } from "../../app/services/accounts/types";
import { CheckoutError, markOrderPaid, refundOrder, startCheckout } from "../../app/services/checkout";
import { ledgerCheck, postVoucherRevocation } from "../../app/services/ledger";
import { applyForVoucher, capUsedFen, getWallet, listApplications, listIssuedVouchers, revokeVoucher } from "../../app/services/vouchers";
import type { Database } from "../../db/client";
import type { TransferMode } from "../../db/schema";
import { makeMember } from "../helpers/catalogue";
import { createTestDatabase, describeEachEngine, testEngines, type TestDatabase } from "../helpers/db";
import { asActor, asBuyer, balance, createMarket, listedResult, orderRow, resultStatus, voucherFor, type Market } from "./checkout-fixtures";

const VOUCHER_FEN = 10_000_000; // the market's programme issues 10 万 vouchers

const available = (voucherId: number) => `voucher:${voucherId}:voucher_available`;
const held = (voucherId: number) => `voucher:${voucherId}:voucher_held`;
const budget = (programmeId: number) => `programme:${programmeId}:programme_budget`;

async function auditCount(db: Database, voucherId: number): Promise<number> {
  const row = await db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("action", "=", "voucher.revoke")
    .where("subject_id", "=", String(voucherId))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A checkout paying with one voucher: a licence by bank transfer unless told otherwise. */
function buyWithVoucher(
  db: Database,
  buyer: SessionUser,
  voucherId: number,
  resultId: number,
  options: { mode?: TransferMode; voucherAmountFen?: number; method?: "card" | "bank_transfer" } = {},
) {
  const method = options.method ?? "bank_transfer";
  return startCheckout(db, asBuyer(buyer), {
    resultId,
    mode: options.mode ?? "nonexclusive_license",
    voucherIds: [voucherId],
    voucherAmountFen: options.voucherAmountFen,
    method,
    cardEnabled: method === "card",
  });
}

describeEachEngine("voucher revocation", (db) => {
  let m: Market;
  beforeAll(async () => {
    m = await createMarket(db());
  });

  it("returns the unspent balance to the programme, keeps what was redeemed, and the voucher pays no more", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 4_000_000 }]);
    const paid = await buyWithVoucher(db(), buyer, voucher.voucherId, resultId);
    await markOrderPaid(db(), { orderId: paid.orderId, method: "bank_transfer", amountFen: paid.cashDueFen, externalRef: "BANK-1", idempotencyKey: "bank:rev-1" });
    const budgetBefore = await balance(db(), budget(m.programmeId));

    const revoked = await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "  关联交易核查未通过 " });
    expect(revoked).toEqual({ ok: true, serial: voucher.serial, returnedFen: VOUCHER_FEN - 2_000_000, cancelledOrders: [] });
    expect(await balance(db(), available(voucher.voucherId))).toBe(0);
    expect(await balance(db(), budget(m.programmeId))).toBe(budgetBefore + VOUCHER_FEN - 2_000_000);
    expect((await orderRow(db(), paid.orderId)).status).toBe("completed");

    const row = await db().selectFrom("vouchers").selectAll().where("id", "=", voucher.voucherId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "revoked", revoked_by: m.bureau.id, revocation_reason: "关联交易核查未通过" });
    expect(await auditCount(db(), voucher.voucherId)).toBe(1);
    const tx = await db().selectFrom("ledger_transactions").select(["kind", "memo"]).where("idempotency_key", "=", `voucher:${voucher.voucherId}:revocation`).executeTakeFirstOrThrow();
    expect(tx).toEqual({ kind: "voucher_revocation", memo: "关联交易核查未通过" });

    // Only the redeemed part still counts against the enterprise's yearly cap.
    expect(await capUsedFen(db(), buyer.organisationId, m.programmeId)).toBe(2_000_000);
    const wallet = await getWallet(db(), buyer.organisationId);
    expect(wallet.vouchers[0]).toMatchObject({
      state: "revoked",
      availableFen: 0,
      redeemedFen: 2_000_000,
      returnedFen: VOUCHER_FEN - 2_000_000,
      revocationReason: "关联交易核查未通过",
    });
    expect(wallet.history[0]).toMatchObject({ kind: "voucher_revocation", availableDeltaFen: -(VOUCHER_FEN - 2_000_000) });

    const otherResult = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 1_000_000 }]);
    const refused = await buyWithVoucher(db(), buyer, voucher.voucherId, otherResult).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CheckoutError);
    expect(refused).toMatchObject({ key: "vouchers.error.voucherRevoked", params: { serial: voucher.serial }, field: "vouchers" });
    expect((await ledgerCheck(db())).ok).toBe(true);
  });

  it("cancels the pending orders paying with the voucher and puts an exclusive result back on sale", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const exclusive = await listedResult(db(), m, [{ mode: "assignment", price_fen: 6_000_000 }]);
    const licence = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 2_000_000 }]);
    const first = await buyWithVoucher(db(), buyer, voucher.voucherId, exclusive, { mode: "assignment", voucherAmountFen: 3_000_000 });
    const second = await buyWithVoucher(db(), buyer, voucher.voucherId, licence, { voucherAmountFen: 1_000_000, method: "card" });
    expect(await resultStatus(db(), exclusive)).toBe("reserved");
    expect(await balance(db(), held(voucher.voucherId))).toBe(4_000_000);
    const budgetBefore = await balance(db(), budget(m.programmeId));

    const revoked = await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "抽查发现虚假交易" });
    expect(revoked.ok && revoked.cancelledOrders.map((o) => o.orderId)).toEqual([first.orderId, second.orderId]);
    expect(revoked.ok && revoked.returnedFen).toBe(VOUCHER_FEN);
    for (const id of [first.orderId, second.orderId]) {
      expect(await orderRow(db(), id)).toMatchObject({ status: "cancelled", close_reason: "voucher_revoked" });
    }
    expect(await resultStatus(db(), exclusive)).toBe("listed");
    expect(await balance(db(), held(voucher.voucherId))).toBe(0);
    expect(await balance(db(), available(voucher.voucherId))).toBe(0);
    expect(await balance(db(), budget(m.programmeId))).toBe(budgetBefore + VOUCHER_FEN);

    // A payment that still arrives for a cancelled order does not complete it.
    const late = await markOrderPaid(db(), { orderId: first.orderId, method: "bank_transfer", amountFen: first.cashDueFen, externalRef: "BANK-LATE", idempotencyKey: "bank:rev-late" }).catch(
      (e: unknown) => e,
    );
    expect(late).toMatchObject({ kind: "conflict", key: "checkout.error.orderClosed" });
    expect((await ledgerCheck(db())).ok).toBe(true);
  });

  it("sends a refund's voucher part to the programme once the voucher is revoked", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 2_000_000 }]);
    const order = await buyWithVoucher(db(), buyer, voucher.voucherId, resultId);
    await markOrderPaid(db(), { orderId: order.orderId, method: "bank_transfer", amountFen: order.cashDueFen, externalRef: "BANK-2", idempotencyKey: "bank:rev-2" });
    await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "关联交易" });
    const budgetBefore = await balance(db(), budget(m.programmeId));

    await refundOrder(db(), { orderId: order.orderId, externalRef: "BANK-REFUND-2", idempotencyKey: "refund:rev-2", actorUserId: m.operator.id });
    expect(await balance(db(), available(voucher.voucherId))).toBe(0);
    expect(await balance(db(), budget(m.programmeId))).toBe(budgetBefore + 1_000_000);
    expect((await ledgerCheck(db())).ok).toBe(true);
  });

  it("refuses, changing nothing: no reason, a reason too long, another bureau's voucher, an unknown one, a second revocation", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const otherBureau = await makeMember(db(), "bureau");
    const snapshot = async () => ({
      voucher: await db().selectFrom("vouchers").selectAll().where("id", "=", voucher.voucherId).executeTakeFirstOrThrow(),
      available: await balance(db(), available(voucher.voucherId)),
      audits: await auditCount(db(), voucher.voucherId),
    });
    const before = await snapshot();

    expect(await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "   " })).toEqual({
      ok: false,
      fieldErrors: { reason: "vouchers.error.required" },
    });
    expect(await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "因".repeat(201) })).toEqual({
      ok: false,
      fieldErrors: { reason: "vouchers.error.tooLong" },
    });
    for (const [actor, voucherId] of [
      [asActor(otherBureau), voucher.voucherId],
      [asActor(m.bureau), 987_654_321],
      [asActor(m.bureau), "12abc"],
    ] as const) {
      expect(await revokeVoucher(db(), actor, { voucherId, reason: "关联交易" })).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.voucherNotFound" },
      });
    }
    expect(await snapshot()).toEqual(before);

    expect((await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "关联交易" })).ok).toBe(true);
    const after = await snapshot();
    expect(await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "再次撤销" })).toEqual({
      ok: false,
      fieldErrors: {},
      formError: { key: "vouchers.error.alreadyRevoked", params: { serial: voucher.serial } },
    });
    expect(await snapshot()).toEqual(after);
  });

  it("revoking again finishes a revocation cut short before its pending orders were cancelled", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 2_000_000 }]);
    const order = await buyWithVoucher(db(), buyer, voucher.voucherId, resultId);
    // Only the first step ran (the process stopped before the orders were cancelled).
    await postVoucherRevocation(db(), { voucherId: voucher.voucherId, actorUserId: m.bureau.id, reason: "关联交易" });
    expect((await orderRow(db(), order.orderId)).status).toBe("pending");

    expect(await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "关联交易" })).toEqual({
      ok: true,
      serial: voucher.serial,
      returnedFen: 1_000_000,
      cancelledOrders: [{ orderId: order.orderId, stripeSessionId: null }],
    });
    expect(await orderRow(db(), order.orderId)).toMatchObject({ status: "cancelled", close_reason: "voucher_revoked" });
    expect(await balance(db(), held(voucher.voucherId))).toBe(0);
    expect((await ledgerCheck(db())).ok).toBe(true);
  });

  it("refuses to revoke an expired voucher: its balance already went back at expiry", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const later = new Date(voucher.expiresAt.getTime() + 1000);
    expect(await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "关联交易" }, later)).toMatchObject({
      ok: false,
      formError: { key: "vouchers.error.voucherExpired", params: { serial: voucher.serial } },
    });
    expect((await db().selectFrom("vouchers").select("status").where("id", "=", voucher.voucherId).executeTakeFirstOrThrow()).status).toBe("active");
  });

  it("the database keeps a revocation final and complete", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const id = voucher.voucherId;
    await expect(sql`update vouchers set status = 'revoked' where id = ${id}`.execute(db())).rejects.toMatchObject({ code: "23514" });
    await expect(sql`update vouchers set revocation_reason = 'x' where id = ${id}`.execute(db())).rejects.toMatchObject({ code: "LG002" });
    await revokeVoucher(db(), asActor(m.bureau), { voucherId: id, reason: "关联交易" });
    await expect(sql`update vouchers set status = 'active', revoked_at = null, revoked_by = null, revocation_reason = null where id = ${id}`.execute(db())).rejects.toMatchObject({
      code: "LG002",
    });
    await expect(sql`update vouchers set revocation_reason = '改写原因' where id = ${id}`.execute(db())).rejects.toMatchObject({ code: "LG002" });
  });

  it("an enterprise that had a voucher revoked may apply again, and the bureau sees the revocation beside its application", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    await revokeVoucher(db(), asActor(m.bureau), { voucherId: voucher.voucherId, reason: "关联交易" });
    const applied = await applyForVoucher(db(), asActor(buyer), {
      programmeId: String(m.programmeId),
      purpose: "整改后重新申请",
      contactName: "李",
      contactPhone: "0379-6000 0000",
    });
    expect(applied.ok).toBe(true);
    const pending = await listApplications(db(), { programmeId: m.programmeId, enterpriseId: buyer.organisationId, status: "pending" });
    expect(pending.map((a) => a.enterpriseRevokedVouchers)).toEqual([1]);
    const other = await makeMember(db(), "enterprise");
    await voucherFor(db(), m, other);
    const others = await listApplications(db(), { programmeId: m.programmeId, enterpriseId: other.organisationId });
    expect(others.map((a) => a.enterpriseRevokedVouchers)).toEqual([0]);
  });

  it("lists a programme's vouchers with their balances for the bureau, found by serial or enterprise", async () => {
    const buyer = await makeMember(db(), "enterprise", `检索企业-${Math.random().toString(36).slice(2, 7)}`);
    const voucher = await voucherFor(db(), m, buyer);
    const all = await listIssuedVouchers(db(), m.programmeId);
    expect(all.length).toBeGreaterThan(1);
    expect(all.findIndex((v) => v.state === "revoked")).toBeGreaterThan(all.findLastIndex((v) => v.state === "active"));
    const bySerial = await listIssuedVouchers(db(), m.programmeId, { search: voucher.serial.toLowerCase() });
    expect(bySerial).toEqual([
      expect.objectContaining({ voucherId: voucher.voucherId, availableFen: VOUCHER_FEN, heldFen: 0, redeemedFen: 0, state: "active", revokedAt: null }),
    ]);
    expect((await listIssuedVouchers(db(), m.programmeId, { search: buyer.organisationName })).map((v) => v.voucherId)).toEqual([voucher.voucherId]);
    expect(await listIssuedVouchers(db(), m.programmeId, { search: "%" })).toEqual([]);
  });
});

describe.skipIf(!testEngines.includes("postgres"))("voucher revocation under concurrency [postgres]", () => {
  let handle: TestDatabase;
  let db: Database;
  let m: Market;
  let buyer: SessionUser;

  beforeAll(async () => {
    handle = await createTestDatabase("postgres", { maxConnections: 30 });
    db = handle.db;
    m = await createMarket(db);
    buyer = await makeMember(db, "enterprise");
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
  });

  it("a revocation racing 20 checkouts on the voucher: no order it did not cancel still holds any of it, and every fen is accounted for", async () => {
    const voucher = await voucherFor(db, m, buyer);
    const results: number[] = [];
    for (let i = 0; i < 20; i++) results.push(await listedResult(db, m, [{ mode: "nonexclusive_license", price_fen: 200_000 }]));
    const checkouts = results.map((resultId) => buyWithVoucher(db, buyer, voucher.voucherId, resultId));
    const [revoked, ...placed] = await Promise.allSettled([
      new Promise((r) => setTimeout(r, 5)).then(() => revokeVoucher(db, asActor(m.bureau), { voucherId: voucher.voucherId, reason: "并发撤销" })),
      ...checkouts,
    ]);
    expect(revoked.status === "fulfilled" && revoked.value.ok).toBe(true);
    for (const p of placed) {
      if (p.status === "rejected") expect(p.reason).toMatchObject({ key: expect.stringMatching(/^vouchers\.error\.(voucherRevoked|balanceChanged|voucherUsedUp)$/) });
    }
    const orders = await db.selectFrom("orders").select(["id", "status"]).where("buyer_organisation_id", "=", buyer.organisationId).execute();
    expect(orders.every((o) => o.status === "cancelled")).toBe(true);
    expect(await balance(db, held(voucher.voucherId))).toBe(0);
    expect(await balance(db, available(voucher.voucherId))).toBe(0);
    const report = await ledgerCheck(db);
    expect(report.violations).toEqual([]);
  });
});
