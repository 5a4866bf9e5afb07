import { beforeAll, describe, expect, it } from "vitest";
import { loader as dashboardLoader } from "../../app/routes/bureau.dashboard._index";
import { loader as exportLoader } from "../../app/routes/bureau.dashboard.export.$table";
import { loader as reportLoader } from "../../app/routes/bureau.dashboard.report";
import { createSession } from "../../app/services/accounts/sessions";
import { cancelOrder, refundOrder } from "../../app/services/checkout";
import { expireVoucher, ledgerCheck } from "../../app/services/ledger";
import { exportTable } from "../../app/services/stats/export";
import { budgetUsedPct, voucherPanel, type VoucherFigures } from "../../app/services/stats/vouchers";
import { chinaDate, createReimbursementBatch, getProgramme, markBatchPaid, type Actor } from "../../app/services/vouchers";
import { parseCsv } from "../../app/services/contracts/csv";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { createParty, createTestProgramme, holdThroughCheckout, issueVoucher, NOW, payByTransfer } from "./ledger-fixtures";

// The dashboard's voucher panel against figures worked out by hand from a scripted history: two programmes of one
// bureau (one with its budget fully issued), a voucher issued months ago, redemptions, a refund, a pending hold, a
// release, an expiry, one reimbursement batch paid and one awaiting payment; and a second bureau whose old programme
// shows up only because it paid a reimbursement within the range.

const DAY = 86_400_000;
const daysFromNow = (n: number) => new Date(NOW.getTime() + n * DAY);
/** A few days around today (China calendar), so a run across midnight still counts today's postings. */
const RECENT = { from: chinaDate(daysFromNow(-1)), to: chinaDate(daysFromNow(1)) };

describe("budgetUsedPct", () => {
  it("rounds down to one decimal, so a budget is never shown as fully used while money is left", () => {
    expect(budgetUsedPct(99_960, 100_000)).toBe(99.9);
    expect(budgetUsedPct(100_000, 100_000)).toBe(100);
    expect(budgetUsedPct(1, 3)).toBe(33.3);
    expect(budgetUsedPct(2, 3)).toBe(66.6);
    expect(budgetUsedPct(25_000_000, 105_000_000)).toBe(23.8);
    expect(budgetUsedPct(0, 100)).toBe(0);
    expect(budgetUsedPct(5, 0)).toBe(0);
    // Sums of fen beyond 2^53 / 1000 stay exact (BigInt).
    expect(budgetUsedPct(8_000_000_000_000_000, 9_000_000_000_000_000)).toBe(88.8);
  });
});

const BASE = "http://localhost:3000";
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: { clientIp: "127.0.0.1" } });

