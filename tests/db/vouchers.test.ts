import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { ledgerCheck } from "../../app/services/ledger";
import type { Database } from "../../db/client";
import {
  applyForVoucher,
  approveApplication,
  approveApplications,
  createProgramme,
  getProgramme,
  getWallet,
  listApplications,
  listProgrammes,
  openProgrammesFor,
  rejectApplication,
  listTopUps,
  setProgrammeStatus,
  topUpProgramme,
  withdrawApplication,
  type ProgrammeInput,
} from "../../app/services/vouchers";
import { describeEachEngine } from "../helpers/db";
import {
  balanceByCode,
  createParties,
  createParty,
  createTestProgramme,
  issueVoucher,
  holdThroughCheckout,
  NOW,
  type Parties,
} from "./ledger-fixtures";

const validProgramme: ProgrammeInput = {
  name: "2026年度科技创新券",
  year: "2026",
  totalBudget: "5000000",
  coveragePercent: "50",
  yearlyCap: "200000",
  voucherAmount: "100000",
  validFrom: "2026-01-01",
  validTo: "2026-12-31",
  qualifyingModes: ["assignment", "development"],
};

async function countRows(
  db: Database,
  table: "voucher_programmes" | "vouchers" | "voucher_applications" | "ledger_transactions",
): Promise<number> {
  return Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
}

const apply = (p: Partial<Record<string, unknown>> = {}) => ({
  purpose: "购买“高强韧铝合金”专利的普通许可并开展中试",
  contactName: "张经理",
  contactPhone: "0379-62881234",
  ...p,
});

