import { beforeAll, describe, expect, it } from "vitest";
import { action as reviewAction, loader as reviewLoader } from "../../app/routes/bureau.review.$id";
import { loader as queueLoader } from "../../app/routes/bureau.review._index";
import { action as editAction, loader as editLoader } from "../../app/routes/institution.results.$id.edit";
import { action as listAction, loader as listLoader } from "../../app/routes/institution.results._index";
import { action as importAction } from "../../app/routes/institution.results.import";
import { action as newAction } from "../../app/routes/institution.results.new";
import { createSession } from "../../app/services/accounts/sessions";
import type { SessionUser } from "../../app/services/accounts/types";
import { createResult, transition } from "../../app/services/catalogue/lifecycle";
import { formRequest, location, refused, thrown, useAppDatabase } from "../helpers/app-db";
import { auditRows, makeMember, outboxVersion, sampleInput } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };

const FORM = {
  title: "低温余热有机朗肯循环发电装置",
  summary: "80℃ 以上余热即可发电，系统效率 9%。",
  field: "new_energy",
  trl: "6",
  keywords: "余热发电，有机朗肯循环",
  "mode.assignment": "true",
  "pricing.assignment": "fixed",
  "price.assignment": "650000",
  "mode.development": "true",
  "pricing.development": "negotiable",
  "ip.0.type": "invention_patent",
  "ip.0.number": "ZL202210987654.3",
  "ip.0.status": "granted",
  state_funded: "true",
};

