import { parseArgs } from "node:util";
import { sql, type Kysely } from "kysely";
import postgres from "postgres";
import { EnvError, env } from "../app/env.server";
import { addDays } from "../app/services/contracts/calendar";
import { previousYearRange, type DateRange } from "../app/services/stats/range";
import { listingFunnel, turnoverBySeller, turnoverGroups, turnoverSummary } from "../app/services/stats/turnover";
import { openDatabase } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import type { DB } from "../db/schema";

// `npm run bench:dashboard`: on the PostgreSQL server at DATABASE_URL, creates a fresh database of its own, registers
// 1,000,000 contracts through the real INSERT path (the migration's triggers assign certificate numbers and keep the
// rollups, as for any registration), voids 0.1% of them through the real UPDATE path, then times every dashboard
// query over one-year ranges. After loading it runs VACUUM ANALYZE, as autovacuum would after a bulk load. The
// database is dropped at the end (--keep keeps it). Last line: one JSON summary.

const USAGE = "usage: DATABASE_URL=postgres://… npm run bench:dashboard [-- --contracts 1000000 --rounds 40 --keep]";

const FIRST_DAY = "2021-01-01";
const DAYS = 5 * 365 + 1; // 2021-01-01 … 2025-12-31
const CHUNK = 100_000;

const REGIONS = [
  "涧西区", "西工区", "老城区", "瀍河回族区", "洛龙区", "偃师区", "孟津区", "洛阳高新区", "伊滨区", "新安县", "宜阳县", "伊川县",
  "汝阳县", "嵩县", "栾川县", "洛宁县", "郑州市", "河南省其他地市", "北京市", "上海市", "天津市", "江苏省", "浙江省", "广东省",
  "山东省", "陕西省", "湖北省", "四川省", "安徽省", "境外",
];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function generate(db: Kysely<DB>, contracts: number): Promise<void> {
  const regions = sql.raw(`array[${REGIONS.map((r) => `'${r}'`).join(",")}]`);
  // Universities and institutes need a credit code; the funnel needs technology results to count.
  await sql`
    insert into organisations (kind, institution_type, name, credit_code)
    select 'institution', case when i % 2 = 0 then 'university' else 'institute' end, '测试院所' || i, lpad(i::text, 18, '0')
    from generate_series(1, 40) i`.execute(db);
  await sql`
    insert into technology_results (institution_id, title, summary, field, trl, status, listed_at, transferred_at)
    select (select min(id) from organisations) + (i % 40), '成果' || i, '基准测试成果', 'new_materials', 1 + i % 9,
      case when i % 12 = 0 then 'transferred' else 'listed' end, l,
      case when i % 12 = 0 then l + (10 + (i % 300)) * interval '1 day' end
    from (select i, timestamptz '2021-01-01 08:00+08' + (i % 1800) * interval '1 day' as l from generate_series(1, 60000) i) r`.execute(db);

  // Growth: signing dates are denser in later years (square-root skew); values log-normal around 600,000 yuan.
  for (let lo = 1; lo <= contracts; lo += CHUNK) {
    const hi = Math.min(contracts, lo + CHUNK - 1);
    const started = performance.now();
    await sql`
      insert into contracts (contract_no, signed_on, type, field, seller, seller_type, buyer, buyer_region, amount_fen,
        technical_income_fen, source)
      select 'BENCH-' || g, day,
        case when rt < 0.36 then 'development' when rt < 0.66 then 'service' when rt < 0.76 then 'consulting'
          when rt < 0.90 then 'transfer' else 'license' end,
        (array['electronic_information', 'biomedicine', 'aerospace', 'new_materials', 'hightech_services', 'new_energy',
          'resources_environment', 'advanced_manufacturing', 'modern_agriculture', 'urban_social'])[1 + f],
        '卖方' || lpad(s::text, 4, '0'),
        case when s % 20 < 4 then 'university' when s % 20 < 8 then 'institute' when s % 20 < 19 then 'enterprise'
          else 'other' end,
        '买方' || (g % 50000), (${regions})[1 + reg], amount, floor(amount * (0.7 + 0.3 * random()))::bigint, 'import'
      from (
        select g,
          (${FIRST_DAY}::date + floor(${DAYS} * sqrt(random()))::int) as day,
          random() as rt,
          floor(random() * 10)::int as f,
          floor(random() * 3000)::int as s,
          floor(${REGIONS.length} * random() * random())::int as reg,
          least(30000000000, greatest(500000,
            floor(exp(ln(60000000) + 1.2 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))))::bigint as amount
        from generate_series(${lo}::bigint, ${hi}::bigint) g
      ) x`.execute(db);
    console.log(`  registered ${hi.toLocaleString("en")} contracts (${Math.round(performance.now() - started)} ms for this batch)`);
  }
  const voidStarted = performance.now();
  await sql`update contracts set status = 'voided', void_reason = '基准测试作废', voided_at = now() where id % 1000 = 0`.execute(db);
  console.log(`  voided 0.1% in one statement (${Math.round(performance.now() - voidStarted)} ms)`);
  // The steady state autovacuum reaches after a bulk load: statistics, and a visibility map for index-only scans.
  await sql`vacuum analyze`.execute(db);
}

