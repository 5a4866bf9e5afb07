import { beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../app/services/accounts/types";
import {
  CatalogueError,
  PUBLICITY_DAYS,
  STALE_AFTER_DAYS,
  SYSTEM_ACTOR,
  TRANSITIONS,
  actionsFrom,
  createResult,
  getOwnResult,
  isInPublicity,
  isStale,
  listInstitutionResults,
  publicityEndsAt,
  reconfirmDueSoon,
  reconfirmResult,
  staleAt,
  transition,
  updateResult,
  type TransitionAction,
} from "../../app/services/catalogue/lifecycle";
import { approveResult, recentDecisions, rejectResult, reviewQueue } from "../../app/services/catalogue/review";
import { RESULT_STATUSES, type ResultStatus } from "../../db/schema";
import { auditRows, makeMember, outboxVersion, sampleInput } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";

const DAY = 86_400_000;

async function refusal(promise: Promise<unknown>): Promise<CatalogueError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatalogueError);
  return error as CatalogueError;
}

describe("staleness and publicity (pure)", () => {
  const now = new Date("2025-06-30T00:00:00Z");
  it("a listing goes stale STALE_AFTER_DAYS after its last confirmation", () => {
    expect(STALE_AFTER_DAYS).toBe(180);
    const confirmed = new Date(now.getTime() - 180 * DAY);
    const r = { status: "listed" as ResultStatus, listed_at: new Date("2024-01-01T00:00:00Z"), confirmed_at: confirmed };
    expect(isStale(r, now)).toBe(false);
    expect(isStale(r, new Date(now.getTime() + 1))).toBe(true);
    expect(staleAt(r)).toEqual(now);
    // Never re-confirmed: counted from the approval.
    expect(isStale({ ...r, confirmed_at: null, listed_at: new Date(now.getTime() - 181 * DAY) }, now)).toBe(true);
    // Only listings can be stale.
    expect(isStale({ ...r, status: "draft", confirmed_at: new Date(0) }, now)).toBe(false);
    expect(isStale({ ...r, status: "reserved", confirmed_at: new Date(0) }, now)).toBe(true);
  });

  it("asks for re-confirmation in the last 30 days", () => {
    const r = { status: "listed" as ResultStatus, listed_at: null, confirmed_at: new Date(now.getTime() - 151 * DAY) };
    expect(reconfirmDueSoon(r, now)).toBe(true);
    expect(reconfirmDueSoon({ ...r, confirmed_at: new Date(now.getTime() - 149 * DAY) }, now)).toBe(false);
    expect(reconfirmDueSoon({ ...r, confirmed_at: new Date(now.getTime() - 200 * DAY) }, now)).toBe(false);
  });

  it("publicity: state-funded with any negotiable mode, 15 days after listing", () => {
    expect(PUBLICITY_DAYS).toBe(15);
    const listed = new Date("2025-06-01T08:00:00Z");
    const r = { state_funded: true, listed_at: listed, modes: [{ price_fen: 100 }, { price_fen: null }] };
    expect(publicityEndsAt(r)).toEqual(new Date("2025-06-16T08:00:00Z"));
    expect(isInPublicity(r, new Date("2025-06-16T07:59:59Z"))).toBe(true);
    expect(isInPublicity(r, new Date("2025-06-16T08:00:00Z"))).toBe(false);
    expect(publicityEndsAt({ ...r, state_funded: false })).toBeNull();
    expect(publicityEndsAt({ ...r, modes: [{ price_fen: 100 }] })).toBeNull();
    expect(publicityEndsAt({ ...r, listed_at: null })).toBeNull();
  });

  it("the transition table allows exactly the issue's lifecycle", () => {
    const allowed = Object.fromEntries(RESULT_STATUSES.map((s) => [s, actionsFrom(s).sort()]));
    expect(allowed).toEqual({
      draft: ["submit", "withdraw"],
      pending_review: ["approve", "reject", "withdraw"],
      listed: ["reserve", "withdraw"],
      reserved: ["release", "transfer"],
      transferred: [],
      withdrawn: ["reopen"],
      rejected: ["submit", "withdraw"],
    });
  });
});

