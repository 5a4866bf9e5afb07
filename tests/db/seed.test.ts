import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { creditCodeProblem } from "../../app/services/accounts/credit-code";
import { verifyPassword } from "../../app/services/accounts/passwords";
import { REGIONS } from "../../app/services/accounts/regions";
import { ledgerCheck } from "../../app/services/ledger";
import { institutionSettlement } from "../../app/services/payouts";
import { listApplications, listBatches, listRelatedParties, listSpotChecks, reimbursementOverview, suspectedRelatedParties } from "../../app/services/vouchers";
import { FIELD_CODES } from "../../db/schema";
import { patentCheckDigit } from "../../db/seed/codes";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, isDatabaseEmpty, SeedError, seedDemo, type SeedSummary } from "../../db/seed";
import { SEED_STEPS } from "../../db/seed/steps";
import { describeEachEngine } from "../helpers/db";

// The seed runs once per engine; every test reads what it made.
const NOW = new Date("2026-03-01T08:00:00Z");
const STALE_BEFORE = new Date(NOW.getTime() - 180 * 86_400_000);

describeEachEngine("demo seed", (db) => {
  let emptyBefore: boolean | undefined;
  let summary: SeedSummary;
  const progress: { step: string; done: number; total: number }[] = [];

  beforeAll(async () => {
    emptyBefore = await isDatabaseEmpty(db());
    summary = await seedDemo(db(), { now: NOW, onProgress: (step, done, total) => progress.push({ step, done, total }) });
  });

  it("seeds only an empty database, and then it is no longer empty", async () => {
    expect(emptyBefore).toBe(true);
    expect(await isDatabaseEmpty(db())).toBe(false);
    const before = await db().selectFrom("organisations").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    await expect(seedDemo(db(), { now: NOW })).rejects.toThrow(SeedError);
    const after = await db().selectFrom("organisations").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("reports progress per step, ending each at its total, and a summary with counts and timings", () => {
    expect(summary.steps.map((s) => s.name)).toEqual(SEED_STEPS.map((s) => s.name));
    for (const step of summary.steps) {
      const last = progress.filter((p) => p.step === step.name).at(-1);
      expect(last && last.done === last.total && last.total > 0).toBe(true);
      expect(step.ms).toBeGreaterThanOrEqual(0);
    }
    expect(summary.counts.listedResults).toBeGreaterThanOrEqual(2000);
    expect(summary.elapsedMs).toBeGreaterThan(0);
  });

  it("has at least 2,000 listed results, current (confirmed within 180 days), across all ten fields and TRL 1–9", async () => {
    const { rows } = await sql<{ field: string; listed: number; fresh: number }>`
      select field, count(*)::int as listed, count(*) filter (where confirmed_at >= ${STALE_BEFORE})::int as fresh
      from technology_results where status = 'listed' group by field`.execute(db());
    expect(rows.map((r) => r.field).sort()).toEqual([...FIELD_CODES].sort());
    expect(rows.reduce((n, r) => n + r.listed, 0)).toBeGreaterThanOrEqual(2000);
    expect(rows.reduce((n, r) => n + r.fresh, 0)).toBeGreaterThanOrEqual(2000);
    for (const r of rows) expect(r.listed, r.field).toBeGreaterThanOrEqual(100);

    const trls = await db().selectFrom("technology_results").select("trl").distinct().orderBy("trl").execute();
    expect(trls.map((r) => r.trl)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("keeps every result's timeline in order and before the reference time", async () => {
    const { rows } = await sql<{ bad: number }>`
      select count(*)::int as bad from technology_results
      where created_at > updated_at or created_at > ${NOW} or updated_at > ${NOW}
         or (submitted_at is not null and submitted_at < created_at)
         or (listed_at is not null and (submitted_at is null or listed_at < submitted_at))
         or (confirmed_at is not null and confirmed_at < listed_at)
         or (status = 'listed' and listed_at < ${new Date(NOW.getTime() - 731 * 86_400_000)})`.execute(db());
    expect(rows[0].bad).toBe(0);
  });

  it("has results for the review queue and the researcher's own pages in every other status", async () => {
    const byStatus = await db()
      .selectFrom("technology_results")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("status")
      .execute();
    const counts = Object.fromEntries(byStatus.map((r) => [r.status, r.n]));
    for (const status of ["pending_review", "draft", "withdrawn", "rejected"]) expect(counts[status], status).toBeGreaterThan(0);

    const unexplained = await db()
      .selectFrom("technology_results")
      .select("id")
      .where("status", "=", "rejected")
      .where((eb) => eb.or([eb("rejection_reason", "is", null), eb("rejection_reason", "=", "")]))
      .execute();
    expect(unexplained).toEqual([]);

    const mine = await db()
      .selectFrom("technology_results as r")
      .innerJoin("users as u", "u.id", "r.created_by")
      .where("u.email", "=", "researcher@demo.cn")
      .select("r.status")
      .distinct()
      .execute();
    expect(mine.map((r) => r.status).sort()).toEqual(["draft", "listed", "pending_review", "rejected", "withdrawn"]);
  });

  it("prices in whole fen, several modes for many results, some negotiable", async () => {
    const { rows } = await sql<{ results: number; without_modes: number; multi: number; negotiable: number; bad_price: number; min_transfer: number; max_transfer: number }>`
      with per as (select r.id, count(m.mode)::int as modes from technology_results r left join result_modes m on m.result_id = r.id group by r.id)
      select (select count(*)::int from per) as results,
             (select count(*)::int from per where modes = 0) as without_modes,
             (select count(*)::int from per where modes >= 2) as multi,
             (select count(*)::int from result_modes where price_fen is null) as negotiable,
             (select count(*)::int from result_modes where price_fen is not null and (price_fen <= 0 or price_fen % 100 <> 0)) as bad_price,
             (select min(price_fen) from result_modes where mode in ('assignment', 'exclusive_license', 'sole_license', 'nonexclusive_license')) as min_transfer,
             (select max(price_fen) from result_modes where mode in ('assignment', 'exclusive_license', 'sole_license', 'nonexclusive_license')) as max_transfer`.execute(db());
    const r = rows[0];
    expect(r.without_modes).toBe(0);
    expect(r.multi).toBeGreaterThan(r.results / 3);
    expect(r.negotiable).toBeGreaterThan(100);
    expect(r.bad_price).toBe(0);
    expect(Number(r.min_transfer)).toBeGreaterThanOrEqual(50_000 * 100);
    expect(Number(r.max_transfer)).toBeLessThanOrEqual(5_000_000 * 100);
  });

  it("gives IP items unique numbers in the official formats, patents with a correct check digit", async () => {
    const items = await db().selectFrom("result_ip_items").select(["type", "number", "status"]).execute();
    expect(new Set(items.map((i) => i.type)).size).toBeGreaterThanOrEqual(6);
    const numbers = items.flatMap((i) => (i.number ? [i.number] : []));
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const item of items) {
      if (item.type === "trade_secret") {
        expect(item.number).toBeNull();
      } else if (item.type === "invention_patent" || item.type === "utility_model" || item.type === "design_patent") {
        const m = /^(ZL)?(\d{12})\.([\dX])$/.exec(item.number ?? "");
        expect(m, item.number ?? "null").not.toBeNull();
        expect(m?.[3]).toBe(patentCheckDigit(m?.[2] ?? ""));
        expect(Boolean(m?.[1])).toBe(item.status === "granted");
      } else if (item.type === "software_copyright") {
        expect(item.number).toMatch(/^20\d\dSR\d{7}$/);
      }
    }
  });

  it("has ≥ 30 institutions and ≥ 200 enterprises in every Luoyang district, all with valid credit codes", async () => {
    const orgs = await db().selectFrom("organisations").select(["kind", "institution_type", "credit_code", "region", "name"]).execute();
    const institutions = orgs.filter((o) => o.kind === "institution");
    const enterprises = orgs.filter((o) => o.kind === "enterprise");
    expect(institutions.length).toBeGreaterThanOrEqual(30);
    expect(new Set(institutions.map((o) => o.institution_type))).toEqual(new Set(["university", "institute"]));
    expect(enterprises.length).toBeGreaterThanOrEqual(200);
    expect(new Set(enterprises.map((o) => o.region))).toEqual(new Set(REGIONS.filter((r) => r !== "other")));
    for (const o of orgs) {
      if (o.credit_code === null) continue;
      expect(creditCodeProblem(o.credit_code), `${o.name} ${o.credit_code}`).toBeNull();
    }
    for (const o of institutions) expect(o.credit_code?.slice(0, 2), o.name).toBe("12");
    for (const o of enterprises) expect(o.credit_code?.slice(0, 6), o.name).toBe("914103"); // 91 企业, 4103 Luoyang
    expect(new Set(orgs.map((o) => o.name)).size).toBe(orgs.length);
    expect(orgs.filter((o) => o.kind === "bureau").map((o) => o.name)).toEqual(["洛阳市科学技术局"]);
    expect(orgs.filter((o) => o.kind === "operator").map((o) => o.name)).toEqual(["洛阳科技大市场运营有限公司"]);
  });

  it("creates one demo login per role that verifies with the demo password, and users for every institution", async () => {
    expect(summary.logins.map((l) => [l.role, l.email, l.password])).toEqual(DEMO_ACCOUNTS.map((a) => [a.role, a.email, DEMO_PASSWORD]));
    for (const login of summary.logins) {
      const user = await db()
        .selectFrom("users")
        .innerJoin("organisations", "organisations.id", "users.organisation_id")
        .select(["users.id", "users.password_hash", "organisations.kind", "organisations.name"])
        .where("users.email", "=", login.email)
        .executeTakeFirstOrThrow();
      expect(user.kind).toBe(login.role);
      expect(user.id).toBe(login.userId);
      expect(user.name).toBe(login.organisation);
      expect(await verifyPassword(user.password_hash, DEMO_PASSWORD)).toBe(true);
      expect(await verifyPassword(user.password_hash, "demo12345?")).toBe(false);
    }
    const lonely = await db()
      .selectFrom("organisations as o")
      .leftJoin("users as u", "u.organisation_id", "o.id")
      .where("o.kind", "=", "institution")
      .where("u.id", "is", null)
      .select("o.name")
      .execute();
    expect(lonely).toEqual([]);
    const enterpriseUsers = await db()
      .selectFrom("users")
      .innerJoin("organisations", "organisations.id", "users.organisation_id")
      .where("organisations.kind", "=", "enterprise")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(enterpriseUsers.n).toBeGreaterThanOrEqual(50);
  });

  it("dates nothing after its reference time, except what is meant to lie ahead (expiries, deadlines)", async () => {
    const columns = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
       where table_schema = current_schema() and data_type = 'timestamp with time zone'
       order by table_name, column_name`.execute(db());
    const ahead = ["orders.expires_at", "result_reservations.expires_at", "vouchers.expires_at"];
    // When the market wrote it down, not when it happened: the seed's own run (decision 0020).
    const recorded = ["audit_log.created_at", "ledger_accounts.created_at", "ledger_transactions.created_at", "search_outbox.available_at", "search_outbox.changed_at"];
    const later: string[] = [];
    for (const { table_name, column_name } of columns.rows) {
      if ([...ahead, ...recorded].includes(`${table_name}.${column_name}`)) continue;
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)} where ${sql.ref(column_name)} > ${NOW}`.execute(db());
      if (rows[0].n > 0) later.push(`${table_name}.${column_name}: ${rows[0].n}`);
    }
    expect(later).toEqual([]);
  });

  it("has a trade history on a ledger that checks clean: voucher + card and voucher + bank sales, refunds, open transfers, payouts", async () => {
    const { counts } = summary;
    expect(counts.completedOrders).toBeGreaterThanOrEqual(250);
    expect(counts.voucherOrders).toBeGreaterThanOrEqual(100);
    expect(counts.cardOrders).toBeGreaterThan(50);
    expect(counts.bankOrders).toBeGreaterThan(50);
    expect(counts.refundedOrders).toBeGreaterThan(0);
    expect(counts.pendingTransfers).toBeGreaterThan(0);
    expect(counts.payouts).toBeGreaterThan(0);
    // Invoices: most paid orders have one asked for, most of those issued, some still due.
    expect(counts.invoicesRequested).toBeGreaterThan(counts.completedOrders / 2);
    expect(counts.invoicesIssued).toBeGreaterThan(counts.invoicesRequested / 2);
    expect(counts.invoicesIssued).toBeLessThan(counts.invoicesRequested);
    // The bureau has applications to decide, made in the last days.
    expect(counts.pendingApplications).toBe(6);
    const pending = await listApplications(db(), { status: "pending" });
    expect(pending).toHaveLength(6);
    expect(pending.every((a) => a.createdAt > new Date(NOW.getTime() - 7 * 86_400_000) && a.createdAt < NOW)).toBe(true);
    // One voucher revoked after a spot check, not the demo enterprise's (its wallet is for trying a checkout).
    expect(counts.revokedVouchers).toBe(1);
    const revoked = await db()
      .selectFrom("vouchers as v")
      .innerJoin("ledger_transactions as t", (join) => join.onRef("t.voucher_id", "=", "v.id").on("t.kind", "=", "voucher_revocation"))
      .select(["v.enterprise_id", "t.id"])
      .where("v.status", "=", "revoked")
      .execute();
    expect(revoked).toHaveLength(1); // with money returned to the programme
    expect(revoked[0].enterprise_id).not.toBe(summary.logins.find((l) => l.role === "enterprise")?.organisationId);
    // The relationship that check found is recorded; another pair waits on the related-party page as suspected.
    expect(counts.relatedParties).toBe(1);
    const [related] = await listRelatedParties(db());
    expect(related).toMatchObject({ enterpriseId: revoked[0].enterprise_id, relation: "spin_off" });
    expect(related.completedOrders).toBeGreaterThan(0);
    const suspected = await suspectedRelatedParties(db());
    expect(suspected.map((s) => s.signals.map((g) => g.signal))).toEqual([["inventor"]]);
    expect(suspected[0].completedVoucherFen).toBeGreaterThan(0);
    // A spot check half reviewed: the recorded pair's purchases drawn and found irregular, some random ones compliant.
    expect(counts.spotChecks).toBe(1);
    // Payee accounts: most institutions have one, in their own name; two have none and one changed lately.
    expect(counts).toMatchObject({ payeesMissing: 2, payeesChangedLately: 1 });
    const payees = await db()
      .selectFrom("payee_accounts as a")
      .innerJoin("organisations as o", "o.id", "a.organisation_id")
      .select(["o.kind", "o.name", "a.account_name"])
      .execute();
    expect(payees.length).toBe(counts.payees);
    expect(payees.every((p) => p.kind === "institution" && p.account_name === p.name)).toBe(true);
    const [check] = await listSpotChecks(db(), summary.logins.find((l) => l.role === "bureau")?.organisationId ?? 0);
    expect(check.drawn).toBeGreaterThanOrEqual(20);
    expect(check.reviewed).toBeGreaterThan(check.irregular);
    expect(check.reviewed).toBeLessThan(check.drawn);
    expect(check.irregular).toBe(related.completedOrders);
    // Reimbursement (兑付) every two months, each batch paid; the last weeks' redemptions still wait, none for years.
    expect(counts.reimbursementBatches).toBeGreaterThanOrEqual(2);
    const batches = await listBatches(db(), summary.logins.find((l) => l.role === "bureau")?.organisationId ?? 0);
    expect(batches).toHaveLength(counts.reimbursementBatches);
    expect(batches.every((b) => b.status === "paid" && b.createdAt < new Date(NOW.getTime() - 45 * 86_400_000))).toBe(true);
    const waiting = (await reimbursementOverview(db(), summary.logins.find((l) => l.role === "bureau")?.organisationId ?? 0)).filter((r) => r.owedFen > 0);
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.filter((r) => r.waitingSince === null || r.waitingSince < new Date(NOW.getTime() - 120 * 86_400_000))).toEqual([]);
    const byMethod = await db()
      .selectFrom("orders")
      .select(["payment_method", (eb) => eb.fn.countAll<number>().as("n")])
      .where("status", "=", "completed")
      .where("voucher_part_fen", ">", 0)
      .where("contract_id", "is not", null)
      .groupBy("payment_method")
      .execute();
    expect(Object.fromEntries(byMethod.map((r) => [r.payment_method, Number(r.n) > 0]))).toMatchObject({ card: true, bank_transfer: true });
    // Every posting is dated when its event happened in the seeded history (none on the day the seed ran, after NOW),
    // so wallets and the voucher statistics show months of movements.
    const dated = await db()
      .selectFrom("ledger_transactions")
      .select([
        (eb) => eb.fn.max("effective_at").as("last"),
        sql<number>`count(distinct (effective_at at time zone 'Asia/Shanghai')::date)`.as("days"),
      ])
      .executeTakeFirstOrThrow();
    expect(new Date(dated.last as Date).getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(Number(dated.days)).toBeGreaterThanOrEqual(100);
    // Spread over the whole history: the operator's "last 30 days" has deals too.
    const recent = await db()
      .selectFrom("orders")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", "completed")
      .where("paid_at", ">=", new Date(NOW.getTime() - 30 * 86_400_000))
      .executeTakeFirstOrThrow();
    expect(Number(recent.n)).toBeGreaterThanOrEqual(20);
    // The demo institution sees both what the platform paid it and what it still owes.
    const demo = summary.logins.find((l) => l.role === "institution");
    const settlement = demo ? await institutionSettlement(db(), demo.organisationId) : null;
    expect(settlement?.paidFen).toBeGreaterThan(0);
    expect(settlement?.owedFen).toBeGreaterThan(0);
    const report = await ledgerCheck(db());
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