/** The rollups must equal a direct aggregate: checked once on the whole table before timing anything. */
async function checkRollups(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select (select (count(*)::numeric, sum(amount_fen), sum(technical_income_fen)) from contracts where status = 'registered')
      is not distinct from
      (select (sum(contracts), sum(amount_fen), sum(technical_income_fen)) from contract_stats_daily) as ok`.execute(db);
  const monthly = await sql<{ ok: boolean }>`
    select (select (sum(contracts), sum(amount_fen)) from contract_stats_daily)
      is not distinct from (select (sum(contracts), sum(amount_fen)) from contract_stats_monthly)
      and (select (sum(contracts), sum(amount_fen)) from contract_stats_monthly)
      is not distinct from (select (sum(contracts), sum(amount_fen)) from contract_seller_monthly) as ok`.execute(db);
  return rows[0].ok && monthly.rows[0].ok;
}

type Query = { name: string; run: (db: Kysely<DB>, range: DateRange) => Promise<unknown> };

// Exactly what the dashboard loader runs (app/services/stats/turnover.ts `dashboard`), one query at a time.
const QUERIES: Query[] = [
  { name: "summary (with previous year)", run: turnoverSummary },
  { name: "by month", run: (db, r) => turnoverGroups(db, r, "month") },
  { name: "by month, previous year", run: (db, r) => turnoverGroups(db, previousYearRange(r), "month") },
  { name: "by field", run: (db, r) => turnoverGroups(db, r, "field") },
  { name: "by type", run: (db, r) => turnoverGroups(db, r, "type") },
  { name: "by seller type", run: (db, r) => turnoverGroups(db, r, "seller_type") },
  { name: "by buyer region", run: (db, r) => turnoverGroups(db, r, "buyer_region") },
  { name: "by seller (all sellers)", run: (db, r) => turnoverBySeller(db, r) },
  { name: "listing funnel", run: listingFunnel },
];

/** One-year ranges inside the data: every fifth starts on 1 January, the rest on any day (partial months at both ends). */
function yearRanges(rounds: number): DateRange[] {
  const out: DateRange[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < rounds; i++) {
    const from = i % 5 === 0 ? `${2022 + (i % 4)}-01-01` : addDays("2022-01-01", Math.floor(next() * (3 * 365)));
    out.push({ from, to: addDays(from, 364) });
  }
  return out;
}

async function main(): Promise<number> {
  let options: { contracts?: string; rounds?: string; keep?: boolean };
  try {
    ({ values: options } = parseArgs({
      options: { contracts: { type: "string" }, rounds: { type: "string" }, keep: { type: "boolean" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`bench:dashboard: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const url = env().DATABASE_URL;
  if (!url) {
    console.error(`bench:dashboard: DATABASE_URL is not set; the benchmark runs on a PostgreSQL server only.\n${USAGE}`);
    return 2;
  }
  const contracts = Number(options.contracts ?? 1_000_000);
  const rounds = Number(options.rounds ?? 40);
  if (!Number.isSafeInteger(contracts) || contracts < 1 || !Number.isSafeInteger(rounds) || rounds < 1) {
    console.error(`bench:dashboard: --contracts and --rounds must be positive integers\n${USAGE}`);
    return 2;
  }

  const name = `market_bench_dashboard_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${name}`;
  const handle = await openDatabase({ url: benchUrl.toString(), maxConnections: 4 });
  try {
    const { rows: version } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(handle.db);
    console.log(`bench:dashboard: PostgreSQL ${version[0].v}, fresh database ${name}`);
    await migrateToLatest(handle.db);
    const loadStarted = performance.now();
    await generate(handle.db, contracts);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const { rows: sizes } = await sql<{ contracts: number; daily: number; monthly: number; sellers: number }>`
      select (select count(*) from contracts)::bigint as contracts, (select count(*) from contract_stats_daily)::bigint as daily,
        (select count(*) from contract_stats_monthly)::bigint as monthly, (select count(*) from contract_seller_monthly)::bigint as sellers`.execute(
      handle.db,
    );
    const consistent = await checkRollups(handle.db);
    console.log(
      `  loaded in ${loadSeconds.toFixed(1)} s: ${sizes[0].contracts.toLocaleString("en")} contracts; rollup rows: daily ${sizes[0].daily.toLocaleString("en")}, ` +
        `monthly ${sizes[0].monthly.toLocaleString("en")}, seller-monthly ${sizes[0].sellers.toLocaleString("en")}; rollups equal the contracts: ${consistent ? "yes" : "NO"}`,
    );
    if (!consistent) return 1;

    const ranges = yearRanges(rounds);
    // Warm-up: one pass so the first measured query does not pay for cold caches and plan setup.
    for (const q of QUERIES) await q.run(handle.db, ranges[0]);
    const all: number[] = [];
    const perQuery = new Map<string, number[]>(QUERIES.map((q) => [q.name, []]));
    for (const range of ranges) {
      for (const q of QUERIES) {
        const started = performance.now();
        await q.run(handle.db, range);
        const ms = performance.now() - started;
        all.push(ms);
        perQuery.get(q.name)?.push(ms);
      }
    }
    console.log(`  ${rounds} one-year ranges × ${QUERIES.length} dashboard queries:`);
    for (const [queryName, times] of perQuery) {
      const sorted = [...times].sort((a, b) => a - b);
      console.log(`    ${queryName.padEnd(30)} p50 ${round1(percentile(sorted, 50)).toFixed(1).padStart(7)} ms   p95 ${round1(percentile(sorted, 95)).toFixed(1).padStart(7)} ms   max ${round1(sorted[sorted.length - 1]).toFixed(1).padStart(7)} ms`);
    }
    const sorted = [...all].sort((a, b) => a - b);
    console.log(
      JSON.stringify({ bench: "dashboard", contracts: sizes[0].contracts, p50_ms: round1(percentile(sorted, 50)), p95_ms: round1(percentile(sorted, 95)) }),
    );
    return 0;
  } finally {
    await handle.close();
    if (!options.keep) await admin.unsafe(`drop database if exists ${name} with (force)`);
    else console.error(`bench:dashboard: kept database ${name}`);
    await admin.end();
  }
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error instanceof EnvError ? error.message : `bench:dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
