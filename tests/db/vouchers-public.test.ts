import { beforeAll, expect, it } from "vitest";
import { loader } from "../../app/routes/vouchers._index";
import { createSession } from "../../app/services/accounts/sessions";
import { setProgrammeStatus, topUpProgramme } from "../../app/services/vouchers";
import { makeMember } from "../helpers/catalogue";
import { useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { createParties, createTestProgramme, issueVoucher, type Parties } from "./ledger-fixtures";

// The public voucher page: the open programmes' terms and how far their budgets have gone, for anyone.

const context = { clientIp: "127.0.0.1" };
const page = (cookie = "") => loader({ request: new Request("http://localhost:3000/vouchers", { headers: { Cookie: cookie } }), params: {}, context });

describeEachEngine("public voucher page", (db, engine) => {
  useAppDatabase(db, engine);
  let p: Parties;
  let open: number;
  let closed: number;

  beforeAll(async () => {
    p = await createParties(db());
    // Budget for three vouchers, one issued; and a programme closed to applications.
    open = await createTestProgramme(db(), p.bureau, { totalBudget: "300000", voucherAmount: "100000" });
    await issueVoucher(db(), open, p.enterprise, p.bureau);
    closed = await createTestProgramme(db(), p.bureau);
    await setProgrammeStatus(db(), p.bureau, closed, "closed");
  });

  it("lists open programmes with their terms and remaining budget, and nothing of what is owed to whom", async () => {
    const { programmes, role } = await page();
    expect(role).toBeNull();
    expect(programmes.map((x) => x.id)).toContain(open);
    expect(programmes.map((x) => x.id)).not.toContain(closed);
    const shown = programmes.find((x) => x.id === open);
    expect(shown).toEqual({
      id: open,
      name: expect.any(String),
      voucherAmountFen: 10_000_000,
      coverageBps: 5000,
      yearlyCapFen: 20_000_000,
      validFrom: expect.any(String),
      validTo: expect.any(String),
      qualifyingModes: expect.any(Array),
      totalBudgetFen: 30_000_000,
      remainingBudgetFen: 20_000_000,
      vouchersIssued: 1,
      redeemedFen: 0,
    });
  });

  it("shows a top-up at once, and knows a logged-in enterprise", async () => {
    const added = await topUpProgramme(db(), p.bureau, { programmeId: open, amount: "100000", reason: "追加", seenTotal: "30000000" });
    expect(added).toMatchObject({ ok: true });
    const enterprise = await makeMember(db(), "enterprise");
    const { programmes, role } = await page(`__session=${(await createSession(db(), enterprise.id)).token}`);
    expect(role).toBe("enterprise");
    expect(programmes.find((x) => x.id === open)).toMatchObject({ totalBudgetFen: 40_000_000, remainingBudgetFen: 30_000_000 });
  });
});