describeEachEngine("voucher programmes, applications and issue", (db) => {
  let p: Parties;

  beforeAll(async () => {
    p = await createParties(db());
  });

  describe("programmes", () => {
    it("refuses bad input field by field and writes nothing", async () => {
      const before = await countRows(db(), "voucher_programmes");
      const cases: [ProgrammeInput, string, string][] = [
        [{ name: "  " }, "name", "vouchers.error.required"],
        [{ year: "二〇二六" }, "year", "vouchers.error.year"],
        [{ totalBudget: "-5" }, "totalBudget", "vouchers.error.amount.negativeAmount"],
        [{ totalBudget: "12.345" }, "totalBudget", "vouchers.error.amount.tooManyDecimals"],
        [{ totalBudget: "0" }, "totalBudget", "vouchers.error.amount.notPositive"],
        [{ totalBudget: "" }, "totalBudget", "vouchers.error.amount.required"],
        [{ coveragePercent: "150" }, "coveragePercent", "vouchers.error.percent"],
        [{ coveragePercent: "0" }, "coveragePercent", "vouchers.error.percent"],
        [{ coveragePercent: "半" }, "coveragePercent", "vouchers.error.percent"],
        [{ voucherAmount: "6000000" }, "voucherAmount", "vouchers.error.voucherAboveBudget"],
        [{ voucherAmount: "300000" }, "voucherAmount", "vouchers.error.voucherAboveCap"],
        [{ validFrom: "2026-02-30" }, "validFrom", "vouchers.error.date"],
        [{ validTo: "2025-12-31" }, "validTo", "vouchers.error.validToBeforeFrom"],
        [{ qualifyingModes: [] }, "qualifyingModes", "vouchers.error.modes"],
        [{ qualifyingModes: ["lottery"] }, "qualifyingModes", "vouchers.error.modes"],
      ];
      for (const [override, field, key] of cases) {
        const result = await createProgramme(db(), p.bureau, { ...validProgramme, ...override });
        expect(result.ok, field).toBe(false);
        if (!result.ok) expect(result.fieldErrors[field as keyof typeof result.fieldErrors], JSON.stringify(override)).toBe(key);
      }
      expect(await createProgramme(db(), p.enterprise, validProgramme)).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.bureauOnly" },
      });
      expect(await countRows(db(), "voucher_programmes")).toBe(before);
    });

    it("creates a programme and appropriates its budget in the ledger; a duplicate name in the year is refused", async () => {
      const result = await createProgramme(db(), p.bureau, { ...validProgramme, coveragePercent: "33.33", qualifyingModes: "service" });
      if (!result.ok) throw new Error(JSON.stringify(result));
      expect(await balanceByCode(db(), `programme:${result.programmeId}:programme_budget`)).toBe(500_000_000);
      expect(await balanceByCode(db(), `programme:${result.programmeId}:programme_fund`)).toBe(500_000_000);
      const programme = await getProgramme(db(), result.programmeId);
      expect(programme).toMatchObject({
        coverageBps: 3333,
        totalBudgetFen: 500_000_000,
        remainingBudgetFen: 500_000_000,
        voucherAmountFen: 10_000_000,
        qualifyingModes: ["service"],
        validTo: "2026-12-31",
        vouchersIssued: 0,
        redeemedFen: 0,
      });
      expect(await createProgramme(db(), p.bureau, validProgramme)).toMatchObject({
        ok: false,
        fieldErrors: { name: "vouchers.error.programmeNameTaken" },
      });
    });
  });

  describe("budget top-ups (追加预算)", () => {
    it("adds to the budget with a reason, in the ledger; bad input, another bureau and a stale form change nothing", async () => {
      const programmeId = await createTestProgramme(db(), p.bureau, { totalBudget: "100000", voucherAmount: "100000" });
      const before = await getProgramme(db(), programmeId);
      expect(before).toMatchObject({ totalBudgetFen: 10_000_000, remainingBudgetFen: 10_000_000 });
      const seenTotal = String(before?.totalBudgetFen);
      const ledgerBefore = await countRows(db(), "ledger_transactions");
      expect(await topUpProgramme(db(), p.bureau, { programmeId, amount: "0", reason: "", seenTotal })).toEqual({
        ok: false,
        fieldErrors: { amount: "vouchers.error.amount.notPositive", reason: "vouchers.error.required" },
      });
      expect(await topUpProgramme(db(), p.bureau, { programmeId, amount: "12.345", reason: "追加", seenTotal })).toMatchObject({
        ok: false,
        fieldErrors: { amount: "vouchers.error.amount.tooManyDecimals" },
      });
      const otherBureau = await createParty(db(), "bureau");
      expect(await topUpProgramme(db(), otherBureau, { programmeId, amount: "50000", reason: "追加", seenTotal })).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.programmeNotFound" },
      });
      expect(await topUpProgramme(db(), p.bureau, { programmeId, amount: "50000", reason: "追加", seenTotal: "1" })).toMatchObject({
        ok: false,
        formError: { key: "vouchers.topUp.error.changed" },
      });
      const afterItsEnd = new Date(NOW.getTime() + 400 * 86_400_000);
      expect(await topUpProgramme(db(), p.bureau, { programmeId, amount: "50000", reason: "追加", seenTotal }, afterItsEnd)).toMatchObject({
        ok: false,
        formError: { key: "vouchers.topUp.error.ended" },
      });
      expect(await countRows(db(), "ledger_transactions")).toBe(ledgerBefore);

      const added = await topUpProgramme(db(), p.bureau, { programmeId, amount: "50000", reason: "洛财预〔2026〕35 号", seenTotal });
      expect(added).toEqual({ ok: true, amountFen: 5_000_000, totalBudgetFen: 15_000_000 });
      // The same form submitted again is refused: the budget it saw has changed.
      expect(await topUpProgramme(db(), p.bureau, { programmeId, amount: "50000", reason: "洛财预〔2026〕35 号", seenTotal })).toMatchObject({
        ok: false,
        formError: { key: "vouchers.topUp.error.changed" },
      });
      expect(await getProgramme(db(), programmeId)).toMatchObject({ totalBudgetFen: 15_000_000, remainingBudgetFen: 15_000_000 });
      expect(await balanceByCode(db(), `programme:${programmeId}:programme_budget`)).toBe(15_000_000);
      expect(await listTopUps(db(), programmeId)).toEqual([{ amountFen: 5_000_000, reason: "洛财预〔2026〕35 号", addedBy: expect.any(String), addedAt: expect.any(Date) }]);
      expect((await ledgerCheck(db())).violations).toEqual([]);
    });

    it("the database lets the budget grow only by a funding posting of the same amount in the same transaction", async () => {
      const programmeId = await createTestProgramme(db(), p.bureau);
      await expect(sql`update voucher_programmes set total_budget_fen = total_budget_fen + 1 where id = ${programmeId}`.execute(db())).rejects.toMatchObject({
        code: "LG002",
      });
      await expect(sql`update voucher_programmes set total_budget_fen = total_budget_fen - 1 where id = ${programmeId}`.execute(db())).rejects.toMatchObject({
        code: "LG002",
      });
      await expect(sql`update programme_top_ups set reason = 'x'`.execute(db())).rejects.toThrow();
    });
  });

  describe("applications and issue", () => {
    let programmeId: number;
    beforeAll(async () => {
      // Budget for exactly two vouchers.
      programmeId = await createTestProgramme(db(), p.bureau, { totalBudget: "200000", voucherAmount: "100000", yearlyCap: "200000" });
    });

    it("refuses bad applications and wrong applicants", async () => {
      const id = String(programmeId);
      expect(await applyForVoucher(db(), p.enterprise, apply({ programmeId: id, purpose: "" }))).toMatchObject({
        ok: false,
        fieldErrors: { purpose: "vouchers.error.required" },
      });
      expect(await applyForVoucher(db(), p.enterprise, apply({ programmeId: id, contactPhone: "call me" }))).toMatchObject({
        ok: false,
        fieldErrors: { contactPhone: "vouchers.error.phone" },
      });
      expect(await applyForVoucher(db(), p.enterprise, apply({ programmeId: "x" }))).toMatchObject({
        ok: false,
        fieldErrors: { programmeId: "vouchers.error.required" },
      });
      expect(await applyForVoucher(db(), p.enterprise, apply({ programmeId: "999999" }))).toMatchObject({
        ok: false,
        fieldErrors: { programmeId: "vouchers.error.programmeNotFound" },
      });
      expect(await applyForVoucher(db(), p.institution, apply({ programmeId: id }))).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.enterpriseOnly" },
      });
      const later = new Date(NOW.getTime() + 400 * 86_400_000);
      expect(await applyForVoucher(db(), p.enterprise, apply({ programmeId: id }), later)).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.programmeClosed" },
      });
      expect(await countRows(db(), "voucher_applications")).toBe(0);
    });

    it("issues a serial-numbered voucher on approval, from the budget; one pending application at a time", async () => {
      const first = await applyForVoucher(db(), p.enterprise, apply({ programmeId: String(programmeId) }));
      if (!first.ok) throw new Error(JSON.stringify(first));
      expect(await applyForVoucher(db(), p.enterprise, apply({ programmeId: String(programmeId) }))).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.alreadyPending" },
      });
      expect((await openProgrammesFor(db(), p.enterprise.organisationId)).find((x) => x.id === programmeId)?.pendingApplicationId).toBe(
        first.applicationId,
      );

      expect(await approveApplication(db(), p.bureau, "1; drop table vouchers")).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.applicationNotFound" },
      });
      expect(await withdrawApplication(db(), p.enterprise, Number.NaN)).toEqual({ ok: false });
      const otherBureau = await createParty(db(), "bureau");
      expect(await approveApplication(db(), otherBureau, first.applicationId)).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.applicationNotFound" },
      });
      const approved = await approveApplication(db(), p.bureau, first.applicationId);
      if (!approved.ok) throw new Error(JSON.stringify(approved));
      const year = NOW.getUTCFullYear();
      expect(approved.voucher.serial).toMatch(new RegExp(`^CXQ-${year}-\\d{6}$`));
      expect(approved.voucher.amountFen).toBe(10_000_000);
      const programme = await getProgramme(db(), programmeId);
      // Expires when the programme's last day ends in China (midnight UTC+8).
      expect(approved.voucher.expiresAt.toISOString()).toBe(new Date(`${programme?.validTo}T16:00:00Z`).toISOString());
      expect(await approveApplication(db(), p.bureau, first.applicationId)).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.alreadyDecided" },
      });
      expect(programme).toMatchObject({
        remainingBudgetFen: 10_000_000,
        vouchersIssued: 1,
        outstandingFen: 10_000_000,
        pendingApplications: 0,
      });
      const audit = await db().selectFrom("audit_log").select("action").where("subject_type", "=", "voucher").execute();
      expect(audit.map((a) => a.action)).toEqual(["voucher.issue"]);
    });

    it("never issues beyond the budget: the ledger refuses and nothing is written", async () => {
      const second = await issueVoucher(db(), programmeId, p.otherEnterprise, p.bureau);
      const third = await createParty(db(), "enterprise");
      // The budget is gone: applying is refused up front…
      expect(await applyForVoucher(db(), third, apply({ programmeId: String(programmeId) }))).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.budgetExhausted" },
      });
      // …and an application that got in before the budget ran out is refused at approval by the database.
      const racing = await db()
        .insertInto("voucher_applications")
        .values({
          programme_id: programmeId,
          enterprise_id: third.organisationId,
          applicant_id: third.userId,
          purpose: "x",
          contact_name: "y",
          contact_phone: "13800000000",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const vouchersBefore = await countRows(db(), "vouchers");
      const txBefore = await countRows(db(), "ledger_transactions");
      expect(await approveApplication(db(), p.bureau, racing.id)).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.budgetExhausted" },
      });
      expect(await countRows(db(), "vouchers")).toBe(vouchersBefore);
      expect(await countRows(db(), "ledger_transactions")).toBe(txBefore);
      const app = await db().selectFrom("voucher_applications").select("status").where("id", "=", racing.id).executeTakeFirstOrThrow();
      expect(app.status).toBe("pending");
      expect(await balanceByCode(db(), `programme:${programmeId}:programme_budget`)).toBe(0);
      // The serial counter rolled back with it: the next serial follows the second voucher's.
      const next = await issueVoucher(db(), await createTestProgramme(db(), p.bureau), third, p.bureau);
      expect(Number(next.serial.slice(-6))).toBe(Number(second.serial.slice(-6)) + 1);
    });

    it("approves a selection oldest first, each on its own; once the budget runs out the rest stay pending", async () => {
      // Budget for two vouchers, four applications: the two oldest get vouchers whatever order they were ticked in.
      const programme = await createTestProgramme(db(), p.bureau, { totalBudget: "200000", voucherAmount: "100000" });
      const applicants = [await createParty(db(), "enterprise"), await createParty(db(), "enterprise"), await createParty(db(), "enterprise"), await createParty(db(), "enterprise")];
      const ids: number[] = [];
      for (const [i, enterprise] of applicants.entries()) {
        const applied = await applyForVoucher(db(), enterprise, apply({ programmeId: String(programme) }), new Date(NOW.getTime() - (10 - i) * 60_000));
        if (!applied.ok) throw new Error(JSON.stringify(applied));
        ids.push(applied.applicationId);
      }
      const elsewhere = await createTestProgramme(db(), p.bureau);
      const foreign = await applyForVoucher(db(), applicants[0], apply({ programmeId: String(elsewhere) }));
      if (!foreign.ok) throw new Error(JSON.stringify(foreign));
      // The third was decided meanwhile (rejected by a colleague).
      expect(await rejectApplication(db(), p.bureau, { applicationId: ids[2], note: "材料不全" })).toEqual({ ok: true });

      const vouchersBefore = await countRows(db(), "vouchers");
      expect(await approveApplications(db(), p.bureau, { programmeId: programme, applicationIds: [] })).toMatchObject({ ok: false, formError: { key: "vouchers.error.noneSelected" } });
      expect(await approveApplications(db(), p.bureau, { programmeId: programme, applicationIds: [String(ids[0]), "x"] })).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.badSelection" },
      });
      expect(await countRows(db(), "vouchers")).toBe(vouchersBefore);

      const approved = await approveApplications(db(), p.bureau, {
        programmeId: programme,
        applicationIds: [ids[3], ids[2], String(ids[1]), ids[0], ids[0], foreign.applicationId],
      });
      if (!approved.ok) throw new Error(JSON.stringify(approved));
      expect(approved.result.issued.map((x) => x.applicationId)).toEqual([ids[0], ids[1]]);
      expect(approved.result.issued.every((x) => /^CXQ-\d{4}-\d{6}$/.test(x.serial))).toBe(true);
      expect(approved.result.leftForBudget).toEqual([ids[3]]);
      expect(approved.result.refused).toEqual([
        { applicationId: foreign.applicationId, key: "vouchers.error.applicationNotFound" },
        { applicationId: ids[2], key: "vouchers.error.alreadyDecided" },
      ]);
      expect(await countRows(db(), "vouchers")).toBe(vouchersBefore + 2);
      const statuses = await db().selectFrom("voucher_applications").select(["id", "status"]).where("id", "in", [...ids, foreign.applicationId]).orderBy("id").execute();
      expect(statuses.map((a) => a.status)).toEqual(["approved", "approved", "rejected", "pending", "pending"]);
      expect(await getProgramme(db(), programme)).toMatchObject({ remainingBudgetFen: 0, vouchersIssued: 2 });
    });

    it("rejects with a reason, lets the enterprise withdraw, and lists applications", async () => {
      const open = await createTestProgramme(db(), p.bureau);
      const enterprise = await createParty(db(), "enterprise");
      const applied = await applyForVoucher(db(), enterprise, apply({ programmeId: String(open) }));
      if (!applied.ok) throw new Error("refused");
      expect(await rejectApplication(db(), p.bureau, { applicationId: applied.applicationId, note: " " })).toMatchObject({
        ok: false,
        fieldErrors: { note: "vouchers.error.required" },
      });
      expect(await rejectApplication(db(), p.bureau, { applicationId: applied.applicationId, note: "申请用途不属于技术交易" })).toEqual({
        ok: true,
      });
      expect(await rejectApplication(db(), p.bureau, { applicationId: applied.applicationId, note: "again" })).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.alreadyDecided" },
      });
      const again = await applyForVoucher(db(), enterprise, apply({ programmeId: String(open) }));
      if (!again.ok) throw new Error("refused");
      expect(await withdrawApplication(db(), p.enterprise, again.applicationId)).toEqual({ ok: false });
      expect(await withdrawApplication(db(), enterprise, again.applicationId)).toEqual({ ok: true });
      const rows = await listApplications(db(), { enterpriseId: enterprise.organisationId });
      expect(rows.map((r) => [r.status, r.decisionNote])).toEqual([
        ["withdrawn", null],
        ["rejected", "申请用途不属于技术交易"],
      ]);

      await setProgrammeStatus(db(), p.bureau, open, "closed");
      expect(await applyForVoucher(db(), enterprise, apply({ programmeId: String(open) }))).toMatchObject({
        ok: false,
        formError: { key: "vouchers.error.programmeClosed" },
      });
      expect((await openProgrammesFor(db(), enterprise.organisationId)).some((x) => x.id === open)).toBe(false);
      expect((await listProgrammes(db(), { bureauId: p.bureau.organisationId })).length).toBeGreaterThanOrEqual(3);
    });
  });

  describe("wallet", () => {
    it("shows balance, holds, history, cap use and expiry", async () => {
      const enterprise = await createParty(db(), "enterprise");
      const programmeId = await createTestProgramme(db(), p.bureau);
      const voucher = await issueVoucher(db(), programmeId, enterprise, p.bureau);
      const { orderId } = await holdThroughCheckout(db(), { ...p, enterprise }, voucher.voucherId, 2_500_000);
      const wallet = await getWallet(db(), enterprise.organisationId);
      expect(wallet.totals).toEqual({ availableFen: 7_500_000, heldFen: 2_500_000, redeemedFen: 0 });
      expect(wallet.holds).toEqual([
        { voucherId: voucher.voucherId, serial: voucher.serial, orderId, amountFen: 2_500_000, since: expect.any(Date) },
      ]);
      expect(wallet.history.map((h) => [h.kind, h.availableDeltaFen, h.heldDeltaFen])).toEqual([
        ["voucher_hold", -2_500_000, 2_500_000],
        ["voucher_issue", 10_000_000, 0],
      ]);
      expect(wallet.caps).toEqual([
        { programmeId, programmeName: expect.any(String), yearlyCapFen: 20_000_000, usedFen: 2_500_000, remainingFen: 17_500_000 },
      ]);
      // The programme's last day is the voucher's last valid day; expiresAt is the first moment after it.
      const { valid_to } = await db().selectFrom("voucher_programmes").select("valid_to").where("id", "=", programmeId).executeTakeFirstOrThrow();
      expect(wallet.vouchers[0]).toMatchObject({ state: "active", expiresSoon: false, expiresAt: voucher.expiresAt, lastValidDay: valid_to });
      const nearEnd = new Date(voucher.expiresAt.getTime() - 86_400_000);
      expect((await getWallet(db(), enterprise.organisationId, { now: nearEnd })).vouchers[0].expiresSoon).toBe(true);
      const after = await getWallet(db(), enterprise.organisationId, { now: new Date(voucher.expiresAt.getTime() + 1) });
      expect(after.vouchers[0]).toMatchObject({ state: "expired", availableFen: 0 });
      expect(await getWallet(db(), (await createParty(db(), "enterprise")).organisationId)).toEqual({
        vouchers: [],
        totals: { availableFen: 0, heldFen: 0, redeemedFen: 0 },
        holds: [],
        history: [],
        caps: [],
      });
    });
  });
});
