import { expect, it } from "vitest";
import { loader as activityLoader } from "../../app/routes/account.activity";
import { loader as auditLoader } from "../../app/routes/operator.audit";
import { loader as auditCsvLoader } from "../../app/routes/operator.audit[.csv]";
import { addMember, changeMember } from "../../app/services/accounts/members";
import { auditExport, listAuditLog, parseAuditFilters, type AuditFilters } from "../../app/services/audit/log";
import { createSession } from "../../app/services/accounts/sessions";
import { createResult, transition } from "../../app/services/catalogue/lifecycle";
import { makeMember, sampleInput } from "../helpers/catalogue";
import { refused, thrown, useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };
const NONE: AuditFilters = { area: null, actor: null, subject: null, from: null, to: null, before: null };

describeEachEngine("audit log", (db, engine) => {
  useAppDatabase(db, engine);

  async function cookieOf(userId: number) {
    const { token } = await createSession(db(), userId);
    return `__session=${token}`;
  }

  it("reads the filters from a query string and names a bad one", () => {
    const ok = parseAuditFilters(new URLSearchParams("area=vouchers&actor=%20王%20&subject=12&from=2026-01-01&to=2026-01-31&before=90"));
    expect(ok).toEqual({ ok: true, filters: { area: "vouchers", actor: "王", subject: "12", from: "2026-01-01", to: "2026-01-31", before: 90 } });
    expect(parseAuditFilters(new URLSearchParams(""))).toEqual({ ok: true, filters: NONE });
    expect(parseAuditFilters(new URLSearchParams("area=everything"))).toMatchObject({ ok: false, parameter: "area" });
    expect(parseAuditFilters(new URLSearchParams("from=2026-02-30"))).toMatchObject({ ok: false, parameter: "from" });
    expect(parseAuditFilters(new URLSearchParams("from=2026-03-01&to=2026-02-01"))).toMatchObject({ ok: false, parameter: "to" });
    expect(parseAuditFilters(new URLSearchParams("before=-3"))).toMatchObject({ ok: false, parameter: "before" });
  });

  it("lists what people did, newest first, narrowed by area, person, record and date, a page at a time", async () => {
    const institution = await makeMember(db(), "institution", `审计测试大学${Math.random().toString(36).slice(2, 6)}`);
    const bureau = await makeMember(db(), "bureau");
    const { id: resultId } = await createResult(db(), institution, sampleInput(), { submit: true });
    await transition(db(), bureau, resultId, "approve");
    const added = await addMember(db(), institution, { displayName: "审计同事", email: `audit-${resultId}@members.example`, password: "given in person" });
    if (!added.ok) throw new Error("add failed");

    const mine = await listAuditLog(db(), NONE, { organisationId: institution.organisationId });
    expect(mine.entries.map((e) => [e.action, e.subjectId])).toEqual([
      ["member.add", String(added.memberId)],
      ["result.submit", String(resultId)],
      ["result.create", String(resultId)],
    ]);
    expect(mine.entries[0].actor).toMatchObject({ id: institution.id, organisationName: institution.organisationName });

    const about = await listAuditLog(db(), { ...NONE, subject: String(resultId), area: "catalogue" });
    expect(about.entries.map((e) => e.action)).toEqual(["result.approve", "result.submit", "result.create"]);
    expect((await listAuditLog(db(), { ...NONE, subject: String(resultId), area: "vouchers" })).entries).toEqual([]);
    const byBureau = await listAuditLog(db(), { ...NONE, subject: String(resultId), actor: bureau.email.slice(0, 8).toUpperCase() });
    expect(byBureau.entries.map((e) => e.action)).toEqual(["result.approve"]);
    // A wildcard in the name is a character, not a pattern.
    expect((await listAuditLog(db(), { ...NONE, actor: "%" })).entries).toEqual([]);

    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    expect((await listAuditLog(db(), { ...NONE, subject: String(resultId), from: today, to: today })).entries).toHaveLength(3);
    expect((await listAuditLog(db(), { ...NONE, subject: String(resultId), to: "2020-01-01" })).entries).toEqual([]);

    const first = await listAuditLog(db(), { ...NONE, subject: String(resultId) }, { limit: 2 });
    expect(first.entries).toHaveLength(2);
    expect(first.nextBefore).toBe(first.entries[1].id);
    const second = await listAuditLog(db(), { ...NONE, subject: String(resultId), before: first.nextBefore }, { limit: 2 });
    expect(second.entries.map((e) => e.action)).toEqual(["result.create"]);
    expect(second.nextBefore).toBeNull();
  });

  it("shows the operator everything and an organisation's administrator only their colleagues' actions", async () => {
    const operator = await makeMember(db(), "operator");
    const institution = await makeMember(db(), "institution");
    const added = await addMember(db(), institution, { displayName: "被停用的同事", email: `leaver-${institution.id}@members.example`, password: "given in person" });
    if (!added.ok) throw new Error("add failed");
    await changeMember(db(), institution, { memberId: String(added.memberId), change: "disable" });

    const page = await auditLoader({ request: new Request(`${BASE}/operator/audit?area=accounts&actor=${encodeURIComponent(institution.email)}`, { headers: { Cookie: await cookieOf(operator.id) } }), params: {}, context });
    expect(page).not.toBeInstanceOf(Response);
    const entries = (page as unknown as { entries: { action: string }[] }).entries;
    expect(entries.map((e) => e.action)).toEqual(["member.disable", "member.add"]);
    const bad = refused(await auditLoader({ request: new Request(`${BASE}/operator/audit?from=yesterday`, { headers: { Cookie: await cookieOf(operator.id) } }), params: {}, context }));
    expect(bad).toMatchObject({ status: 400, body: { entries: [], invalid: { parameter: "from" } } });
    expect((await thrown(auditLoader({ request: new Request(`${BASE}/operator/audit`, { headers: { Cookie: await cookieOf(institution.id) } }), params: {}, context }))).status).toBe(403);

    const own = await activityLoader({ request: new Request(`${BASE}/account/activity`, { headers: { Cookie: await cookieOf(institution.id) } }), params: {}, context });
    const ownEntries = (own as unknown as { entries: { actor: { id: number } | null }[] }).entries;
    expect(ownEntries.length).toBeGreaterThanOrEqual(2);
    expect(ownEntries.every((e) => e.actor?.id === institution.id)).toBe(true);
    await changeMember(db(), institution, { memberId: String(added.memberId), change: "enable" });
    await db().updateTable("users").set({ must_change_password: false }).where("id", "=", added.memberId).execute();
    const member = await cookieOf(added.memberId);
    expect((await thrown(activityLoader({ request: new Request(`${BASE}/account/activity`, { headers: { Cookie: member } }), params: {}, context }))).status).toBe(403);
  });

  it("exports what the filters match as CSV for an inspection, all pages of it", async () => {
    const operator = await makeMember(db(), "operator");
    const institution = await makeMember(db(), "institution");
    for (let i = 0; i < 3; i++) {
      const added = await addMember(db(), institution, { displayName: `导出同事${i}`, email: `export-${institution.id}-${i}@members.example`, password: "given in person" });
      expect(added.ok).toBe(true);
    }
    const filters = { ...NONE, area: "accounts" as const, actor: institution.email };
    const all = await auditExport(db(), filters);
    expect(all).toMatchObject({ truncated: false });
    expect(all.entries.map((e) => e.action)).toEqual(["member.add", "member.add", "member.add"]);
    // Read a page at a time underneath: the same entries in pages of one, and cut at the most an export holds.
    expect(await auditExport(db(), filters, { pageSize: 1 })).toEqual(all);
    const cut = await auditExport(db(), filters, { pageSize: 1, max: 2 });
    expect(cut).toEqual({ entries: all.entries.slice(0, 2), truncated: true });

    const cookie = await cookieOf(operator.id);
    const csv = await auditCsvLoader({ request: new Request(`${BASE}/operator/audit.csv?area=accounts&actor=${encodeURIComponent(institution.email)}`, { headers: { Cookie: cookie } }), params: {}, context });
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const lines = (await csv.text()).replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain("开通同事账户,member.add,user,");
    const bad = await auditCsvLoader({ request: new Request(`${BASE}/operator/audit.csv?to=tomorrow`, { headers: { Cookie: cookie } }), params: {}, context });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("to:");
  });
});
