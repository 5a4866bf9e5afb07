import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { env } from "../../app/env.server";
import type { SessionUser } from "../../app/services/accounts/types";
import { cancelOrder, CheckoutError, markOrderPaid, refundOrder, startCheckout } from "../../app/services/checkout";
import { expireVoucher, InsufficientFundsError, ledgerCheck, postVoucherDisallowance } from "../../app/services/ledger";
import { approveApplication, applyForVoucher, revokeVoucher } from "../../app/services/vouchers";
import { makeMember } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";
import { asActor, asBuyer, createMarket, listedResult, type Market } from "./checkout-fixtures";
import { balanceByCode, createTestProgramme, NOW } from "./ledger-fixtures";

// Random sequences of issue, hold (a checkout with a voucher part), post (its payment arrives), release (the buyer
// cancels), refund, expiry, revocation and disallowance (核减), driven through the services the market runs on —
// startCheckout, markOrderPaid, cancelOrder, refundOrder, voucher expiry, revokeVoucher, the disallowance posting — against a model of what each should do to the money. After every step the
// database must agree with the model and ledgerCheck must find nothing.

type Action =
  | { type: "issue"; enterprise: number }
  | { type: "hold"; enterprise: number; ownVoucher: boolean; voucher: number; listing: number; amountFen: number; card: boolean }
  | { type: "post"; order: number }
  | { type: "release"; order: number }
  | { type: "refund"; order: number }
  | { type: "disallow"; order: number }
  | { type: "expire"; voucher: number }
  | { type: "revoke"; voucher: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant("issue" as const), enterprise: fc.nat(2) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant("hold" as const),
      enterprise: fc.nat(2),
      // Mostly one of the buyer's own vouchers and an amount the cheaper licence allows; now and then someone else's
      // voucher or more than the coverage or balance allows, which must be refused.
      ownVoucher: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      voucher: fc.nat(9),
      listing: fc.nat(1),
      amountFen: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12_000 }) }),
      card: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant("post" as const), order: fc.nat(19) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("release" as const), order: fc.nat(19) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("refund" as const), order: fc.nat(19) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("disallow" as const), order: fc.nat(19) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("expire" as const), voucher: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("revoke" as const), voucher: fc.nat(9) }) },
);

const VOUCHER_FEN = 10_000;
const BUDGET_FEN = 50_000; // five vouchers
/** Two licences on sale: at ¥80 the 50% coverage limits the voucher part, at ¥300 the voucher's balance does. */
const PRICES_FEN = [8_000, 30_000];
const FAR_FUTURE = new Date(NOW.getTime() + 3 * 365 * 86_400_000);

interface ModelVoucher {
  id: number;
  owner: number;
  available: number;
  held: number;
  expired: boolean;
  revoked: boolean;
}
interface ModelOrder {
  id: number;
  buyer: SessionUser;
  voucher: ModelVoucher;
  voucherFen: number;
  cashFen: number;
  method: "card" | "bank_transfer";
  state: "pending" | "completed" | "cancelled" | "refunded";
  /** its voucher part disallowed (核减): back in the programme's budget, no longer owed */
  disallowed: boolean;
}

const feeOf = (cashFen: number) => Math.floor((cashFen * env().PLATFORM_FEE_BPS) / 10_000);

