import { beforeAll, expect, it } from "vitest";
import { loader as rewardsCsvLoader } from "../../app/routes/bureau.dashboard.rewards[.csv]";
import { loader as rewardsLoader } from "../../app/routes/bureau.dashboard.rewards";
import { action as programmeAction } from "../../app/routes/bureau.vouchers.$programmeId";
import { action as relatedAction, loader as relatedLoader } from "../../app/routes/bureau.vouchers.related-parties";
import { action as spotCheckAction, loader as spotCheckLoader } from "../../app/routes/bureau.vouchers.spot-checks.$id";
import { action as drawAction } from "../../app/routes/bureau.vouchers.spot-checks._index";
import { action as reimbursementAction, loader as reimbursementLoader } from "../../app/routes/bureau.vouchers.reimbursement";
import { loader as paymentListLoader } from "../../app/routes/bureau.vouchers.reimbursement.$batchId[.csv]";
import { parseCsv } from "../../app/services/contracts/csv";
import { setPayeeAccount } from "../../app/services/payouts/payee-account";
import { createSession } from "../../app/services/accounts/sessions";
import type { SessionUser } from "../../app/services/accounts/types";
import { registerContract } from "../../app/services/contracts";
import { applyForVoucher, createReimbursementBatch, drawSpotCheck, getSpotCheck, institutionReimbursement, listBatches, markBatchPaid, reviewSpotCheckItem } from "../../app/services/vouchers";
import { makeMember } from "../helpers/catalogue";
import { formRequest, refused, thrown, useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { createTestProgramme, holdThroughCheckout, payByTransfer } from "./ledger-fixtures";
import { asActor, createMarket, voucherFor, type Market } from "./checkout-fixtures";

// The bureau's oversight pages, through their loaders and actions as Remix calls them: related parties, spot checks,
// and the transaction-reward table with its CSV.

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };

