import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import type { Database } from "../../db/client";
import {
  expireVoucher,
  holdVoucher,
  InsufficientFundsError,
  LedgerError,
  ledgerCheck,
  recordCardPayment,
  redeemOrderHolds,
  refundOrder,
  releaseOrderHolds,
} from "../../app/services/ledger";
import { approveApplication, applyForVoucher } from "../../app/services/vouchers";
import { describeEachEngine } from "../helpers/db";
import { balanceByCode, createParties, createParty, createTestProgramme, NOW, type Parties } from "./ledger-fixtures";

// Random sequences of issue, hold, post (redeem + card payment), release, refund and expiry against a model of what
// each should do. After every step the database must agree with the model and ledgerCheck must find nothing.

type Action =
  | { type: "issue"; enterprise: number }
  | { type: "hold"; voucher: number; amountFen: number }
  | { type: "post"; order: number; cardFen: number }
  | { type: "release"; order: number }
  | { type: "refund"; order: number }
  | { type: "expire"; voucher: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant("issue" as const), enterprise: fc.nat(2) }) },
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant("hold" as const), voucher: fc.nat(9), amountFen: fc.integer({ min: 1, max: 6_000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("post" as const), order: fc.nat(19), cardFen: fc.integer({ min: 0, max: 50_000 }) }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("release" as const), order: fc.nat(19) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("refund" as const), order: fc.nat(19) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("expire" as const), voucher: fc.nat(9) }) },
);

const VOUCHER_FEN = 10_000;
const BUDGET_FEN = 50_000; // five vouchers
const FAR_FUTURE = new Date(NOW.getTime() + 3 * 365 * 86_400_000);

interface ModelVoucher {
  id: number;
  available: number;
  held: number;
  expired: boolean;
}
interface ModelOrder {
  id: number;
  voucher: ModelVoucher;
  amount: number;
  state: "held" | "posted" | "released" | "refunded";
}

let nextOrder = 500_000;

describeEachEngine("ledger property: random voucher lifecycles", (db, engine) => {
  let p: Parties;
  let enterprises: { organisationId: number; userId: number }[];

  beforeAll(async () => {
    p = await createParties(db());
    enterprises = [p.enterprise, p.otherEnterprise, await createParty(db(), "enterprise")];
  });

  async function run(database: Database, actions: Action[]): Promise<void> {
    const programmeId = await createTestProgramme(database, p.bureau, {
      totalBudget: String(BUDGET_FEN / 100),
      voucherAmount: String(VOUCHER_FEN / 100),
      yearlyCap: "1000",
    });
    const institution = p.institution.organisationId;
    const model = { budget: BUDGET_FEN, owed: 0, vouchers: [] as ModelVoucher[], orders: [] as ModelOrder[] };

    const apply = async (a: Action, where: string) => {
      if (a.type === "issue") {
        const enterprise = enterprises[a.enterprise];
        const applied = await applyForVoucher(database, enterprise, {
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
        const approved = await approveApplication(database, p.bureau, applied.applicationId, NOW);
        if (model.budget >= VOUCHER_FEN) {
          expect(approved.ok, where).toBe(true);
          if (approved.ok) model.vouchers.push({ id: approved.voucher.voucherId, available: VOUCHER_FEN, held: 0, expired: false });
          model.budget -= VOUCHER_FEN;
        } else {
          expect(approved.ok ? null : approved.formError?.key, where).toBe("vouchers.error.budgetExhausted");
        }
      } else if (a.type === "hold") {
        if (model.vouchers.length === 0) return;
        const voucher = model.vouchers[a.voucher % model.vouchers.length];
        const orderId = ++nextOrder;
        const result = await holdVoucher(database, { voucherId: voucher.id, orderId, amountFen: a.amountFen }).catch((e: unknown) => e);
        if (voucher.expired) {
          expect((result as LedgerError).code, where).toBe("voucher_expired");
        } else if (voucher.available >= a.amountFen) {
          expect(result, where).not.toBeInstanceOf(Error);
          voucher.available -= a.amountFen;
          voucher.held += a.amountFen;
          model.orders.push({ id: orderId, voucher, amount: a.amountFen, state: "held" });
        } else {
          expect(result, where).toBeInstanceOf(InsufficientFundsError);
        }
      } else if (a.type === "post" || a.type === "release" || a.type === "refund") {
        if (model.orders.length === 0) return;
        const order = model.orders[a.order % model.orders.length];
        const { voucher } = order;
        if (a.type === "post") {
          await database.transaction().execute(async (trx) => {
            const posted = await redeemOrderHolds(trx, { orderId: order.id, institutionId: institution });
            if (posted.length > 0 && a.cardFen > 0)
              await recordCardPayment(trx, { orderId: order.id, institutionId: institution, amountFen: a.cardFen, feeBps: 100 });
          });
          if (order.state === "held") {
            voucher.held -= order.amount;
            model.owed += order.amount;
            order.state = "posted";
          }
        } else {
          const returnTo = () => {
            if (voucher.expired) model.budget += order.amount;
            else voucher.available += order.amount;
          };
          if (a.type === "release") await releaseOrderHolds(database, { orderId: order.id });
          else await refundOrder(database, { orderId: order.id });
          if (order.state === "held") {
            voucher.held -= order.amount;
            returnTo();
            order.state = a.type === "release" ? "released" : "refunded";
          } else if (order.state === "posted" && a.type === "refund") {
            model.owed -= order.amount;
            returnTo();
            order.state = "refunded";
          }
        }
      } else {
        if (model.vouchers.length === 0) return;
        const voucher = model.vouchers[a.voucher % model.vouchers.length];
        const result = await expireVoucher(database, { voucherId: voucher.id, now: FAR_FUTURE });
        if (voucher.expired) {
          expect(result, where).toBeNull();
        } else {
          expect(result?.returnedFen, where).toBe(voucher.available);
          model.budget += voucher.available;
          voucher.available = 0;
          voucher.expired = true;
        }
      }
    };
    const verify = async (where: string) => {
      // The database agrees with the model…
      expect(await balanceByCode(database, `programme:${programmeId}:programme_budget`), `${where}: budget`).toBe(model.budget);
      expect(await balanceByCode(database, `programme:${programmeId}:org:${institution}:voucher_reimbursable`), `${where}: owed`).toBe(
        model.owed,
      );
      for (const v of model.vouchers) {
        expect(await balanceByCode(database, `voucher:${v.id}:voucher_available`), `${where}: voucher ${v.id} available`).toBe(v.available);
        expect(await balanceByCode(database, `voucher:${v.id}:voucher_held`), `${where}: voucher ${v.id} held`).toBe(v.held);
      }
      // …nothing redeemed beyond what was issued, and every invariant holds.
      expect(model.owed, where).toBeLessThanOrEqual(model.vouchers.length * VOUCHER_FEN);
      const report = await ledgerCheck(database);
      expect(report.violations, where).toEqual([]);
    };

    for (const [step, a] of actions.entries()) {
      const where = `step ${step} ${JSON.stringify(a)}`;
      await apply(a, where);
      await verify(where);
    }
    // Then every order is refunded, so money held on vouchers that expired meanwhile is always released once per run.
    for (const [order] of model.orders.entries()) {
      const where = `final refund of order ${order}`;
      await apply({ type: "refund", order }, where);
      await verify(where);
    }
  }

  it("keeps the model's balances and every ledger invariant after each step", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: engine === "postgres" ? 30 : 25 }), (actions) => run(db(), actions)),
      { numRuns: engine === "postgres" ? 40 : 20 },
    );
  }, 60_000);
});