describeEachEngine("catalogue lifecycle", (db) => {
  let owner: SessionUser;
  let colleague: SessionUser;
  let stranger: SessionUser;
  let bureau: SessionUser;
  let enterprise: SessionUser;

  beforeAll(async () => {
    owner = await makeMember(db(), "institution");
    colleague = { ...(await makeMember(db(), "institution")), organisationId: owner.organisationId };
    stranger = await makeMember(db(), "institution");
    bureau = await makeMember(db(), "bureau");
    enterprise = await makeMember(db(), "enterprise");
  });

  /** A result brought to a status through the allowed path. */
  async function resultIn(status: ResultStatus): Promise<number> {
    const { id } = await createResult(db(), owner, sampleInput({ title: `成果-${status}-${Math.random()}` }));
    const path: Record<ResultStatus, TransitionAction[]> = {
      draft: [],
      pending_review: ["submit"],
      listed: ["submit", "approve"],
      reserved: ["submit", "approve", "reserve"],
      transferred: ["submit", "approve", "reserve", "transfer"],
      withdrawn: ["withdraw"],
      rejected: ["submit", "reject"],
    };
    for (const action of path[status]) {
      const by = TRANSITIONS[action].by;
      const actor = by === "owner" ? owner : by === "bureau" ? bureau : SYSTEM_ACTOR;
      await transition(db(), actor, id, action, { reason: "材料不全" });
    }
    return id;
  }

  it("creates a draft with its IP and modes, an audit row and an outbox row", async () => {
    const { id, status } = await createResult(db(), owner, sampleInput());
    expect(status).toBe("draft");
    const detail = await getOwnResult(db(), colleague, id);
    expect(detail).toMatchObject({ status: "draft", institution_id: owner.organisationId, title: sampleInput().title });
    expect(detail.modes).toEqual(sampleInput().modes);
    expect(detail.ip).toEqual(sampleInput().ip);
    expect(await auditRows(db(), id)).toEqual([{ action: "result.create", actor_user_id: owner.id, detail: { status: "draft" } }]);
    expect(await outboxVersion(db(), id)).toBe(1);
  });

  it("walks draft → pending_review → listed → reserved → transferred with timestamps, audit and outbox", async () => {
    const { id } = await createResult(db(), owner, sampleInput({ title: "全流程" }));
    const t0 = new Date("2025-03-01T02:00:00Z");
    await transition(db(), owner, id, "submit", { now: t0 });
    const approvedAt = new Date("2025-03-02T02:00:00Z");
    await approveResult(db(), bureau, id, { now: approvedAt });
    let row = await db().selectFrom("technology_results").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "listed", submitted_at: t0, listed_at: approvedAt, confirmed_at: approvedAt });
    await transition(db(), SYSTEM_ACTOR, id, "reserve");
    await transition(db(), enterprise, id, "transfer", { now: new Date("2025-04-01T00:00:00Z") });
    row = await db().selectFrom("technology_results").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.status).toBe("transferred");
    expect(row.transferred_at).toEqual(new Date("2025-04-01T00:00:00Z"));
    const audit = await auditRows(db(), id);
    expect(audit.map((a) => [a.action, a.actor_user_id])).toEqual([
      ["result.create", owner.id],
      ["result.submit", owner.id],
      ["result.approve", bureau.id],
      ["result.reserve", null],
      ["result.transfer", enterprise.id],
    ]);
    expect(audit[2].detail).toEqual({ from: "pending_review", to: "listed" });
    // One outbox row per result, bumped by every change.
    expect(await outboxVersion(db(), id)).toBe(5);
  });

  it("refuses every move not in the table, from every status, and writes nothing", async () => {
    const actions = Object.keys(TRANSITIONS) as TransitionAction[];
    for (const status of RESULT_STATUSES) {
      const id = await resultIn(status);
      for (const action of actions) {
        if (actionsFrom(status).includes(action)) continue;
        const by = TRANSITIONS[action].by;
        const actor = by === "owner" ? owner : by === "bureau" ? bureau : SYSTEM_ACTOR;
        const [auditBefore, outboxBefore] = [await auditRows(db(), id), await outboxVersion(db(), id)];
        const error = await refusal(transition(db(), actor, id, action, { reason: "理由" }));
        expect([status, action, error.kind]).toEqual([status, action, "conflict"]);
        expect(await auditRows(db(), id)).toEqual(auditBefore);
        expect(await outboxVersion(db(), id)).toBe(outboxBefore);
        const row = await db().selectFrom("technology_results").select("status").where("id", "=", id).executeTakeFirstOrThrow();
        expect(row.status).toBe(status);
      }
    }
  });

  it("lets only the owner's institution act on its results (forbidden otherwise)", async () => {
    const draft = await resultIn("draft");
    for (const [actor, action] of [
      [stranger, "submit"],
      [bureau, "submit"],
      [enterprise, "withdraw"],
    ] as const) {
      const error = await refusal(transition(db(), actor, draft, action));
      expect(error.kind).toBe("forbidden");
    }
    expect((await refusal(getOwnResult(db(), stranger, draft))).kind).toBe("forbidden");
    expect((await refusal(updateResult(db(), stranger, draft, sampleInput()))).kind).toBe("forbidden");
    const listed = await resultIn("listed");
    expect((await refusal(reconfirmResult(db(), stranger, listed))).kind).toBe("forbidden");
    // Reviewing is the bureau's: not the owner's, not an enterprise's.
    const pending = await resultIn("pending_review");
    expect((await refusal(approveResult(db(), owner, pending))).kind).toBe("forbidden");
    expect((await refusal(rejectResult(db(), enterprise, pending, "不行"))).kind).toBe("forbidden");
    // Checkout's moves are not the owner's.
    expect((await refusal(transition(db(), owner, listed, "reserve"))).kind).toBe("forbidden");
    expect((await refusal(transition(db(), owner, 987654321, "submit"))).kind).toBe("not_found");
    expect(await auditRows(db(), draft)).toHaveLength(1);
  });

  it("a colleague of the same institution may act; an enterprise cannot create results", async () => {
    const draft = await resultIn("draft");
    await transition(db(), colleague, draft, "submit");
    expect((await refusal(createResult(db(), enterprise, sampleInput()))).kind).toBe("forbidden");
  });

  it("rejects only with a reason; the owner edits and resubmits, which clears it", async () => {
    const id = await resultIn("pending_review");
    const blank = await refusal(rejectResult(db(), bureau, id, "   "));
    expect([blank.kind, blank.key, blank.field]).toEqual(["invalid", "catalogue.error.reasonRequired", "reason"]);
    expect((await auditRows(db(), id)).map((a) => a.action)).toEqual(["result.create", "result.submit"]);

    await rejectResult(db(), bureau, id, "  请补充第三方检测报告。 ");
    let row = await db().selectFrom("technology_results").select(["status", "rejection_reason"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "rejected", rejection_reason: "请补充第三方检测报告。" });
    expect((await auditRows(db(), id)).at(-1)).toMatchObject({ action: "result.reject", detail: { reason: "请补充第三方检测报告。" } });

    await updateResult(db(), owner, id, sampleInput({ summary: "已补充检测报告。" }), { submit: true });
    row = await db().selectFrom("technology_results").select(["status", "rejection_reason"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "pending_review", rejection_reason: null });
    const queue = await reviewQueue(db());
    expect(queue.items.find((i) => i.id === id)).toMatchObject({ resubmitted: true });
    const decisions = await recentDecisions(db());
    expect(decisions.find((d) => d.resultId === id)).toMatchObject({ action: "reject", reason: "请补充第三方检测报告。", reviewer: bureau.displayName });
  });

  it("edits replace IP and modes, only in draft or rejected", async () => {
    const id = await resultIn("draft");
    await updateResult(db(), owner, id, sampleInput({ modes: [{ mode: "equity", price_fen: null }], ip: [] }));
    const detail = await getOwnResult(db(), owner, id);
    expect(detail.modes).toEqual([{ mode: "equity", price_fen: null }]);
    expect(detail.ip).toEqual([]);
    const listed = await resultIn("listed");
    const error = await refusal(updateResult(db(), owner, listed, sampleInput()));
    expect(error).toMatchObject({ kind: "conflict", key: "catalogue.error.notEditable" });
  });

  it("withdrawn results can be reopened as drafts", async () => {
    const id = await resultIn("listed");
    await transition(db(), owner, id, "withdraw");
    await transition(db(), owner, id, "reopen");
    const row = await db().selectFrom("technology_results").select("status").where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.status).toBe("draft");
  });

  it("re-confirm sets confirmed_at = now for listed results and brings a stale one back", async () => {
    const id = await resultIn("listed");
    const longAgo = new Date(Date.now() - 200 * DAY);
    await db().updateTable("technology_results").set({ listed_at: longAgo, confirmed_at: longAgo }).where("id", "=", id).execute();
    let page = await listInstitutionResults(db(), owner.organisationId, { status: "stale" });
    expect(page.rows.map((r) => r.id)).toContain(id);
    const before = await outboxVersion(db(), id);
    const now = new Date();
    await reconfirmResult(db(), owner, id, { now });
    const row = await db().selectFrom("technology_results").select(["confirmed_at", "listed_at", "status"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.confirmed_at).toEqual(now);
    expect(isStale(row, now)).toBe(false);
    expect(await outboxVersion(db(), id)).toBe((before ?? 0) + 1);
    expect((await auditRows(db(), id)).at(-1)?.action).toBe("result.reconfirm");
    page = await listInstitutionResults(db(), owner.organisationId, { status: "stale" });
    expect(page.rows.map((r) => r.id)).not.toContain(id);
    // Nothing to re-confirm on a draft.
    expect((await refusal(reconfirmResult(db(), owner, await resultIn("draft")))).kind).toBe("conflict");
  });

  it("lists an institution's results with counts per status", async () => {
    const mine = await listInstitutionResults(db(), owner.organisationId);
    const total = Object.entries(mine.counts)
      .filter(([s]) => s !== "stale")
      .reduce((n, [, c]) => n + c, 0);
    expect(mine.total).toBe(total);
    expect(mine.rows.every((r) => r.modes.length > 0)).toBe(true);
    expect((await listInstitutionResults(db(), stranger.organisationId)).total).toBe(0);
    const drafts = await listInstitutionResults(db(), owner.organisationId, { status: "draft" });
    expect(drafts.rows.every((r) => r.status === "draft")).toBe(true);
  });

  it("a failure inside the transaction leaves neither the change, nor the audit row, nor the outbox row", async () => {
    const id = await resultIn("pending_review");
    const [audit, outbox] = [await auditRows(db(), id), await outboxVersion(db(), id)];
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await approveResult(trx, bureau, id);
          throw new Error("boom after the approval");
        }),
    ).rejects.toThrow("boom");
    const row = await db().selectFrom("technology_results").select(["status", "listed_at"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "pending_review", listed_at: null });
    expect(await auditRows(db(), id)).toEqual(audit);
    expect(await outboxVersion(db(), id)).toBe(outbox);
  });

  it("only one of two racing reviewers wins", async () => {
    const id = await resultIn("pending_review");
    const outcomes = await Promise.allSettled([approveResult(db(), bureau, id), rejectResult(db(), bureau, id, "重复")]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const decisions = (await auditRows(db(), id)).filter((a) => a.action === "result.approve" || a.action === "result.reject");
    expect(decisions).toHaveLength(1);
  });
});
