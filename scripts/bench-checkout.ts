// npm run bench:checkout [-- --seconds 20 --warmup 3 --buyers 32 --keep]
//
// Completed checkouts per second on a PostgreSQL server (DATABASE_URL), against pgbench's built-in TPC-B on the same
// server as the baseline, then ledgerCheck. The bench makes its own fresh databases next to DATABASE_URL's (the
// configured database itself is never touched) and drops them at the end unless --keep.
//
// One checkout is the whole path a buyer and Stripe take: startCheckout (voucher hold + order) → the Checkout
// Session's id recorded on the order → checkout.session.completed delivered to the webhook handler as Stripe sends it
// (body signed with the endpoint secret, signature verified) → markOrderPaid (voucher redeemed, card payment and fee
// posted, contract registered). Buyers are distinct enterprises, each with its own voucher, buying non-exclusive
// licences of random listings. The last line is the JSON summary.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { createResult, transition } from "../app/services/catalogue/lifecycle";
import { attachStripeSession, startCheckout } from "../app/services/checkout";
import { ledgerCheck } from "../app/services/ledger";
import { handleStripeWebhook, type WebhookLogger } from "../app/services/payments/webhook";
import { approveApplication, applyForVoucher, createProgramme } from "../app/services/vouchers";
import { openDatabase, type Database } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { FIELD_CODES, type TransferMode } from "../db/schema";
import { checkoutSessionObject, stripeEventPayload, stripeSignatureHeader, TEST_WEBHOOK_SECRET } from "../tests/helpers/stripe-signing";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    buyers: { type: "string", default: "32" },
    listings: { type: "string", default: "400" },
    keep: { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const WARMUP_SECONDS = Number(args.warmup);
const BUYERS = Number(args.buyers);
const LISTINGS = Number(args.listings);
const PRICE_FEN = 1_000_000; // ¥10,000 a licence
const VOUCHER_PART_FEN = 20_000; // ¥200 of it by voucher, so each ¥1,000,000 voucher lasts 5,000 checkouts

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl || !/^postgres(ql)?:\/\//.test(serverUrl)) {
  console.error("bench:checkout needs DATABASE_URL=postgres://… (a PostgreSQL server); it creates its own databases there.");
  process.exit(2);
}
if (![SECONDS, BUYERS, LISTINGS].every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(WARMUP_SECONDS) && WARMUP_SECONDS >= 0)) {
  console.error("--seconds, --buyers and --listings must be positive whole numbers, --warmup a whole number of seconds");
  process.exit(2);
}

function urlFor(database: string): string {
  const url = new URL(serverUrl as string);
  url.pathname = `/${database}`;
  return url.toString();
}

const silent: WebhookLogger = { info: () => {}, warn: () => {}, error: (m, d) => console.error(`webhook: ${m}`, d ?? "") };

const REGIONS = ["jianxi", "xigong", "laocheng", "chanhe", "luolong", "yanshi", "mengjin", "gaoxin", "yibin", "xinan", "yiyang", "yichuan", "ruyang", "songxian", "luanchuan", "luoning"];

