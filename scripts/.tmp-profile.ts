import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { openDatabase } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { createResult, transition } from "../app/services/catalogue/lifecycle";
import { attachStripeSession, startCheckout, markOrderPaid } from "../app/services/checkout";
import { approveApplication, applyForVoucher, createProgramme } from "../app/services/vouchers";

const log: { kind: string; ms: number }[] = [];
const started = new WeakMap<object, number>();
class Counter implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    started.set(args.queryId, performance.now());
    log.push({ kind: args.node.kind + ":" + ((args.node as unknown as { table?: { table?: { identifier?: { name?: string } } } }).table?.table?.identifier?.name ?? (args.node as unknown as {from?: {froms?: {table?: {identifier?: {name?: string}}}[]}}).from?.froms?.[0]?.table?.identifier?.name ?? ""), ms: 0 });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const t0 = started.get(args.queryId);
    const last = [...log].reverse().find((l) => l.ms === 0);
    if (t0 !== undefined && last) last.ms = performance.now() - t0;
    return args.result;
  }
}
const server = "postgres://postgres:postgres@127.0.0.1:5432/postgres";
const name = `prof_${randomBytes(3).toString("hex")}`;
const admin = postgres(server, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const h = await openDatabase({ url: server.replace(/\/postgres$/, `/${name}`), maxConnections: 4 });
await migrateToLatest(h.db);
const db0 = h.db;
const mk = async (kind: "bureau" | "institution" | "enterprise", n: string) => {
  const o = await db0.insertInto("organisations").values({ kind, name: n, institution_type: kind === "institution" ? "university" : null, credit_code: kind === "bureau" ? null : `9141030${randomBytes(6).toString("hex")}`.slice(0, 18) }).returning("id").executeTakeFirstOrThrow();
  const u = await db0.insertInto("users").values({ organisation_id: o.id, email: `${n}@x.invalid`, display_name: n, password_hash: "x" }).returning("id").executeTakeFirstOrThrow();
  return { organisationId: o.id, userId: u.id };
};
const bureau = await mk("bureau", "b"); const inst = await mk("institution", "i"); const ent = await mk("enterprise", "e");
const today = new Date().toISOString().slice(0, 10);
const p = await createProgramme(db0, bureau, { name: "p", year: today.slice(0, 4), totalBudget: "1000000", coveragePercent: "50", yearlyCap: "1000000", voucherAmount: "100000", validFrom: today, validTo: "2030-01-01", qualifyingModes: ["nonexclusive_license"] });
if (!p.ok) throw new Error("p");
const a = await applyForVoucher(db0, ent, { programmeId: String(p.programmeId), purpose: "x", contactName: "x", contactPhone: "0379-6000 0000" });
if (!a.ok) throw new Error("a");
const v = await approveApplication(db0, bureau, a.applicationId); if (!v.ok) throw new Error("v");
const ids: number[] = [];
for (let i = 0; i < 6; i++) {
  const { id } = await createResult(db0, { id: inst.userId, organisationId: inst.organisationId, role: "institution" }, { title: `t${i}`, title_en: null, summary: "s", description: "", field: "new_materials", keywords: [], trl: 5, ip: [], modes: [{ mode: "nonexclusive_license", price_fen: 1_000_000 }], inventors: [], region: null, state_funded: false, voucher_eligible: true, contact_name: null, contact_phone: null, contact_email: null }, { submit: true });
  await transition(db0, { id: bureau.userId, organisationId: bureau.organisationId, role: "bureau" }, id, "approve");
  ids.push(id);
}
const db = db0.withPlugin(new Counter());
for (let round = 0; round < 5; round++) {
  log.length = 0;
  let t = performance.now();
  const o = await startCheckout(db, { ...ent }, { resultId: ids[round], mode: "nonexclusive_license", voucherIds: [v.voucher.voucherId], voucherAmountFen: 20000, method: "card", cardEnabled: true });
  const t1 = performance.now() - t; const n1 = log.length;
  t = performance.now();
  await attachStripeSession(db, { orderId: o.orderId, sessionId: `cs_${o.orderId}` });
  const t2 = performance.now() - t; const n2 = log.length - n1;
  t = performance.now();
  await markOrderPaid(db, { orderId: o.orderId, method: "card", amountFen: o.cashDueFen, externalRef: "pi_x", idempotencyKey: `k${o.orderId}` });
  const t3 = performance.now() - t; const n3 = log.length - n1 - n2;
  console.log(`start ${t1.toFixed(1)}ms/${n1}q  attach ${t2.toFixed(1)}ms/${n2}q  paid ${t3.toFixed(1)}ms/${n3}q`);
  if (round === 4) console.log(log.map((l) => `${l.ms.toFixed(2)} ${l.kind}`).join("\n"));
}
await h.close();
await admin.unsafe(`drop database ${name} with (force)`);
await admin.end();