describeEachEngine("voucher statistics panel", (db, engine) => {
  useAppDatabase(db, engine);

  it("empty state: no programme at all", async () => {
    const panel = await voucherPanel(db(), RECENT);
    expect(panel).toMatchObject({ from: RECENT.from, to: RECENT.to, programmes: [], anyProgramme: false });
    expect(panel.total).toMatchObject({ budgetFen: 0, issuedCount: 0, redeemedFen: 0, budgetLeftFen: 0, budgetUsedPct: 0, enterprisesServed: 0 });
    expect(panel.total.period).toEqual({ issuedCount: 0, issuedFen: 0, redeemedFen: 0, reimbursedFen: 0, enterprisesServed: 0 });
    const csv = await exportTable(db(), "vouchers", RECENT, "zh-CN");
    const lines = csv.body.replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("合计,,,0.00,0,0.00,0.00,0.00,0.00,0.00,0.00,0,0.00,0,0,0.00,0.00,0.00,0");
  });

  describe("a scripted history", () => {
    let bureau: Actor;
    let otherBureau: Actor;
    let programmeA: number;
    let programmeB: number;
    let programmeC: number;
    const e: Actor[] = [];
    let i1: number;
    let i2: number;

    beforeAll(async () => {
      bureau = await createParty(db(), "bureau");
      otherBureau = await createParty(db(), "bureau");
      for (let n = 0; n < 3; n++) e.push(await createParty(db(), "enterprise"));
      const inst1 = await createParty(db(), "institution");
      const inst2 = await createParty(db(), "institution");
      i1 = inst1.organisationId;
      i2 = inst2.organisationId;
      // Purchases through the checkout: the enterprise buys a licence of the institution, part paid by the voucher.
      const hold = (enterprise: Actor, institution: Actor, voucherId: number, amountFen: number, now?: Date) =>
        holdThroughCheckout(db(), { bureau, enterprise, institution }, voucherId, amountFen, now);

      // A: budget ¥1,000,000, vouchers of ¥100,000, 50% coverage, valid from a year ago to a year ahead.
      programmeA = await createTestProgramme(db(), bureau);
      const v1 = await issueVoucher(db(), programmeA, e[0], bureau);
      const v2 = await issueVoucher(db(), programmeA, e[1], bureau);
      // Issued 200 days ago: outside the recent range, inside the past one below.
      const v3 = await issueVoucher(db(), programmeA, e[2], bureau, daysFromNow(-200));

      // E1 ¥40,000 to I1: stands, then reimbursed
      await payByTransfer(db(), await hold(e[0], inst1, v1.voucherId, 4_000_000));
      // E2 ¥30,000 to I2: stands, batched, not yet paid
      await payByTransfer(db(), await hold(e[1], inst2, v2.voucherId, 3_000_000));
      // E2 ¥10,000 to I1: refunded, so it counts nowhere
      const order3 = await hold(e[1], inst1, v2.voucherId, 1_000_000);
      await payByTransfer(db(), order3);
      await refundOrder(db(), { orderId: order3.orderId, externalRef: "BANK-BACK-3", idempotencyKey: `order:${order3.orderId}:refund` });
      // E1 ¥20,000 held for a pending payment
      await hold(e[0], inst1, v1.voucherId, 2_000_000);
      // E3 ¥5,000 held, then the buyer cancelled: back on the voucher
      const order5 = await hold(e[2], inst1, v3.voucherId, 500_000);
      await cancelOrder(db(), e[2], order5.orderId);
      // E3's voucher expires unused: its whole ¥100,000 returns to A's budget.
      const expired = await expireVoucher(db(), { voucherId: v3.voucherId, now: new Date(v3.expiresAt.getTime() + 1_000) });
      expect(expired?.returnedFen).toBe(10_000_000);

      const paid = await createReimbursementBatch(db(), bureau, { programmeId: programmeA, institutionIds: [i1] });
      if (!paid.ok) throw new Error("batch refused");
      expect(paid.totalFen).toBe(4_000_000);
      expect(await markBatchPaid(db(), bureau, { batchId: paid.batchId, paymentReference: "财政支付 001" })).toEqual({ ok: true });
      const pending = await createReimbursementBatch(db(), bureau, { programmeId: programmeA, institutionIds: [i2] });
      expect(pending).toMatchObject({ ok: true, totalFen: 3_000_000 });

      // B: budget ¥50,000 in vouchers of ¥10,000, fully issued; E1 is served by it too.
      programmeB = await createTestProgramme(db(), bureau, {
        totalBudget: "50000",
        voucherAmount: "10000",
        yearlyCap: "20000",
        coveragePercent: "100",
      });
      const bVouchers = [];
      for (const enterprise of [e[0], e[0], e[1], e[1], e[2]]) bVouchers.push(await issueVoucher(db(), programmeB, enterprise, bureau));
      await payByTransfer(db(), await hold(e[0], inst1, bVouchers[0].voucherId, 600_000));

      // C (another bureau): valid until 400 days ago; its voucher was used then, and its reimbursement is paid today.
      programmeC = await createTestProgramme(db(), otherBureau, {
        totalBudget: "20000",
        voucherAmount: "10000",
        yearlyCap: "10000",
        validFrom: chinaDate(daysFromNow(-730)),
        validTo: chinaDate(daysFromNow(-400)),
      });
      const then = daysFromNow(-500);
      const vc = await issueVoucher(db(), programmeC, e[0], otherBureau, then);
      await payByTransfer(db(), await holdThroughCheckout(db(), { bureau: otherBureau, enterprise: e[0], institution: inst2 }, vc.voucherId, 300_000, then), then);
      const batchC = await createReimbursementBatch(db(), otherBureau, { programmeId: programmeC });
      if (!batchC.ok) throw new Error("batch refused");
      expect(await markBatchPaid(db(), otherBureau, { batchId: batchC.batchId, paymentReference: "财政支付 C-1" })).toEqual({ ok: true });
    });

    const A: Omit<VoucherFigures, "period"> = {
      budgetFen: 100_000_000,
      issuedCount: 3,
      issuedFen: 30_000_000,
      redeemedFen: 7_000_000, // 40,000 + 30,000; the refunded 10,000 does not count
      reimbursedFen: 4_000_000,
      awaitingReimbursementFen: 3_000_000,
      outstandingFen: 13_000_000, // v1 60,000 (of which 20,000 held) + v2 70,000 (the refund went back on it)
      returnedFen: 10_000_000,
      budgetLeftFen: 80_000_000, // 1,000,000 − 300,000 + 100,000
      budgetUsedFen: 20_000_000,
      budgetUsedPct: 20,
      enterprisesServed: 2, // E1, E2; E3's hold was released
    };
    const B: Omit<VoucherFigures, "period"> = {
      budgetFen: 5_000_000,
      issuedCount: 5,
      issuedFen: 5_000_000,
      redeemedFen: 600_000,
      reimbursedFen: 0,
      awaitingReimbursementFen: 600_000,
      outstandingFen: 4_400_000,
      returnedFen: 0,
      budgetLeftFen: 0,
      budgetUsedFen: 5_000_000,
      budgetUsedPct: 100,
      enterprisesServed: 1,
    };

    it("recent range: figures to date and in the period, per programme and in total, newest programme first", async () => {
      const panel = await voucherPanel(db(), RECENT, { bureauId: bureau.organisationId });
      expect(panel.anyProgramme).toBe(true);
      expect(panel.programmes.map((p) => p.programmeId)).toEqual([programmeB, programmeA]);
      const [b, a] = panel.programmes;
      expect(a).toMatchObject({ ...A, exhausted: false, voucherAmountFen: 10_000_000 });
      expect(a.period).toEqual({ issuedCount: 2, issuedFen: 20_000_000, redeemedFen: 7_000_000, reimbursedFen: 4_000_000, enterprisesServed: 2 });
      expect(b).toMatchObject({ ...B, exhausted: true });
      expect(b.period).toEqual({ issuedCount: 5, issuedFen: 5_000_000, redeemedFen: 600_000, reimbursedFen: 0, enterprisesServed: 1 });
      expect(panel.total).toEqual({
        budgetFen: 105_000_000,
        issuedCount: 8,
        issuedFen: 35_000_000,
        redeemedFen: 7_600_000,
        reimbursedFen: 4_000_000,
        awaitingReimbursementFen: 3_600_000,
        outstandingFen: 17_400_000,
        returnedFen: 10_000_000,
        budgetLeftFen: 80_000_000,
        budgetUsedFen: 25_000_000,
        budgetUsedPct: 23.8,
        // E1 used both programmes: counted once.
        enterprisesServed: 2,
        period: { issuedCount: 7, issuedFen: 25_000_000, redeemedFen: 7_600_000, reimbursedFen: 4_000_000, enterprisesServed: 2 },
      });
    });

    it("agrees with the voucher pages' own figures and with the ledger check", async () => {
      for (const [id, expected] of [
        [programmeA, A],
        [programmeB, B],
      ] as const) {
        const programme = await getProgramme(db(), id);
        expect(programme).toMatchObject({
          remainingBudgetFen: expected.budgetLeftFen,
          redeemedFen: expected.redeemedFen,
          paidFen: expected.reimbursedFen,
          outstandingFen: expected.outstandingFen,
          vouchersIssued: expected.issuedCount,
        });
      }
      const report = await ledgerCheck(db());
      expect(report.violations).toEqual([]);
    });

    it("a past range: the same figures to date, the period holding only the voucher issued then", async () => {
      const past = { from: chinaDate(daysFromNow(-210)), to: chinaDate(daysFromNow(-190)) };
      const panel = await voucherPanel(db(), past, { bureauId: bureau.organisationId });
      const [b, a] = panel.programmes;
      expect(a).toMatchObject(A);
      expect(b).toMatchObject(B);
      expect(a.period).toEqual({ issuedCount: 1, issuedFen: 10_000_000, redeemedFen: 0, reimbursedFen: 0, enterprisesServed: 0 });
      expect(b.period).toEqual({ issuedCount: 0, issuedFen: 0, redeemedFen: 0, reimbursedFen: 0, enterprisesServed: 0 });
      expect(panel.total.period.issuedCount).toBe(1);
      expect(panel.total.enterprisesServed).toBe(2);
    });

    it("a range before any programme existed: none shown, but the bureau has programmes", async () => {
      const before = { from: chinaDate(daysFromNow(-800)), to: chinaDate(daysFromNow(-700)) };
      const panel = await voucherPanel(db(), before, { bureauId: bureau.organisationId });
      expect(panel).toMatchObject({ programmes: [], anyProgramme: true });
      expect(panel.total.budgetFen).toBe(0);
    });

    it("per bureau: an expired programme appears in the range in which it paid a reimbursement", async () => {
      const other = await voucherPanel(db(), RECENT, { bureauId: otherBureau.organisationId });
      expect(other.programmes.map((p) => p.programmeId)).toEqual([programmeC]);
      expect(other.programmes[0]).toMatchObject({
        budgetFen: 2_000_000,
        issuedCount: 1,
        issuedFen: 1_000_000,
        redeemedFen: 300_000,
        reimbursedFen: 300_000,
        awaitingReimbursementFen: 0,
        outstandingFen: 700_000,
        returnedFen: 0,
        budgetLeftFen: 1_000_000,
        budgetUsedPct: 50,
        enterprisesServed: 1,
        exhausted: false,
      });
      // Today only the reimbursement: the redemption counts when the money arrived, 500 days ago.
      expect(other.programmes[0].period).toEqual({
        issuedCount: 0,
        issuedFen: 0,
        redeemedFen: 0,
        reimbursedFen: 300_000,
        enterprisesServed: 0,
      });
      const used = await voucherPanel(db(), { from: chinaDate(daysFromNow(-505)), to: chinaDate(daysFromNow(-495)) }, { bureauId: otherBureau.organisationId });
      expect(used.programmes[0].period).toEqual({ issuedCount: 1, issuedFen: 1_000_000, redeemedFen: 300_000, reimbursedFen: 0, enterprisesServed: 1 });
      // A range after it lapsed and before its payment shows nothing.
      const between = await voucherPanel(db(), { from: chinaDate(daysFromNow(-300)), to: chinaDate(daysFromNow(-250)) }, {
        bureauId: otherBureau.organisationId,
      });
      expect(between).toMatchObject({ programmes: [], anyProgramme: true });
      // Without a bureau: every bureau's programmes.
      const all = await voucherPanel(db(), RECENT);
      expect(all.programmes.map((p) => p.programmeId).sort((x, y) => x - y)).toEqual([programmeA, programmeB, programmeC]);
      expect(all.total.enterprisesServed).toBe(2);
      expect(all.total.reimbursedFen).toBe(4_300_000);
    });

    it("the dashboard, its CSV download and the printable report show the signed-in bureau's programmes", async () => {
      const cookie = async (actor: Actor) => `__session=${(await createSession(db(), actor.userId)).token}`;
      const query = new URLSearchParams(RECENT).toString();
      const mine = await cookie(bureau);
      const page = await dashboardLoader(args(new Request(`${BASE}/bureau/dashboard?${query}`, { headers: { Cookie: mine } })));
      expect(page.vouchers.programmes.map((p) => p.programmeId)).toEqual([programmeB, programmeA]);
      expect(page.vouchers.total).toEqual((await voucherPanel(db(), RECENT, { bureauId: bureau.organisationId })).total);
      const report = await reportLoader(args(new Request(`${BASE}/bureau/dashboard/report?${query}`, { headers: { Cookie: mine } })));
      expect(report.vouchers.programmes.map((p) => p.budgetUsedPct)).toEqual([100, 20]);

      const response = await exportLoader(
        args(new Request(`${BASE}/bureau/dashboard/export/vouchers?${query}`, { headers: { Cookie: mine } }), { table: "vouchers" }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
      const records = parseCsv(new TextDecoder().decode(new Uint8Array(await response.arrayBuffer()))).records.map((r) => r.fields);
      expect(records.map((r) => r[0]).slice(-1)).toEqual(["合计"]);
      expect(records).toHaveLength(4);

      const theirs = await cookie(otherBureau);
      const other = await dashboardLoader(args(new Request(`${BASE}/bureau/dashboard?${query}`, { headers: { Cookie: theirs } })));
      expect(other.vouchers.programmes.map((p) => p.programmeId)).toEqual([programmeC]);
      // Enterprises cannot see it at all.
      await expect(
        dashboardLoader(args(new Request(`${BASE}/bureau/dashboard?${query}`, { headers: { Cookie: await cookie(e[0]) } }))),
      ).rejects.toMatchObject({ status: 403 });
    });

    it("CSV export: one line per programme and a total line, in yuan, with the same figures", async () => {
      const csv = await exportTable(db(), "vouchers", RECENT, "zh-CN", { bureauId: bureau.organisationId });
      expect(csv.filename).toBe(`turnover-vouchers-${RECENT.from}-${RECENT.to}.csv`);
      const lines = csv.body.replace(/^\uFEFF/, "").trim().split("\r\n");
      expect(lines).toHaveLength(4);
      expect(lines[0]).toContain("已抵扣（截至今日）（元）");
      expect(lines[0]).toContain(`已抵扣（本期 ${RECENT.from}~${RECENT.to}）（元）`);
      expect(lines[2]).toMatch(/,1000000\.00,3,300000\.00,70000\.00,40000\.00,30000\.00,130000\.00,100000\.00,2,800000\.00,20,2,200000\.00,70000\.00,40000\.00,2$/);
      expect(lines[3]).toBe("合计,,,1050000.00,8,350000.00,76000.00,40000.00,36000.00,174000.00,100000.00,2,800000.00,23.8,7,250000.00,76000.00,40000.00,2");
      const en = await exportTable(db(), "vouchers", RECENT, "en", { bureauId: bureau.organisationId });
      expect(en.body).toContain("Redeemed (to date) (yuan)");
    });
  });
});