async function makeOrganisation(db: Database, kind: "bureau" | "operator" | "institution" | "enterprise", name: string, seq = 0) {
  const org = await db
    .insertInto("organisations")
    .values({
      kind,
      name,
      institution_type: kind === "institution" ? (seq % 3 === 0 ? "institute" : "university") : null,
      region: kind === "enterprise" ? REGIONS[seq % REGIONS.length] : null,
      credit_code: kind === "enterprise" || kind === "institution" ? `91410300${randomBytes(5).toString("hex").toUpperCase()}`.slice(0, 18) : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const user = await db
    .insertInto("users")
    .values({ organisation_id: org.id, email: `${kind}-${org.id}@bench.invalid`, display_name: name, password_hash: "bench" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { organisationId: org.id, userId: user.id };
}

async function setUp(db: Database) {
  const bureau = await makeOrganisation(db, "bureau", "洛阳市科学技术局");
  const institutions = [];
  // A market's spread: many sellers, ten fields, buyers from every district (the contract rollups are kept per day,
  // type, field, seller type and buyer region, as the bureau's statistics need them).
  for (let i = 0; i < 40; i++) institutions.push(await makeOrganisation(db, "institution", `基准测试院校 ${i + 1}`, i));
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const later = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
  const programme = await createProgramme(db, bureau, {
    name: "基准测试创新券",
    year: today.slice(0, 4),
    totalBudget: "1000000000",
    coveragePercent: "50",
    yearlyCap: "10000000",
    voucherAmount: "1000000",
    validFrom: today,
    validTo: later,
    qualifyingModes: ["nonexclusive_license"],
  });
  if (!programme.ok) throw new Error(`programme: ${JSON.stringify(programme)}`);
  const buyers: { userId: number; organisationId: number; voucherId: number }[] = [];
  for (let i = 0; i < BUYERS; i++) {
    const e = await makeOrganisation(db, "enterprise", `基准测试企业 ${i + 1}`, i);
    const applied = await applyForVoucher(db, e, { programmeId: String(programme.programmeId), purpose: "基准测试", contactName: "测试", contactPhone: "0379-6000 0000" });
    if (!applied.ok) throw new Error(`apply: ${JSON.stringify(applied)}`);
    const approved = await approveApplication(db, bureau, applied.applicationId);
    if (!approved.ok) throw new Error(`approve: ${JSON.stringify(approved)}`);
    buyers.push({ ...e, voucherId: approved.voucher.voucherId });
  }
  const listings: number[] = [];
  for (let i = 0; i < LISTINGS; i++) {
    const owner = institutions[i % institutions.length];
    const actor = { id: owner.userId, organisationId: owner.organisationId, role: "institution" as const };
    const { id } = await createResult(
      db,
      actor,
      {
        title: `基准测试成果 ${i + 1}`,
        title_en: null,
        summary: "用于结算基准测试的成果。",
        description: "",
        field: FIELD_CODES[i % FIELD_CODES.length],
        keywords: ["基准"],
        trl: 6,
        ip: [],
        modes: [{ mode: "nonexclusive_license" as TransferMode, price_fen: PRICE_FEN }],
        inventors: [],
        region: null,
        state_funded: false,
        voucher_eligible: true,
        contact_name: null,
        contact_phone: null,
        contact_email: null,
      },
      { submit: true },
    );
    await transition(db, { id: bureau.userId, organisationId: bureau.organisationId, role: "bureau" }, id, "approve");
    listings.push(id);
  }
  return { buyers, listings };
}

const phases = { start: [] as number[], session: [] as number[], webhook: [] as number[] };

/** One buyer's whole purchase; returns the latency in ms. */
async function checkout(db: Database, buyer: { userId: number; organisationId: number; voucherId: number }, resultId: number): Promise<number> {
  const started = performance.now();
  const order = await startCheckout(db, buyer, {
    resultId,
    mode: "nonexclusive_license",
    voucherIds: [buyer.voucherId],
    voucherAmountFen: VOUCHER_PART_FEN,
    method: "card",
    cardEnabled: true,
  });
  const t1 = performance.now();
  const sessionId = `cs_bench_${order.orderId}_${randomBytes(4).toString("hex")}`;
  await attachStripeSession(db, { orderId: order.orderId, sessionId });
  const t2 = performance.now();
  const payload = stripeEventPayload(
    "checkout.session.completed",
    checkoutSessionObject({ id: sessionId, orderId: order.orderId, amountTotal: order.cashDueFen, paymentIntent: `pi_bench_${order.orderId}` }),
  );
  const answer = await handleStripeWebhook(
    db,
    { rawBody: payload, signature: stripeSignatureHeader(payload, TEST_WEBHOOK_SECRET) },
    { secret: TEST_WEBHOOK_SECRET, log: silent },
  );
  if (answer.status !== 200 || answer.body.outcome !== "processed") {
    throw new Error(`webhook answered ${answer.status} ${JSON.stringify(answer.body)} for order ${order.orderId}`);
  }
  const end = performance.now();
  phases.start.push(t1 - started);
  phases.session.push(t2 - t1);
  phases.webhook.push(end - t2);
  return end - started;
}

/** Busy CPU time of the whole machine so far, in ms (Linux; null elsewhere): both the database's and this process's work. */
function machineBusyMs(): number | null {
  if (!existsSync("/proc/stat")) return null;
  const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ is 100 on Linux
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function pgbenchBinary(): string {
  const debian = "/usr/lib/postgresql/15/bin/pgbench";
  return existsSync(debian) ? debian : "pgbench";
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}:\n${out}`))));
  });
}

async function pgbenchTps(database: string, beforeRun: () => Promise<void>): Promise<number> {
  const url = new URL(serverUrl as string);
  const env = {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port || "5432",
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
    PGDATABASE: database,
    // The same transport as the checkout's connections: postgres.js uses TLS only when the URL asks for it, while
    // libpq would try TLS first on its own, and encrypting only the baseline's traffic would slow just the baseline.
    PGSSLMODE: url.searchParams.get("sslmode") ?? "disable",
  };
  const bin = pgbenchBinary();
  await run(bin, ["-i", "-s", "10", "-q"], env);
  await beforeRun();
  const out = await run(bin, ["-c", "32", "-j", "2", "-T", String(SECONDS), "-n"], env);
  const m = /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
  if (!m) throw new Error(`could not read pgbench's tps from:\n${out}`);
  return Number(m[1]);
}

/**
 * Both measurements start from a fresh checkpoint, so neither pays for the other's dirty pages nor happens to run
 * across a checkpoint's burst of full-page images. Needs a superuser (or pg_checkpoint); without one, both go unflushed.
 */
async function checkpoint(admin: postgres.Sql): Promise<void> {
  try {
    await admin.unsafe("checkpoint");
  } catch (error) {
    console.log(`(no checkpoint before measuring: ${error instanceof Error ? error.message : String(error)})`);
  }
}

async function main() {
  const suffix = randomBytes(4).toString("hex");
  const benchDb = `bench_checkout_${suffix}`;
  const scratchDb = `bench_pgbench_${suffix}`;
  const admin = postgres(serverUrl as string, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${benchDb}`);
  await admin.unsafe(`create database ${scratchDb}`);
  const handle = await openDatabase({ url: urlFor(benchDb), maxConnections: BUYERS + 8 });
  try {
    await migrateToLatest(handle.db);
    const setupStarted = performance.now();
    const { buyers, listings } = await setUp(handle.db);
    console.log(`set up ${buyers.length} buyers with a voucher each and ${listings.length} listings in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s (database ${benchDb})`);

    await checkpoint(admin);
    // Warm up first: PostgreSQL plans a prepared statement afresh for its first five runs on each connection before it
    // settles on a cached plan, and a market's server is measured as it runs all day, not as it starts.
    let failures = 0;
    const latencies: number[] = [];
    const runBuyers = (seconds: number) => {
      const deadline = performance.now() + seconds * 1000;
      return Promise.all(
        buyers.map(async (buyer, i) => {
          let k = i;
          while (performance.now() < deadline) {
            k = (k * 7 + 13) % listings.length;
            try {
              latencies.push(await checkout(handle.db, buyer, listings[k]));
            } catch (error) {
              failures += 1;
              if (failures <= 5) console.error("checkout failed:", error instanceof Error ? error.message : error);
            }
          }
        }),
      );
    };
    await runBuyers(WARMUP_SECONDS);
    const warmedUp = latencies.length;
    latencies.length = 0;
    for (const list of Object.values(phases)) list.length = 0;
    console.log(`warm-up: ${warmedUp} checkouts in ${WARMUP_SECONDS} s`);

    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const busyBefore = machineBusyMs();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    await runBuyers(SECONDS);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const busyAfter = machineBusyMs();
    loop.disable();
    const nodeCpu = (cpu.user + cpu.system) / 1e6 / elapsed;
    const checkoutsPerS = latencies.length / elapsed;
    latencies.sort((a, b) => a - b);
    console.log(
      `checkouts: ${latencies.length} completed in ${elapsed.toFixed(1)} s at ${BUYERS} concurrent buyers = ${checkoutsPerS.toFixed(1)}/s; ` +
        `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms; failures ${failures}; this process used ${(nodeCpu * 100).toFixed(0)}% of a core (event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms)`,
    );

    if (busyBefore !== null && busyAfter !== null && latencies.length > 0) {
      const perCheckout = (busyAfter - busyBefore) / latencies.length;
      const perCheckoutMs = (microseconds: number) => (microseconds / 1000 / latencies.length).toFixed(2);
      console.log(
        `  machine CPU per checkout ${perCheckout.toFixed(2)} ms (of it this process ${perCheckoutMs(cpu.user + cpu.system)} ms: user ${perCheckoutMs(cpu.user)}, system ${perCheckoutMs(cpu.system)})`,
      );
    }
    const p50 = (list: number[]) => percentile([...list].sort((a, b) => a - b), 50).toFixed(1);
    console.log(`  p50 by step: startCheckout ${p50(phases.start)} ms, session recorded ${p50(phases.session)} ms, signed webhook → markOrderPaid ${p50(phases.webhook)} ms`);

    const tps = await pgbenchTps(scratchDb, () => checkpoint(admin));
    console.log(`pgbench TPC-B (scale 10, 32 clients, 2 threads, ${SECONDS} s, sslmode ${new URL(serverUrl as string).searchParams.get("sslmode") ?? "disable"}): ${tps.toFixed(1)} tps`);

    const report = await ledgerCheck(handle.db);
    const violations = report.checks.reduce((sum, c) => sum + c.violations, 0);
    console.log(`ledger check: ${report.ok ? "ok" : "VIOLATIONS"} (${report.counts.transactions} transactions, ${report.counts.entries} entries, ${report.durationMs} ms)`);
    for (const v of report.violations.slice(0, 10)) console.log(`  ${v.check}: ${v.message}`);

    const summary = {
      bench: "checkout",
      checkouts_per_s: Math.round(checkoutsPerS * 10) / 10,
      pgbench_tps: Math.round(tps * 10) / 10,
      ratio: Math.round((checkoutsPerS / tps) * 1000) / 1000,
      violations,
    };
    process.exitCode = violations === 0 && failures === 0 ? 0 : 1;
    console.log(JSON.stringify(summary));
  } finally {
    await handle.close();
    if (!args.keep) {
      await admin.unsafe(`drop database if exists ${benchDb} with (force)`);
      await admin.unsafe(`drop database if exists ${scratchDb} with (force)`);
    }
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
