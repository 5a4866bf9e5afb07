import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { turnoverGroups, turnoverSummary } from "../../app/services/stats/turnover";
import { CONTRACT_TYPES, FIELD_CODES, SELLER_TYPES } from "../../db/schema";
import { seedDemo, type SeedSummary } from "../../db/seed";
import { contractsStep } from "../../db/seed/contracts";
import { organisationsStep } from "../../db/seed/organisations";
import { usersStep } from "../../db/seed/users";
import { describeEachEngine } from "../helpers/db";

const NOW = new Date("2026-03-01T08:00:00Z");

describeEachEngine("demo seed: registered contracts", (db) => {
  let summary: SeedSummary;
  beforeAll(async () => {
    summary = await seedDemo(db(), { now: NOW, steps: [organisationsStep, usersStep, contractsStep] });
  });

  it("registers at least 3,000 contracts over three full years, growing every year, plus this year to date", async () => {
    expect(summary.counts.contracts).toBeGreaterThanOrEqual(3_000);
    const years = await Promise.all([2023, 2024, 2025].map((y) => turnoverSummary(db(), { from: `${y}-01-01`, to: `${y}-12-31` })));
    expect(years.reduce((n, y) => n + y.contracts, 0)).toBeGreaterThanOrEqual(3_000);
    expect(years[0].growth.amount_pct).toBeNull();
    for (const y of years.slice(1)) {
      expect(y.growth.contracts_pct).toBeGreaterThan(5);
      expect(y.growth.amount_pct).toBeGreaterThan(5);
    }
    const ytd = await turnoverSummary(db(), { from: "2026-01-01", to: "2026-03-01" });
    expect(ytd.contracts).toBeGreaterThan(0);
    const { rows } = await sql<{ latest: string; future: number }>`
      select max(signed_on)::text as latest, count(*) filter (where registered_at > ${NOW})::int as future from contracts`.execute(db());
    expect(rows[0].latest <= "2026-03-01").toBe(true);
    expect(rows[0].future).toBe(0);
  });

  it("covers every field, contract type and seller type, with a December peak and a Spring Festival dip", async () => {
    const range = { from: "2025-01-01", to: "2025-12-31" };
    for (const [groupBy, codes] of [
      ["field", FIELD_CODES],
      ["type", CONTRACT_TYPES],
      ["seller_type", SELLER_TYPES],
    ] as const) {
      const groups = await turnoverGroups(db(), range, groupBy);
      expect(groups.filter((g) => g.contracts > 0).map((g) => g.key).sort()).toEqual([...codes].sort());
    }
    const months = await turnoverGroups(db(), range, "month");
    const counts = months.map((m) => m.contracts);
    expect(Math.max(...counts)).toBe(counts[11]);
    expect(Math.min(...counts)).toBe(counts[1]);
    const regions = await turnoverGroups(db(), range, "buyer_region");
    expect(regions.length).toBeGreaterThan(10);
  });

  it("links parties to seeded organisations, numbers certificates by registration year, and audit-logs its voids", async () => {
    const { rows } = await sql<{ linked: number; total: number; voided: number; logged: number; badCert: number }>`
      select count(*) filter (where seller_organisation_id is not null)::int as linked, count(*)::int as total,
        count(*) filter (where status = 'voided')::int as voided,
        (select count(*) from audit_log where action = 'contract.void')::int as logged,
        count(*) filter (where certificate_no !~ ('^' || to_char(registered_at at time zone 'Asia/Shanghai', 'YYYY') || '410300\\d{6,}$'))::int
          as "badCert"
      from contracts`.execute(db());
    const r = rows[0];
    expect(r.linked / r.total).toBeGreaterThan(0.8);
    expect(r.voided).toBeGreaterThan(0);
    expect(r.logged).toBe(r.voided);
    expect(r.badCert).toBe(0);
  });
});
