import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { action as payoutAction, loader as payoutLoader } from "../../app/routes/operator.payouts.$institutionId";
import { loader as payoutsLoader } from "../../app/routes/operator.payouts._index";
import { loader as salesLoader } from "../../app/routes/institution.orders._index";
import { loader as settlementLoader } from "../../app/routes/institution.settlement";
import { createSession } from "../../app/services/accounts/sessions";
import type { SessionUser } from "../../app/services/accounts/types";
import { CheckoutError, markOrderPaid, refundOrder, startCheckout } from "../../app/services/checkout";
import { ledgerCheck } from "../../app/services/ledger";
import { institutionSettlement, payablesOverview, recordPayout } from "../../app/services/payouts";
import { makeMember } from "../helpers/catalogue";
import { formRequest, useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { asBuyer, balance, createMarket, listedResult, voucherFor, type Market } from "./checkout-fixtures";

// 机构结算 end to end: a sale paid by voucher + bank transfer leaves the platform owing the institution its cash part
// less the fee; the operator records payouts against it, never more than is owed, and the ledger posts each one.

const PRICE_FEN = 3_000_000;

describeEachEngine("institution payouts", (db, engine) => {
  useAppDatabase(db, engine);
  let m: Market;
  let seller: SessionUser;
  let orderId: number;
  let owed: number;
  const payable = () => balance(db(), `org:${seller.organisationId}:institution_payable`);
  const footprint = async () => {
    const count = async (table: "institution_payouts" | "ledger_transactions" | "audit_log") =>
      Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    return { payouts: await count("institution_payouts"), ledger: await count("ledger_transactions"), audit: await count("audit_log"), owed: await payable() };
  };

  beforeAll(async () => {
    m = await createMarket(db());
    seller = await makeMember(db(), "institution");
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: PRICE_FEN }], { seller });
    const voucher = await voucherFor(db(), m, m.buyer);
    const order = await startCheckout(db(), asBuyer(m.buyer), {
      resultId,
      mode: "nonexclusive_license",
      voucherIds: [voucher.voucherId],
      method: "bank_transfer",
      cardEnabled: false,
    });
    orderId = order.orderId;
    await markOrderPaid(db(), {
      orderId,
      method: "bank_transfer",
      amountFen: order.cashDueFen,
      externalRef: "BANK-IN-1",
      idempotencyKey: `order:${orderId}:bank-confirm`,
      actorUserId: m.operator.id,
    });
    owed = await payable();
    // ¥15,000 by voucher (50%), ¥15,000 by transfer, of which the platform keeps its 1% fee.
    expect(owed).toBe(1_500_000 - 15_000);
  });

  it("lists what the platform owes the institution", async () => {
    const overview = await payablesOverview(db());
    expect(overview.rows.find((r) => r.institutionId === seller.organisationId)).toMatchObject({ owedFen: owed, paidFen: 0, payouts: 0, lastPaidAt: null });
    expect(await institutionSettlement(db(), seller.organisationId)).toMatchObject({ owedFen: owed, paidFen: 0, payoutCount: 0, payouts: [] });
    expect(await institutionSettlement(db(), m.buyer.organisationId)).toBeNull();
  });

  it("refuses bad input, naming the field, and changes nothing", async () => {
    const before = await footprint();
    const pay = (input: { amount?: unknown; bankReference?: unknown; note?: unknown }) =>
      recordPayout(db(), { userId: m.operator.id }, { institutionId: seller.organisationId, amount: "100", bankReference: "REF-X", ...input });
    const cases: [Parameters<typeof pay>[0], string, string][] = [
      [{ amount: "" }, "amount", "checkout.amount.required"],
      [{ amount: "-5" }, "amount", "checkout.amount.negativeAmount"],
      [{ amount: "0" }, "amount", "checkout.amount.notPositive"],
      [{ amount: "12.345" }, "amount", "checkout.amount.tooManyDecimals"],
      [{ amount: "十元" }, "amount", "checkout.amount.badAmount"],
      [{ amount: 100 }, "amount", "checkout.amount.required"],
      [{ bankReference: "  " }, "bankReference", "payouts.error.referenceRequired"],
      [{ bankReference: "R".repeat(65) }, "bankReference", "payouts.error.tooLong"],
      [{ note: "注".repeat(501) }, "note", "payouts.error.tooLong"],
    ];
    for (const [input, field, key] of cases) {
      const answer = await pay(input);
      expect(answer, JSON.stringify(input)).toMatchObject({ ok: false, fieldErrors: { [field]: { key } } });
    }
    expect(await pay({ amount: String(owed / 100 + 0.01) })).toMatchObject({
      ok: false,
      fieldErrors: { amount: { key: "payouts.error.aboveOwed", params: { max: owed } } },
    });
    expect(
      await recordPayout(db(), { userId: m.operator.id }, { institutionId: m.buyer.organisationId, amount: "1", bankReference: "REF-Y" }),
    ).toMatchObject({ ok: false, formError: { key: "payouts.error.nothingOwed" } });
    expect(await footprint()).toEqual(before);
  });

  it("records a payout, posts it, and refuses the same bank reference twice", async () => {
    const before = await footprint();
    // Entered the day after the bank paid it: the posting is dated when the money left.
    const paidAt = new Date(Date.now() - 86_400_000);
    const paid = await recordPayout(
      db(),
      { userId: m.operator.id },
      { institutionId: seller.organisationId, amount: "10000", bankReference: " HX-2026-0001 ", note: "十一月结算" },
      paidAt,
    );
    expect(paid).toMatchObject({ ok: true, amountFen: 1_000_000 });
    expect(await footprint()).toEqual({ payouts: before.payouts + 1, ledger: before.ledger + 1, audit: before.audit + 1, owed: owed - 1_000_000 });
    const settlement = await institutionSettlement(db(), seller.organisationId);
    expect(settlement).toMatchObject({ owedFen: owed - 1_000_000, paidFen: 1_000_000 });
    expect(settlement?.payouts).toEqual([
      expect.objectContaining({ amountFen: 1_000_000, bankReference: "HX-2026-0001", note: "十一月结算", paidBy: m.operator.displayName }),
    ]);
    const posted = await db()
      .selectFrom("ledger_transactions")
      .select(["kind", "memo", "effective_at"])
      .where("idempotency_key", "=", `institution-payout:${paid.ok ? paid.payoutId : 0}`)
      .executeTakeFirst();
    expect(posted).toEqual({ kind: "institution_payout", memo: "payout HX-2026-0001", effective_at: paidAt });

    const again = await recordPayout(db(), { userId: m.operator.id }, { institutionId: seller.organisationId, amount: "1", bankReference: "HX-2026-0001" });
    expect(again).toMatchObject({ ok: false, fieldErrors: { bankReference: { key: "payouts.error.referenceUsed" } } });
    expect((await footprint()).payouts).toBe(before.payouts + 1);
    expect((await ledgerCheck(db())).violations).toEqual([]);
  });

  it("two payouts racing for more than is owed: exactly one is recorded", async () => {
    const left = await payable();
    const share = String(Math.ceil((left * 0.6) / 100));
    const answers = await Promise.all(
      ["RACE-A", "RACE-B"].map((ref) =>
        recordPayout(db(), { userId: m.operator.id }, { institutionId: seller.organisationId, amount: share, bankReference: ref }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.find((a) => !a.ok)).toMatchObject({ fieldErrors: { amount: { key: "payouts.error.aboveOwed" } } });
    expect(await payable()).toBe(left - Number(share) * 100);
    expect((await ledgerCheck(db())).violations).toEqual([]);
  });

  it("once the institution is paid, refunding the sale is refused instead of overdrawing what is owed", async () => {
    const rest = await payable();
    expect(await recordPayout(db(), { userId: m.operator.id }, { institutionId: seller.organisationId, amount: String(rest / 100), bankReference: "HX-2026-0002" })).toMatchObject({ ok: true });
    expect(await payable()).toBe(0);
    expect(await recordPayout(db(), { userId: m.operator.id }, { institutionId: seller.organisationId, amount: "1", bankReference: "HX-2026-0003" })).toMatchObject({
      ok: false,
      formError: { key: "payouts.error.nothingOwed" },
    });
    const refused = await refundOrder(db(), { orderId, externalRef: "BANK-OUT-1", idempotencyKey: `order:${orderId}:bank-refund`, reason: "测试" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CheckoutError);
    expect((refused as CheckoutError).key).toBe("checkout.error.alreadyPaidOut");
    expect((await db().selectFrom("orders").select("status").where("id", "=", orderId).executeTakeFirstOrThrow()).status).toBe("completed");
  });

  it("ledgerCheck finds a payout recorded without its posting", async () => {
    const rolledBack = new Error("roll back");
    const outcome = await db()
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto("institution_payouts")
          .values({ institution_id: seller.organisationId, amount_fen: 100, bank_reference: "NOT-POSTED", paid_by: m.operator.id })
          .execute();
        const report = await ledgerCheck(trx);
        expect(report.ok).toBe(false);
        expect(report.violations).toEqual([
          { check: "institution_payouts", message: expect.stringMatching(/^payout \d+ to institution \d+: 100 fen recorded, 0 posted off its payable$/) },
        ]);
        throw rolledBack;
      })
      .catch((e: unknown) => e);
    expect(outcome).toBe(rolledBack);
    expect((await ledgerCheck(db())).violations).toEqual([]);
  });

  it("keeps payouts append-only in the database", async () => {
    await expect(sql`update institution_payouts set amount_fen = amount_fen + 1`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from institution_payouts`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`insert into institution_payouts (institution_id, amount_fen, bank_reference, paid_by) values (${seller.organisationId}, 0, 'ZERO', ${m.operator.id})`.execute(db())).rejects.toThrow(/amount_fen_check/);
  });

  describe("pages", () => {
    const BASE = "http://localhost:3000";
    const context = { clientIp: "127.0.0.1" };
    const cookies = new Map<number, string>();
    const headers = (user: SessionUser) => ({ Cookie: cookies.get(user.id) ?? "" });
    let other: SessionUser;
    let otherId: number;

    beforeAll(async () => {
      other = await makeMember(db(), "institution");
      const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 500_000 }], { seller: other });
      const order = await startCheckout(db(), asBuyer(m.otherBuyer), { resultId, mode: "nonexclusive_license", method: "bank_transfer", cardEnabled: false });
      otherId = order.orderId;
      await markOrderPaid(db(), { orderId: otherId, method: "bank_transfer", amountFen: 500_000, externalRef: "BANK-IN-2", idempotencyKey: `order:${otherId}:bank-confirm` });
      for (const user of [m.operator, other, m.buyer]) cookies.set(user.id, `__session=${(await createSession(db(), user.id)).token}`);
    });

    it("the operator sees the institutions owed, records a payout, and the institution sees it on its sales page", async () => {
      const list = (await payoutsLoader({ request: new Request(`${BASE}/operator/payouts`, { headers: headers(m.operator) }), params: {}, context })) as {
        overview: { rows: { institutionId: number; owedFen: number }[] };
      };
      expect(list.overview.rows.find((r) => r.institutionId === other.organisationId)?.owedFen).toBe(495_000);

      const path = `/operator/payouts/${other.organisationId}`;
      const page = (await payoutLoader({ request: new Request(`${BASE}${path}`, { headers: headers(m.operator) }), params: { institutionId: String(other.organisationId) }, context })) as {
        settlement: { owedFen: number };
      };
      expect(page.settlement.owedFen).toBe(495_000);

      const bad = await payoutAction({ request: formRequest(`${BASE}${path}`, { amount: "4950.001", bankReference: "" }, headers(m.operator)), params: { institutionId: String(other.organisationId) }, context });
      const { data: answer, init } = bad as unknown as { data: { fieldErrors: Record<string, { key: string }> }; init: ResponseInit };
      expect(init.status).toBe(400);
      expect(answer.fieldErrors).toMatchObject({ amount: { key: "checkout.amount.tooManyDecimals" }, bankReference: { key: "payouts.error.referenceRequired" } });

      const done = await payoutAction({ request: formRequest(`${BASE}${path}`, { amount: "4950", bankReference: "HX-PAGE-1", note: "" }, headers(m.operator)), params: { institutionId: String(other.organisationId) }, context });
      expect((done as Response).headers.get("Location")).toMatch(new RegExp(`^${path}\\?recorded=\\d+$`));

      const sales = (await salesLoader({ request: new Request(`${BASE}/institution/orders`, { headers: headers(other) }), params: {}, context })) as {
        settlement: { owedFen: number; paidFen: number; payouts: { bankReference: string }[] };
      };
      expect(sales.settlement).toMatchObject({ owedFen: 0, paidFen: 495_000, payouts: [{ bankReference: "HX-PAGE-1" }] });
      const mine = (await settlementLoader({ request: new Request(`${BASE}/institution/settlement`, { headers: headers(other) }), params: {}, context })) as {
        settlement: { owedFen: number; paidFen: number; payoutCount: number; payouts: { bankReference: string; amountFen: number }[] };
      };
      expect(mine.settlement).toMatchObject({ owedFen: 0, paidFen: 495_000, payoutCount: 1, payouts: [{ bankReference: "HX-PAGE-1", amountFen: 495_000 }] });
      const forOperator = await settlementLoader({ request: new Request(`${BASE}/institution/settlement`, { headers: headers(m.operator) }), params: {}, context }).then(
        () => null,
        (e: unknown) => e as Response,
      );
      expect(forOperator?.status).toBe(403);
    });

    it("is for the operator only, and 404 for an organisation that is not an institution", async () => {
      const refusedFor = async (user: SessionUser) =>
        payoutsLoader({ request: new Request(`${BASE}/operator/payouts`, { headers: headers(user) }), params: {}, context }).then(
          () => null,
          (e: unknown) => e as Response,
        );
      expect((await refusedFor(other))?.status).toBe(403);
      expect((await refusedFor(m.buyer))?.status).toBe(403);
      const missing = await payoutLoader({
        request: new Request(`${BASE}/operator/payouts/${m.buyer.organisationId}`, { headers: headers(m.operator) }),
        params: { institutionId: String(m.buyer.organisationId) },
        context,
      }).then(
        () => null,
        (e: unknown) => e as Response,
      );
      expect(missing?.status).toBe(404);
    });
  });
});