describeEachEngine("catalogue routes", (db, engine) => {
  useAppDatabase(db, engine);
  let owner: SessionUser;
  let other: SessionUser;
  let bureau: SessionUser;
  const cookies = new Map<number, string>();
  const as = (user: SessionUser) => ({ Cookie: cookies.get(user.id) ?? "" });
  const get = (user: SessionUser | null, path: string) => new Request(`${BASE}${path}`, { headers: user ? as(user) : {} });
  const post = (user: SessionUser, path: string, fields: Record<string, string>) => formRequest(`${BASE}${path}`, fields, as(user));

  beforeAll(async () => {
    owner = await makeMember(db(), "institution", "洛阳船舶材料研究所");
    other = await makeMember(db(), "institution");
    bureau = await makeMember(db(), "bureau");
    for (const user of [owner, other, bureau]) cookies.set(user.id, `__session=${(await createSession(db(), user.id)).token}`);
  });

  describe("my results", () => {
    it("sends visitors to log in and refuses other roles", async () => {
      const redirect = await listLoader({ request: get(null, "/institution/results"), context, params: {} }).catch((e: unknown) => e);
      expect(location(redirect)).toBe("/login?redirectTo=%2Finstitution%2Fresults");
      expect((await thrown(listLoader({ request: get(bureau, "/institution/results"), context, params: {} }))).status).toBe(403);
    });

    it("creates a result from the form, or answers field errors (400) and writes nothing", async () => {
      const bad = refused(await newAction({ request: post(owner, "/institution/results/new", { ...FORM, "price.assignment": "0.001", trl: "10", intent: "submit" }), context, params: {} }));
      expect(bad.status).toBe(400);
      expect(Object.fromEntries(Object.entries(bad.body.fieldErrors as Record<string, { key: string }>).map(([k, v]) => [k, v.key]))).toEqual({
        trl: "catalogue.error.trl",
        "price.assignment": "catalogue.error.price.tooManyDecimals",
      });
      expect((bad.body.values as Record<string, string>)["price.assignment"]).toBe("0.001");
      expect(await db().selectFrom("technology_results").select("id").where("title", "=", FORM.title).execute()).toEqual([]);

      const ok = await newAction({ request: post(owner, "/institution/results/new", { ...FORM, intent: "submit" }), context, params: {} });
      const to = location(ok);
      expect(to).toMatch(/^\/institution\/results\/\d+\/edit\?done=submitted$/);
      const id = Number(/results\/(\d+)/.exec(to ?? "")?.[1]);
      const row = await db().selectFrom("technology_results").select(["status", "institution_id", "created_by"]).where("id", "=", id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: "pending_review", institution_id: owner.organisationId, created_by: owner.id });
      expect((await auditRows(db(), id)).map((a) => a.action)).toEqual(["result.create", "result.submit"]);

      // Its page: read-only while pending, for the owner only.
      const page = await editLoader({ request: get(owner, `/institution/results/${id}/edit`), context, params: { id: String(id) } });
      expect(page).toMatchObject({ editable: false, actions: ["withdraw"], result: { status: "pending_review", modes: [{ mode: "assignment", price_fen: 65_000_000 }, { mode: "development", price_fen: null }] } });
      expect((await thrown(editLoader({ request: get(other, `/institution/results/${id}/edit`), context, params: { id: String(id) } }))).status).toBe(403);
      expect((await thrown(editLoader({ request: get(owner, "/institution/results/99999999/edit"), context, params: { id: "99999999" } }))).status).toBe(404);
      // Another institution cannot act on it either.
      expect((await thrown(editAction({ request: post(other, `/institution/results/${id}/edit`, { intent: "withdraw" }), context, params: { id: String(id) } }))).status).toBe(403);
      expect((await thrown(listAction({ request: post(other, "/institution/results", { intent: "withdraw", id: String(id) }), context, params: {} }))).status).toBe(403);
    });

    it("saves edits of a draft, and refuses editing a pending result with 409", async () => {
      const { id } = await createResult(db(), owner, sampleInput({ title: "草稿可改" }));
      const saved = await editAction({ request: post(owner, `/institution/results/${id}/edit`, { ...FORM, title: "草稿已改", intent: "save" }), context, params: { id: String(id) } });
      expect(location(saved)).toBe(`/institution/results/${id}/edit?done=saved`);
      expect((await db().selectFrom("technology_results").select("title").where("id", "=", id).executeTakeFirstOrThrow()).title).toBe("草稿已改");
      await transition(db(), owner, id, "submit");
      const conflict = refused(await editAction({ request: post(owner, `/institution/results/${id}/edit`, { ...FORM, intent: "save" }), context, params: { id: String(id) } }));
      expect(conflict.status).toBe(409);
      expect(conflict.body.formError).toMatchObject({ key: "catalogue.error.notEditable" });
    });

    it("re-confirms a listed result from the list and shows stale ones", async () => {
      const { id } = await createResult(db(), owner, sampleInput({ title: "久未确认" }), { submit: true });
      await transition(db(), bureau, id, "approve");
      const old = new Date(Date.now() - 200 * 86_400_000);
      await db().updateTable("technology_results").set({ listed_at: old, confirmed_at: old }).where("id", "=", id).execute();
      const before = await listLoader({ request: get(owner, "/institution/results?status=stale"), context, params: {} });
      expect(before.rows.map((r) => [r.id, r.stale, r.reconfirmable])).toEqual([[id, true, true]]);
      expect(before.counts.stale).toBe(1);
      const version = await outboxVersion(db(), id);
      const done = await listAction({ request: post(owner, "/institution/results?index&status=stale", { intent: "reconfirm", id: String(id) }), context, params: {} });
      expect(location(done)).toBe("/institution/results?status=stale&done=reconfirmed");
      expect(await outboxVersion(db(), id)).toBe((version ?? 0) + 1);
      const after = await listLoader({ request: get(owner, "/institution/results"), context, params: {} });
      expect(after.counts.stale).toBe(0);
      // Re-confirming a draft is refused on the page, not a 500.
      const draft = await createResult(db(), owner, sampleInput({ title: "草稿不能确认" }));
      const refusal = refused(await listAction({ request: post(owner, "/institution/results", { intent: "reconfirm", id: String(draft.id) }), context, params: {} }));
      expect(refusal.status).toBe(409);
    });
  });

  describe("import page", () => {
    function upload(user: SessionUser, text: string, status = "pending_review") {
      const form = new FormData();
      form.append("status", status);
      form.append("file", new File([text], "results.jsonl", { type: "application/x-ndjson" }));
      return new Request(`${BASE}/institution/results/import`, { method: "POST", body: form, headers: as(user) });
    }
    const line = (title: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ title, summary: "简介", field: "biomedicine", trl: 4, modes: [{ mode: "assignment", price_yuan: 1000 }], ...extra });

    it("imports into the signed-in institution, or lists the bad lines and imports nothing", async () => {
      const bad = refused(await importAction({ request: upload(owner, [line("甲"), line("乙", { institution: "别的大学" }), line("丙", { trl: 0 })].join("\n")), context, params: {} }));
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ status: "refused", errorCount: 2 });
      expect((bad.body.errors as { line: number }[]).map((e) => e.line)).toEqual([2, 3]);
      expect(await db().selectFrom("technology_results").select("id").where("title", "=", "甲").execute()).toEqual([]);

      const ok = await importAction({ request: upload(owner, [line("甲"), "", line("乙", { institution: owner.organisationName })].join("\n"), "draft"), context, params: {} });
      expect(refused(ok).body).toEqual({ status: "imported", imported: 2, importedAs: "draft" });
      const rows = await db().selectFrom("technology_results").select(["status", "institution_id"]).where("title", "in", ["甲", "乙"]).execute();
      expect(rows).toEqual([
        { status: "draft", institution_id: owner.organisationId },
        { status: "draft", institution_id: owner.organisationId },
      ]);
    });

    it("answers a missing file with 400", async () => {
      const form = new FormData();
      form.append("status", "draft");
      const response = refused(await importAction({ request: new Request(`${BASE}/institution/results/import`, { method: "POST", body: form, headers: as(owner) }), context, params: {} }));
      expect(response).toEqual({ status: 400, body: { status: "noFile" } });
    });
  });

  describe("bureau review", () => {
    it("queues pending results, rejects only with a reason, and approves", async () => {
      const { id } = await createResult(db(), owner, sampleInput({ title: "待审的成果" }), { submit: true });
      const queue = await queueLoader({ request: get(bureau, "/bureau/review"), context, params: {} });
      expect(queue.items.map((i) => i.id)).toContain(id);
      expect((await thrown(queueLoader({ request: get(owner, "/bureau/review"), context, params: {} }))).status).toBe(403);
      const page = await reviewLoader({ request: get(bureau, `/bureau/review/${id}`), context, params: { id: String(id) } });
      expect(page.result.descriptionHtml).toContain("<h4>指标</h4>");

      const noReason = refused(await reviewAction({ request: post(bureau, `/bureau/review/${id}`, { decision: "reject", reason: "  " }), context, params: { id: String(id) } }));
      expect(noReason).toMatchObject({ status: 400, body: { field: "reason", error: { key: "catalogue.error.reasonRequired" } } });
      expect((await thrown(reviewAction({ request: post(owner, `/bureau/review/${id}`, { decision: "approve" }), context, params: { id: String(id) } }))).status).toBe(403);

      const approved = await reviewAction({ request: post(bureau, `/bureau/review/${id}`, { decision: "approve" }), context, params: { id: String(id) } });
      expect(location(approved)).toBe("/bureau/review?done=approved");
      const row = await db().selectFrom("technology_results").select(["status", "listed_at", "confirmed_at"]).where("id", "=", id).executeTakeFirstOrThrow();
      expect(row.status).toBe("listed");
      expect(row.listed_at).toEqual(row.confirmed_at);
      expect((await auditRows(db(), id)).at(-1)).toMatchObject({ action: "result.approve", actor_user_id: bureau.id });
      // A second decision finds it no longer pending.
      const again = refused(await reviewAction({ request: post(bureau, `/bureau/review/${id}`, { decision: "reject", reason: "晚了" }), context, params: { id: String(id) } }));
      expect(again).toMatchObject({ status: 409, body: { error: { key: "catalogue.error.transition", params: { status: "listed" } } } });
    });
  });
});