describeEachEngine("ledger property: random voucher lifecycles through the checkout", (db, engine) => {
  let m: Market;
  let enterprises: SessionUser[];
  let listings: number[];

  beforeAll(async () => {
    m = await createMarket(db());
    enterprises = [m.buyer, m.otherBuyer, await makeMember(db(), "enterprise")];
    listings = [];
    for (const price of PRICES_FEN) listings.push(await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: price }]));
  });

  async function run(database: Database, actions: Action[]): Promise<void> {
    const programmeId = await createTestProgramme(database, asActor(m.bureau), {
      totalBudget: String(BUDGET_FEN / 100),
      voucherAmount: String(VOUCHER_FEN / 100),
      yearlyCap: "1000",
      qualifyingModes: ["nonexclusive_license"],
    });
    const seller = m.seller.organisationId;
    const payableCode = `org:${seller}:institution_payable`;
    const model = {
      budget: BUDGET_FEN,
      owed: 0,
      payable: await balanceByCode(database, payableCode),
      vouchers: [] as ModelVoucher[],
      orders: [] as ModelOrder[],
    };
    // What refusing or replaying changed: nothing, which verify() then checks against the model.
    const refusedOrDone = (outcome: unknown, where: string) => {
      if (outcome instanceof Error) expect(outcome, where).toBeInstanceOf(CheckoutError);
      else expect((outcome as { alreadyDone?: boolean }).alreadyDone, where).toBe(true);
    };
    const backToVoucher = (order: ModelOrder) => {
      if (order.voucher.expired || order.voucher.revoked) model.budget += order.voucherFen;
      else order.voucher.available += order.voucherFen;
    };

    const apply = async (a: Action, where: string) => {
      if (a.type === "issue") {
        const enterprise = enterprises[a.enterprise];
        const applied = await applyForVoucher(database, asActor(enterprise), {
          programmeId: String(programmeId),
          purpose: "技术服务",
          contactName: "王",
          contactPhone: "13900000000",
        });
        if (!applied.ok) {
          // One application at a time, and none once the budget is gone.
          expect(applied.formError?.key, where).toMatch(/alreadyPending|budgetExhausted/);
          return;
        }
        const approved = await approveApplication(database, asActor(m.bureau), applied.applicationId, NOW);
        if (model.budget >= VOUCHER_FEN) {
          expect(approved.ok, where).toBe(true);
          if (approved.ok) {
            model.vouchers.push({ id: approved.voucher.voucherId, owner: enterprise.organisationId, available: VOUCHER_FEN, held: 0, expired: false, revoked: false });
          }
          model.budget -= VOUCHER_FEN;
        } else {
          expect(approved.ok ? null : approved.formError?.key, where).toBe("vouchers.error.budgetExhausted");
        }
      } else if (a.type === "hold") {
        if (model.vouchers.length === 0) return;
        const buyer = enterprises[a.enterprise];
        const own = model.vouchers.filter((v) => v.owner === buyer.organisationId);
        const from = a.ownVoucher && own.length > 0 ? own : model.vouchers;
        const voucher = from[a.voucher % from.length];
        const price = PRICES_FEN[a.listing];
        const method = a.card ? "card" : "bank_transfer";
        const placed = await startCheckout(database, asBuyer(buyer), {
          resultId: listings[a.listing],
          mode: "nonexclusive_license",
          voucherIds: [voucher.id],
          voucherAmountFen: a.amountFen,
          method,
          cardEnabled: true,
        }).catch((e: unknown) => e);
        const allowed =
          voucher.owner === buyer.organisationId && !voucher.expired && !voucher.revoked && a.amountFen <= Math.min(voucher.available, Math.floor(price / 2));
        if (!allowed) {
          expect(placed, where).toBeInstanceOf(CheckoutError);
          return;
        }
        expect(placed, where).not.toBeInstanceOf(Error);
        const order = placed as Awaited<ReturnType<typeof startCheckout>>;
        expect(order, where).toMatchObject({ status: "pending", voucherPartFen: a.amountFen, cashDueFen: price - a.amountFen, paymentMethod: method });
        voucher.available -= a.amountFen;
        voucher.held += a.amountFen;
        model.orders.push({ id: order.orderId, buyer, voucher, voucherFen: a.amountFen, cashFen: price - a.amountFen, method, state: "pending", disallowed: false });
      } else if (a.type === "expire") {
        if (model.vouchers.length === 0) return;
        const voucher = model.vouchers[a.voucher % model.vouchers.length];
        const result = await expireVoucher(database, { voucherId: voucher.id, now: FAR_FUTURE });
        if (voucher.expired || voucher.revoked) {
          expect(result, where).toBeNull();
        } else {
          expect(result?.returnedFen, where).toBe(voucher.available);
          model.budget += voucher.available;
          voucher.available = 0;
          voucher.expired = true;
        }
      } else if (a.type === "revoke") {
        if (model.vouchers.length === 0) return;
        const voucher = model.vouchers[a.voucher % model.vouchers.length];
        const result = await revokeVoucher(database, asActor(m.bureau), { voucherId: voucher.id, reason: "抽查未通过" }, NOW);
        if (voucher.expired || voucher.revoked) {
          expect(result.ok ? null : result.formError?.key, where).toBe(voucher.expired ? "vouchers.error.voucherExpired" : "vouchers.error.alreadyRevoked");
          return;
        }
        const pending = model.orders.filter((o) => o.voucher === voucher && o.state === "pending");
        expect(result, where).toEqual({
          ok: true,
          serial: expect.any(String),
          returnedFen: voucher.available + voucher.held,
          cancelledOrders: pending.map((o) => ({ orderId: o.id, stripeSessionId: null })),
        });
        for (const order of pending) order.state = "cancelled";
        model.budget += voucher.available + voucher.held;
        voucher.available = 0;
        voucher.held = 0;
        voucher.revoked = true;
      } else {
        if (model.orders.length === 0) return;
        let order = model.orders[a.order % model.orders.length];
        if (a.type === "post") {
          const outcome = await markOrderPaid(database, {
            orderId: order.id,
            method: order.method,
            amountFen: order.cashFen,
            externalRef: order.method === "card" ? `pi_property_${order.id}` : `BANK-${order.id}`,
            idempotencyKey: `order:${order.id}:paid`,
          }).catch((e: unknown) => e);
          if (order.state !== "pending") return refusedOrDone(outcome, where);
          expect(outcome, where).toMatchObject({ status: "completed", alreadyDone: false });
          order.voucher.held -= order.voucherFen;
          model.owed += order.voucherFen;
          model.payable += order.cashFen - feeOf(order.cashFen);
          order.state = "completed";
        } else if (a.type === "release") {
          const outcome = await cancelOrder(database, asBuyer(order.buyer), order.id).catch((e: unknown) => e);
          if (order.state !== "pending") return refusedOrDone(outcome, where);
          expect(outcome, where).toMatchObject({ status: "cancelled", alreadyDone: false });
          order.voucher.held -= order.voucherFen;
          backToVoucher(order);
          order.state = "cancelled";
        } else if (a.type === "disallow") {
          // Mostly a sale (only a sale has a voucher part owed), sometimes any order.
          const sales = model.orders.filter((o) => o.state === "completed");
          if (sales.length > 0 && a.order % 4 !== 0) order = sales[a.order % sales.length];
          const outcome = await postVoucherDisallowance(database, { orderId: order.id }).catch((e: unknown) => e);
          if (order.state !== "completed" || order.disallowed) {
            // Nothing of its voucher part stands owed: nothing is posted.
            expect(outcome, where).toEqual({ postings: [], amountFen: 0 });
            return;
          }
          if (model.owed < order.voucherFen) {
            expect(outcome, where).toBeInstanceOf(InsufficientFundsError);
            return;
          }
          expect(outcome, where).toMatchObject({ amountFen: order.voucherFen });
          model.owed -= order.voucherFen;
          model.budget += order.voucherFen;
          order.disallowed = true;
        } else {
          // A disallowed sale's refund first takes its voucher part back from the budget, which may have been issued since.
          const undo = order.state === "completed" && order.disallowed;
          const outcome = await refundOrder(database, {
            orderId: order.id,
            externalRef: `refund-${order.id}`,
            idempotencyKey: `order:${order.id}:refund`,
            reason: "买方项目取消",
          }).catch((e: unknown) => e);
          if (order.state !== "completed") return refusedOrDone(outcome, where);
          if (undo && model.budget < order.voucherFen) {
            expect(outcome, where).toBeInstanceOf(CheckoutError);
            return;
          }
          expect(outcome, where).toMatchObject({ status: "refunded", alreadyDone: false });
          if (undo) {
            model.budget -= order.voucherFen;
            model.owed += order.voucherFen;
          }
          model.owed -= order.voucherFen;
          model.payable -= order.cashFen - feeOf(order.cashFen);
          backToVoucher(order);
          order.state = "refunded";
        }
      }
    };

    const verify = async (where: string) => {
      // The database agrees with the model…
      expect(await balanceByCode(database, `programme:${programmeId}:programme_budget`), `${where}: budget`).toBe(model.budget);
      expect(await balanceByCode(database, `programme:${programmeId}:org:${seller}:voucher_reimbursable`), `${where}: owed`).toBe(model.owed);
      expect(await balanceByCode(database, payableCode), `${where}: payable`).toBe(model.payable);
      for (const v of model.vouchers) {
        expect(await balanceByCode(database, `voucher:${v.id}:voucher_available`), `${where}: voucher ${v.id} available`).toBe(v.available);
        expect(await balanceByCode(database, `voucher:${v.id}:voucher_held`), `${where}: voucher ${v.id} held`).toBe(v.held);
      }
      if (model.orders.length > 0) {
        const states = await database.selectFrom("orders").select(["id", "status"]).where("id", "in", model.orders.map((o) => o.id)).execute();
        expect(Object.fromEntries(states.map((s) => [s.id, s.status])), `${where}: orders`).toEqual(Object.fromEntries(model.orders.map((o) => [o.id, o.state])));
      }
      // …nothing redeemed beyond what was issued, and every invariant holds.
      expect(model.owed, where).toBeLessThanOrEqual(model.vouchers.length * VOUCHER_FEN);
      const report = await ledgerCheck(database);
      expect(report.violations, where).toEqual([]);
    };

    // Every enterprise starts with a voucher, so most sequences spend from the first step; two more are left to issue.
    const issued: Action[] = enterprises.map((_, enterprise) => ({ type: "issue", enterprise }));
    for (const [step, a] of [...issued, ...actions].entries()) {
      const where = `step ${step} ${JSON.stringify(a)}`;
      await apply(a, where);
      await verify(where);
    }
    // Then every open order is cancelled and every sale refunded, so each run leaves no money held or owed.
    for (const [index, order] of model.orders.entries()) {
      const a: Action = { type: order.state === "pending" ? "release" : "refund", order: index };
      const where = `final ${a.type} of order ${order.id}`;
      await apply(a, where);
      await verify(where);
    }
    expect(model.owed).toBe(0);
    expect(model.vouchers.every((v) => v.held === 0)).toBe(true);
  }

  it("keeps the model's balances and every ledger invariant after each step", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: engine === "postgres" ? 30 : 25 }), (actions) => run(db(), actions)),
      { numRuns: engine === "postgres" ? 40 : 20 },
    );
  }, 120_000);
});