describeEachEngine("bureau oversight routes", (db, engine) => {
  useAppDatabase(db, engine);
  let m: Market;
  const cookies = new Map<number, string>();
  const as = (user: SessionUser) => ({ Cookie: cookies.get(user.id) ?? "" });
  const get = (user: SessionUser, path: string) => new Request(`${BASE}${path}`, { headers: as(user) });
  const post = (user: SessionUser, path: string, fields: Record<string, string | string[]>) => formRequest(`${BASE}${path}`, fields, as(user));

  beforeAll(async () => {
    m = await createMarket(db());
    for (const user of [m.buyer, m.bureau]) cookies.set(user.id, `__session=${(await createSession(db(), user.id)).token}`);
  });

  it("related parties: the bureau records a pair from the form, a bad one answers 400 naming the fields; others are refused", async () => {
    const path = "/bureau/vouchers/related-parties";
    expect((await thrown(relatedLoader({ request: get(m.buyer, path), params: {}, context }))).status).toBe(403);
    const bad = refused(await relatedAction({ request: post(m.bureau, path, { intent: "record", target: "new", enterpriseId: "", relation: "" }), params: {}, context }));
    expect(bad).toEqual({
      status: 400,
      body: { target: "new", error: null, fieldErrors: { enterpriseId: "vouchers.related.error.enterprise", institutionId: "vouchers.related.error.institution", relation: "vouchers.related.error.relation" } },
    });
    const done = await relatedAction({
      request: post(m.bureau, path, { intent: "record", target: "new", enterpriseId: String(m.buyer.organisationId), institutionId: String(m.seller.organisationId), relation: "spin_off", note: "" }),
      params: {},
      context,
    });
    expect((done as Response).headers.get("Location")).toBe(`${path}?recorded=related`);
    const page = await relatedLoader({ request: get(m.bureau, path), params: {}, context });
    expect(page.recorded.map((r) => [r.enterpriseId, r.institutionId, r.relation])).toContainEqual([m.buyer.organisationId, m.seller.organisationId, "spin_off"]);
  });

  it("voucher applications: the bureau approves the ticked ones from the programme page; nothing ticked answers 400", async () => {
    const programmeId = await createTestProgramme(db(), asActor(m.bureau), { totalBudget: "100000", voucherAmount: "100000" });
    const path = `/bureau/vouchers/${programmeId}`;
    const ids: string[] = [];
    for (const enterprise of [await makeMember(db(), "enterprise"), await makeMember(db(), "enterprise")]) {
      const applied = await applyForVoucher(db(), asActor(enterprise), { programmeId: String(programmeId), purpose: "购买专利普通许可", contactName: "王经理", contactPhone: "0379-6000 0000" });
      if (!applied.ok) throw new Error(JSON.stringify(applied));
      ids.push(String(applied.applicationId));
    }
    const act = (fields: Record<string, string | string[]>) => programmeAction({ request: post(m.bureau, path, fields), params: { programmeId: String(programmeId) }, context });
    expect(refused(await act({ intent: "approveSelected" }))).toMatchObject({ status: 400, body: { error: { key: "vouchers.error.noneSelected" } } });
    // Budget for one voucher: the older application gets it, the other stays pending.
    const done = (await act({ intent: "approveSelected", applicationIds: ids })) as Response;
    expect(done.headers.get("Location")).toBe(`${path}?batchIssued=1&batchLeft=1&batchRefused=0`);
    const statuses = await db().selectFrom("voucher_applications").select("status").where("programme_id", "=", programmeId).orderBy("id").execute();
    expect(statuses.map((a) => a.status)).toEqual(["approved", "pending"]);

    // The budget is gone; the bureau adds to it from the same page, and the waiting application can be approved.
    expect(refused(await act({ intent: "topUp", amount: "-1", reason: "", seenTotal: "10000000" }))).toMatchObject({
      status: 400,
      body: { topUp: { error: null, amount: "vouchers.error.amount.negativeAmount", reason: "vouchers.error.required" } },
    });
    const topped = (await act({ intent: "topUp", amount: "100000", reason: "洛财预〔2026〕35 号", seenTotal: "10000000" })) as Response;
    expect(topped.headers.get("Location")).toBe(`${path}?toppedUp=10000000`);
    expect(((await act({ intent: "approveSelected", applicationIds: [ids[1]] })) as Response).headers.get("Location")).toBe(`${path}?batchIssued=1&batchLeft=0&batchRefused=0`);
  });

  it("spot checks: a draw redirects to its page, where a finding is recorded once", async () => {
    const buyer = m.otherBuyer;
    const voucher = await voucherFor(db(), m, buyer);
    await payByTransfer(db(), await holdThroughCheckout(db(), { bureau: asActor(m.bureau), enterprise: asActor(buyer), institution: asActor(m.seller) }, voucher.voucherId, 100_000));
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const drawn = await drawAction({
      request: post(m.bureau, "/bureau/vouchers/spot-checks", { programmeId: String(m.programmeId), from: today, to: today, sampleSize: "5" }),
      params: {},
      context,
    });
    const location = (drawn as Response).headers.get("Location") ?? "";
    const id = /^\/bureau\/vouchers\/spot-checks\/(\d+)\?drawn=1$/.exec(location)?.[1];
    expect(id, location).toBeDefined();
    const page = await spotCheckLoader({ request: get(m.bureau, `/bureau/vouchers/spot-checks/${id}`), params: { id }, context });
    expect(page.items.length).toBeGreaterThan(0);
    const orderId = String(page.items[0].orderId);
    const review = (fields: Record<string, string>) => spotCheckAction({ request: post(m.bureau, `/bureau/vouchers/spot-checks/${id}`, { orderId, ...fields }), params: { id }, context });
    expect(refused(await review({ outcome: "irregular", finding: "" }))).toMatchObject({ status: 400, body: { fieldErrors: { finding: "vouchers.spot.error.findingRequired" } } });
    expect(((await review({ outcome: "compliant" })) as Response).headers.get("Location")).toBe(`/bureau/vouchers/spot-checks/${id}?reviewed=${orderId}#order-${orderId}`);
    expect(refused(await review({ outcome: "compliant" }))).toMatchObject({ status: 400, body: { error: { key: "vouchers.spot.error.alreadyReviewed" } } });
    expect((await thrown(spotCheckLoader({ request: get(m.bureau, "/bureau/vouchers/spot-checks/999999"), params: { id: "999999" }, context }))).status).toBe(404);
  });

  it("reimbursement: an institution found irregular in a spot check is held back unless ticked; a batch takes the ticked ones", async () => {
    const held = await makeMember(db(), "institution");
    const paid = await makeMember(db(), "institution");
    for (const seller of [held, paid]) {
      const buyer = await makeMember(db(), "enterprise");
      const voucher = await voucherFor(db(), m, buyer);
      await payByTransfer(db(), await holdThroughCheckout(db(), { bureau: asActor(m.bureau), enterprise: asActor(buyer), institution: asActor(seller) }, voucher.voucherId, 100_000));
    }
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const check = await drawSpotCheck(db(), asActor(m.bureau), { programmeId: String(m.programmeId), from: today, to: today, sampleSize: "200" });
    if (!check.ok) throw new Error(JSON.stringify(check));
    const irregular = (await getSpotCheck(db(), m.bureau.organisationId, check.spotCheckId))!.items.find((i) => i.institutionId === held.organisationId)!;
    expect(await reviewSpotCheckItem(db(), asActor(m.bureau), { spotCheckId: check.spotCheckId, orderId: irregular.orderId, outcome: "irregular", finding: "无交付证明" })).toEqual({ ok: true });

    const path = "/bureau/vouchers/reimbursement";
    const page = await reimbursementLoader({ request: get(m.bureau, path), params: {}, context });
    const lines = page.programmes.find((p) => p.programmeId === m.programmeId)!.lines;
    expect(lines.find((l) => l.institutionId === held.organisationId)).toMatchObject({ owedFen: 100_000, irregularFindings: 1 });
    expect(lines.find((l) => l.institutionId === paid.organisationId)).toMatchObject({ owedFen: 100_000, irregularFindings: 0 });

    const batch = (fields: Record<string, string>, ids: number[]) => {
      const body = new URLSearchParams({ intent: "batch", programmeId: String(m.programmeId), ...fields });
      for (const id of ids) body.append("institutionId", String(id));
      return reimbursementAction({ request: new Request(`${BASE}${path}`, { method: "POST", headers: { ...as(m.bureau), "Content-Type": "application/x-www-form-urlencoded" }, body }), params: {}, context });
    };
    expect(refused(await batch({}, []))).toEqual({ status: 400, body: { target: `programme-${m.programmeId}`, error: "vouchers.reimbursement.noneChosen" } });
    const made = (await batch({}, [paid.organisationId])) as Response;
    const batchId = Number(/batch=(\d+)/.exec(made.headers.get("Location") ?? "")?.[1]);
    const [newest] = (await listBatches(db(), m.bureau.organisationId)).filter((b) => b.id === batchId);
    expect(newest.lines.map((l) => [l.institutionId, l.amountFen])).toEqual([[paid.organisationId, 100_000]]);

    // Each institution sees its side: the one held back why, the one in the batch its batch.
    const heldSide = await institutionReimbursement(db(), held.organisationId);
    expect(heldSide.programmes).toMatchObject([{ programmeId: m.programmeId, owedFen: 100_000, inPaymentFen: 0, irregularFindings: 1 }]);
    expect(heldSide.batches).toEqual([]);
    const paidSide = await institutionReimbursement(db(), paid.organisationId);
    expect(paidSide.programmes).toMatchObject([{ programmeId: m.programmeId, owedFen: 0, inPaymentFen: 100_000, irregularFindings: 0 }]);
    expect(paidSide.batches).toMatchObject([{ reference: newest.reference, amountFen: 100_000, status: newest.status }]);
  });

  it("reimbursement: a batch's payment list comes as CSV with each institution's payee account and what to check; another bureau gets 404", async () => {
    const withAccount = await makeMember(db(), "institution", "洛阳理工学院（测试）");
    const without = await makeMember(db(), "institution");
    const longAgo = new Date(Date.now() - 60 * 86_400_000);
    expect(await setPayeeAccount(db(), { id: withAccount.id, organisationId: withAccount.organisationId }, { accountName: "洛阳理工学院(测试)", bankName: "洛阳银行开元支行", accountNumber: "4105 1683 5699 9894 688" }, longAgo)).toEqual({ ok: true });
    for (const [seller, fen] of [[withAccount, 300_000], [without, 123_456]] as const) {
      const buyer = await makeMember(db(), "enterprise");
      const voucher = await voucherFor(db(), m, buyer);
      await payByTransfer(db(), await holdThroughCheckout(db(), { bureau: asActor(m.bureau), enterprise: asActor(buyer), institution: asActor(seller) }, voucher.voucherId, fen));
    }
    const made = await createReimbursementBatch(db(), asActor(m.bureau), { programmeId: m.programmeId, institutionIds: [withAccount.organisationId, without.organisationId] });
    if (!made.ok) throw new Error(JSON.stringify(made));
    const path = `/bureau/vouchers/reimbursement/${made.batchId}.csv`;
    const answer = await paymentListLoader({ request: get(m.bureau, path), params: { batchId: String(made.batchId) }, context });
    expect(answer.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const [reference] = (await listBatches(db(), m.bureau.organisationId)).filter((b) => b.id === made.batchId).map((b) => b.reference);
    expect(answer.headers.get("Content-Disposition")).toBe(`attachment; filename="${reference}.csv"`);
    const { records, errors } = parseCsv(await answer.text());
    expect(errors).toEqual([]);
    expect(records.map((r) => r.fields)).toEqual([
      ["序号", "收款单位", "统一社会信用代码", "收款户名", "开户银行", "收款账号", "金额（元）", "用途", "核对提示"],
      ["1", "洛阳理工学院（测试）", expect.stringMatching(/^12410300/), "洛阳理工学院(测试)", "洛阳银行开元支行", "4105168356999894688", "3000.00", `创新券兑付 ${reference}`, ""],
      ["2", expect.any(String), expect.any(String), "", "", "", "1234.56", `创新券兑付 ${reference}`, "未登记收款账户，请联系该单位"],
      ["合计", "", "", "", "", "", "4234.56", "", ""],
    ]);
    // The account changed today: the list says to confirm it by phone.
    expect(await setPayeeAccount(db(), { id: withAccount.id, organisationId: withAccount.organisationId }, { accountName: "洛阳理工学院(测试)", bankName: "中国银行洛阳分行", accountNumber: "2505 0000 1111" })).toEqual({ ok: true });
    const again = parseCsv(await (await paymentListLoader({ request: get(m.bureau, path), params: { batchId: String(made.batchId) }, context })).text());
    expect(again.records[1].fields.slice(4)).toEqual(["中国银行洛阳分行", "250500001111", "3000.00", `创新券兑付 ${reference}`, "收款账户近 30 天内变更，付款前请电话核实"]);
    const otherBureau = await makeMember(db(), "bureau");
    cookies.set(otherBureau.id, `__session=${(await createSession(db(), otherBureau.id)).token}`);
    expect((await thrown(paymentListLoader({ request: get(otherBureau, path), params: { batchId: String(made.batchId) }, context }))).status).toBe(404);
    expect((await thrown(paymentListLoader({ request: get(m.bureau, "/bureau/vouchers/reimbursement/x.csv"), params: { batchId: "x" }, context }))).status).toBe(404);
  });

  it("reimbursement: shows how long the oldest redemption still owed has waited, flags it past 30 days, and starts again after a batch", async () => {
    const seller = await makeMember(db(), "institution");
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const parties = { bureau: asActor(m.bureau), enterprise: asActor(buyer), institution: asActor(seller) };
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000 - 3_600_000);
    await payByTransfer(db(), await holdThroughCheckout(db(), parties, voucher.voucherId, 30_000), daysAgo(40));
    await payByTransfer(db(), await holdThroughCheckout(db(), parties, voucher.voucherId, 20_000), daysAgo(5));

    const path = "/bureau/vouchers/reimbursement";
    const lineOf = async () =>
      (await reimbursementLoader({ request: get(m.bureau, path), params: {}, context })).programmes
        .find((p) => p.programmeId === m.programmeId)!
        .lines.find((l) => l.institutionId === seller.organisationId)!;
    expect(await lineOf()).toMatchObject({ owedFen: 50_000, wait: { days: 40, overdue: true } });
    expect((await institutionReimbursement(db(), seller.organisationId)).programmes[0].waitingSince?.getTime()).toBeCloseTo(daysAgo(40).getTime(), -3);

    const body = new URLSearchParams({ intent: "batch", programmeId: String(m.programmeId), institutionId: String(seller.organisationId) });
    await reimbursementAction({ request: new Request(`${BASE}${path}`, { method: "POST", headers: { ...as(m.bureau), "Content-Type": "application/x-www-form-urlencoded" }, body }), params: {}, context });
    expect(await lineOf()).toMatchObject({ owedFen: 0, inPaymentFen: 50_000, wait: null });
    // Paid now: 40 and 5 days after the purchases, 26 on average weighted by their voucher parts.
    const [batch] = (await listBatches(db(), m.bureau.organisationId)).filter((b) => b.lines.some((l) => l.institutionId === seller.organisationId));
    expect(await markBatchPaid(db(), asActor(m.bureau), { batchId: batch.id, paymentReference: "国库支付 2026-0001" })).toEqual({ ok: true });
    const page = await reimbursementLoader({ request: get(m.bureau, path), params: {}, context });
    expect(page.timeliness).toEqual({ purchases: 2, averageDays: 26, longestDays: 40 });
    await payByTransfer(db(), await holdThroughCheckout(db(), parties, voucher.voucherId, 10_000));
    expect(await lineOf()).toMatchObject({ owedFen: 10_000, wait: { days: 0, overdue: false } });
  });

  it("spot checks: an irregular purchase's voucher part is disallowed (核减) from its row; the reason is required", async () => {
    const seller = await makeMember(db(), "institution");
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    await payByTransfer(db(), await holdThroughCheckout(db(), { bureau: asActor(m.bureau), enterprise: asActor(buyer), institution: asActor(seller) }, voucher.voucherId, 60_000));
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const check = await drawSpotCheck(db(), asActor(m.bureau), { programmeId: String(m.programmeId), from: today, to: today, sampleSize: "200" });
    if (!check.ok) throw new Error(JSON.stringify(check));
    const item = (await getSpotCheck(db(), m.bureau.organisationId, check.spotCheckId))!.items.find((i) => i.institutionId === seller.organisationId)!;
    const id = String(check.spotCheckId);
    const path = `/bureau/vouchers/spot-checks/${id}`;
    const act = (fields: Record<string, string>) => spotCheckAction({ request: post(m.bureau, path, { orderId: String(item.orderId), ...fields }), params: { id }, context });

    expect(refused(await act({ intent: "disallow", reason: "无交付" }))).toMatchObject({ status: 400, body: { intent: "disallow", error: { key: "vouchers.spot.error.notIrregular" } } });
    await act({ outcome: "irregular", finding: "无交付证明" });
    expect(refused(await act({ intent: "disallow", reason: " " }))).toMatchObject({ status: 400, body: { intent: "disallow", fieldErrors: { reason: "vouchers.spot.error.reasonRequired" } } });
    expect(((await act({ intent: "disallow", reason: "无交付证明，核减" })) as Response).headers.get("Location")).toBe(`${path}?disallowed=${item.orderId}#order-${item.orderId}`);
    const page = await spotCheckLoader({ request: get(m.bureau, path), params: { id }, context });
    expect(page.items.find((i) => i.orderId === item.orderId)!.disallowed).toMatchObject({ amountFen: 60_000, reason: "无交付证明，核减", at: expect.any(String) });
    const side = await institutionReimbursement(db(), seller.organisationId);
    expect(side.programmes).toMatchObject([{ owedFen: 0, irregularFindings: 0, disallowedFen: 60_000, waitingSince: null }]);
  });

  it("transaction rewards: the table and its CSV for a year; bad parameters are named", async () => {
    await registerContract(db(), {
      source: "manual",
      contractNo: "RW-ROUTE-1",
      signedOn: "2016-05-20",
      type: "transfer",
      field: "aerospace",
      seller: "洛阳某研究所",
      sellerType: "institute",
      buyer: "洛阳某公司",
      buyerRegion: "西工区",
      amountFen: 80_000_000,
      technicalIncomeFen: 70_000_000,
    });
    const query = "year=2016&rate=2&cap=10000&type=institute";
    const page = await rewardsLoader({ request: get(m.bureau, `/bureau/dashboard/rewards?${query}`), params: {}, context });
    if (!page.ok) throw new Error(JSON.stringify(page));
    expect(page.table.lines).toEqual([
      { seller: "洛阳某研究所", seller_type: "institute", contracts: 1, technical_income_fen: 70_000_000, reward_fen: 1_000_000, capped: true },
    ]);
    const csv = await rewardsCsvLoader({ request: get(m.bureau, `/bureau/dashboard/rewards.csv?${query}`), params: {}, context });
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const lines = (await csv.text()).replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines.slice(1)).toEqual(["1,洛阳某研究所,科研院所,1,700000.00,10000.00,1", ",合计,,1,700000.00,10000.00,1"]);

    const bad = await rewardsLoader({ request: get(m.bureau, "/bureau/dashboard/rewards?year=1990&rate=abc"), params: {}, context });
    expect(bad).toMatchObject({ ok: false, errors: { year: "rewards.error.year", rate: "rewards.error.rate" } });
    const badCsv = await rewardsCsvLoader({ request: get(m.bureau, "/bureau/dashboard/rewards.csv?cap=-1"), params: {}, context });
    expect([badCsv.status, await badCsv.text()]).toEqual([400, "cap: Enter an amount above 0 (yuan, at most two decimals), or leave it empty\n"]);
    expect((await thrown(rewardsCsvLoader({ request: get(m.buyer, "/bureau/dashboard/rewards.csv"), params: {}, context }))).status).toBe(403);
  });
});
