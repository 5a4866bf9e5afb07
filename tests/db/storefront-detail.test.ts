import { beforeAll, describe, expect, it } from "vitest";
import { loader as detailLoader } from "../../app/routes/results.$id";
import { createSession } from "../../app/services/accounts/sessions";
import type { SessionUser } from "../../app/services/accounts/types";
import { SYSTEM_ACTOR, createResult, transition } from "../../app/services/catalogue/lifecycle";
import { createProgramme, setProgrammeStatus } from "../../app/services/vouchers";
import { useAppDatabase } from "../helpers/app-db";
import { makeMember, sampleInput } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };
const DAY = 86_400_000;

type Detail = Awaited<ReturnType<typeof detailLoader>>;

describeEachEngine("storefront result page", (db, engine) => {
  useAppDatabase(db, engine);
  let owner: SessionUser;
  let other: SessionUser;
  let bureau: SessionUser;
  let buyer: SessionUser;
  const cookies = new Map<number, string>();
  const ids = { listed: 0, draft: 0, stale: 0, reserved: 0, publicity: 0, pending: 0 };

  const open = (user: SessionUser | null, id: number | string): Promise<Detail> =>
    detailLoader({
      request: new Request(`${BASE}/results/${id}`, { headers: user ? { Cookie: cookies.get(user.id) ?? "" } : {} }),
      params: { id: String(id) },
      context,
    });

  async function status(user: SessionUser | null, id: number | string): Promise<number> {
    const thrown = await open(user, id).then(
      () => null,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(Response);
    return (thrown as Response).status;
  }

  async function listed(overrides: Parameters<typeof sampleInput>[0] = {}): Promise<number> {
    const { id } = await createResult(db(), owner, sampleInput(overrides), { submit: true });
    await transition(db(), bureau, id, "approve");
    return id;
  }

  beforeAll(async () => {
    owner = await makeMember(db(), "institution", "洛阳理工学院");
    other = await makeMember(db(), "institution");
    bureau = await makeMember(db(), "bureau");
    buyer = await makeMember(db(), "enterprise");
    for (const user of [owner, other, bureau, buyer]) cookies.set(user.id, `__session=${(await createSession(db(), user.id)).token}`);

    ids.listed = await listed({ description: "## 技术指标\n- 强度 **400 MPa**\n\n<script>alert(1)</script> [官网](javascript:alert(1))" });
    ids.draft = (await createResult(db(), owner, sampleInput({ title: "草稿成果" }))).id;
    ids.pending = (await createResult(db(), owner, sampleInput({ title: "待审成果" }), { submit: true })).id;
    ids.stale = await listed({ title: "久未确认的成果" });
    const longAgo = new Date(Date.now() - 200 * DAY);
    await db().updateTable("technology_results").set({ listed_at: longAgo, confirmed_at: longAgo }).where("id", "=", ids.stale).execute();
    ids.reserved = await listed({ title: "交易中的成果" });
    await transition(db(), SYSTEM_ACTOR, ids.reserved, "reserve");
    ids.publicity = await listed({
      title: "财政资助协议定价成果",
      state_funded: true,
      modes: [
        { mode: "assignment", price_fen: 30_000_000 },
        { mode: "development", price_fen: null },
      ],
    });
  });

  describe("who sees what", () => {
    it("shows a listed result to everyone, with what a buyer needs", async () => {
      const page = await open(null, ids.listed);
      expect(page.visibility).toBe("public");
      expect(page.viewer).toBe("public");
      expect(page.block).toBeNull();
      expect(page.result).toMatchObject({
        id: ids.listed,
        title: "耐高温陶瓷基复合材料制备技术",
        title_en: "High-temperature ceramic matrix composites",
        field: "new_materials",
        trl: 5,
        institution: { id: owner.organisationId, name: "洛阳理工学院" },
        inventors: ["张伟"],
        keywords: ["陶瓷基复合材料", "耐高温"],
        ip: [{ type: "invention_patent", number: "ZL201910123456.1", status: "granted" }],
        in_publicity: false,
        publicity_ends_at: null,
      });
      expect(page.result.confirmed_at).not.toBeNull();
      expect(page.offers.map((o) => [o.mode, o.price_fen])).toEqual([
        ["assignment", 50_000_000],
        ["nonexclusive_license", 8_000_000],
      ]);
    });

    it("renders the description from Markdown without passing any HTML or script link through", async () => {
      const { result } = await open(null, ids.listed);
      expect(result.descriptionHtml).toContain("<h4>技术指标</h4>");
      expect(result.descriptionHtml).toContain("<strong>400 MPa</strong>");
      expect(result.descriptionHtml).not.toContain("<script>");
      expect(result.descriptionHtml).toContain("&lt;script&gt;");
      expect(result.descriptionHtml).not.toMatch(/href="javascript:/);
    });

    it("shows phone and e-mail to signed-in users only", async () => {
      const anonymous = await open(null, ids.listed);
      expect(anonymous.result.contact).toEqual({ name: "刘老师", phone: null, email: null, hidden: true });
      const signedIn = await open(buyer, ids.listed);
      expect(signedIn.result.contact).toEqual({ name: "刘老师", phone: "0379-64231234", email: "tto@test.example", hidden: false });
    });

    it("answers 404 to the public for drafts, results under review, stale listings and unknown ids", async () => {
      for (const id of [ids.draft, ids.pending, ids.stale, 99_999_999, "abc", "0", "1e3"]) {
        expect(await status(null, id), String(id)).toBe(404);
        expect(await status(buyer, id), String(id)).toBe(404);
      }
      // Another institution is the public too.
      expect(await status(other, ids.draft)).toBe(404);
    });

    it("lets the owner and the bureau preview any status, with nothing to buy", async () => {
      const draft = await open(owner, ids.draft);
      expect(draft).toMatchObject({ visibility: "preview", viewer: "owner", stale: false, block: { reason: "preview" }, result: { status: "draft" } });
      const stale = await open(owner, ids.stale);
      expect(stale).toMatchObject({ visibility: "preview", stale: true, result: { status: "listed" } });
      const pending = await open(bureau, ids.pending);
      expect(pending).toMatchObject({ visibility: "preview", viewer: "bureau", result: { status: "pending_review" } });
      // The owner looking at its own listed result sees the public page (no preview), but cannot buy it.
      const own = await open(owner, ids.listed);
      expect(own).toMatchObject({ visibility: "public", viewer: "owner", block: { reason: "role" } });
    });

    it("shows a reserved result to the public as in a transaction, not buyable", async () => {
      const page = await open(buyer, ids.reserved);
      expect(page).toMatchObject({ visibility: "public", block: { reason: "reserved" }, result: { status: "reserved" } });
    });

    it("marks a state-funded negotiated result as in publicity for 15 days, buying blocked until then", async () => {
      const page = await open(buyer, ids.publicity);
      expect(page.result.in_publicity).toBe(true);
      const ends = new Date(page.result.publicity_ends_at!).getTime();
      const listedAt = new Date(page.result.listed_at!).getTime();
      expect(ends - listedAt).toBe(15 * DAY);
      expect(page.block).toEqual({ reason: "publicity", until: page.result.publicity_ends_at });
    });
  });

  describe("voucher coverage", () => {
    it("says so when no programme is open, and when a result takes no vouchers", async () => {
      expect((await open(buyer, ids.listed)).voucher).toEqual({ kind: "no_programme" });
      const noVoucher = await listed({ title: "不适用创新券", voucher_eligible: false });
      const page = await open(buyer, noVoucher);
      expect(page.voucher).toEqual({ kind: "not_eligible" });
      expect(page.offers.every((o) => o.voucher_max_fen === null && !o.voucher_covered)).toBe(true);
    });

    it("shows per mode the most a voucher could pay: min(coverage × price, the yearly cap), for covered modes only", async () => {
      const year = new Date().getFullYear();
      const created = await createProgramme(db(), { userId: bureau.id, organisationId: bureau.organisationId }, {
        name: "科技创新券",
        year: String(year),
        totalBudget: "5000000",
        coveragePercent: "33.33",
        yearlyCap: "100000",
        voucherAmount: "50000",
        validFrom: `${year}-01-01`,
        validTo: `${year}-12-31`,
        qualifyingModes: ["assignment", "nonexclusive_license"],
      });
      if (!created.ok) throw new Error(JSON.stringify(created));
      const page = await open(buyer, ids.listed);
      expect(page.voucher).toEqual({
        kind: "programme",
        programme: {
          name: "科技创新券",
          coverage_bps: 3333,
          yearly_cap_fen: 10_000_000,
          remaining_budget_fen: 500_000_000,
          valid_to: `${year}-12-31`,
        },
      });
      expect(page.offers).toEqual([
        // 33.33% of ¥500,000 is ¥166,650: above the ¥100,000 cap.
        { mode: "assignment", price_fen: 50_000_000, voucher_covered: true, voucher_max_fen: 10_000_000 },
        // 33.33% of ¥80,000 = ¥26,664.
        { mode: "nonexclusive_license", price_fen: 8_000_000, voucher_covered: true, voucher_max_fen: 2_666_400 },
      ]);
      // A mode the programme does not cover, and a negotiable price (the ratio applies to the agreed price).
      const publicity = await open(buyer, ids.publicity);
      expect(publicity.offers).toEqual([
        { mode: "assignment", price_fen: 30_000_000, voucher_covered: true, voucher_max_fen: 9_999_000 },
        { mode: "development", price_fen: null, voucher_covered: false, voucher_max_fen: null },
      ]);

      // A closed programme is no programme.
      await setProgrammeStatus(db(), { userId: bureau.id, organisationId: bureau.organisationId }, created.programmeId, "closed");
      expect((await open(buyer, ids.listed)).voucher).toEqual({ kind: "no_programme" });
    });
  });
});
