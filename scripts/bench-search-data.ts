import { sql, type Kysely } from "kysely";
import { IP_TYPES, TRANSFER_MODES, type DB, type FieldCode, type IpType, type TransferMode } from "../db/schema";
import { fillRanges } from "../db/seed/build-results";
import { FIELD_TEMPLATES } from "../db/seed/data/fields";
import { INSTITUTIONS } from "../db/seed/data/institutions";
import { createRng, type Rng } from "../db/seed/random";

/**
 * Listings for the search benchmark, built from the demo seed's field vocabulary so queries meet realistic word
 * frequencies. Bench institutions carry credit codes starting BENCH, which is how the benchmark recognises (and
 * refuses to mix with) real data.
 */

export const BENCH_CREDIT_PREFIX = "BENCH";
const DAY = 86_400_000;

const zh = (pair: string) => pair.split("|")[0];
const en = (pair: string) => pair.split("|")[1] ?? "";

function englishTitle(q: string, s: string, f: string): string {
  const subject = `${en(q)} ${en(s)}`.trim();
  const form = en(f);
  return form.includes("{}") ? form.replace("{}", subject) : `${subject} ${form}`;
}

function ipNumber(rng: Rng, type: IpType, serial: number): string | null {
  const year = 2015 + (serial % 10);
  switch (type) {
    case "invention_patent":
      return `ZL${year}1${String(1_000_000 + serial).slice(-7)}.${rng.int(0, 9)}`;
    case "utility_model":
      return `ZL${year}2${String(2_000_000 + serial).slice(-7)}.${rng.int(0, 9)}`;
    case "design_patent":
      return `ZL${year}3${String(3_000_000 + serial).slice(-7)}.${rng.int(0, 9)}`;
    case "software_copyright":
      return `${year}SR${String(serial).padStart(7, "0")}`;
    case "trade_secret":
      return null;
    default:
      return `CNA${year}${String(serial).padStart(6, "0")}.${rng.int(0, 9)}`;
  }
}

export interface BenchListing {
  institutionIndex: number;
  title: string;
  title_en: string | null;
  summary: string;
  description: string;
  field: FieldCode;
  keywords: string[];
  trl: number;
  voucher: boolean;
  stateFunded: boolean;
  listedAt: Date;
  confirmedAt: Date;
  modes: { mode: TransferMode; price_fen: number | null }[];
  ip: { type: IpType; number: string | null }[];
}

export function buildListing(rng: Rng, serial: number, now: number): BenchListing {
  const template = rng.weighted(FIELD_TEMPLATES.map((t) => [t, t.weight] as const));
  const topic = rng.pick(template.topics);
  const q = rng.pick(topic.qualifiers);
  const s = rng.pick(topic.subjects);
  const f = rng.pick(topic.forms);
  const trl = rng.weighted([[2, 1], [3, 2], [4, 3], [5, 4], [6, 5], [7, 4], [8, 3], [9, 1]] as const);
  const metrics = rng.sample(topic.metrics, 3).map((m) => fillRanges(rng, m));
  const apps = rng.sample(topic.applications, 2);
  const base = rng.int(5, 400) * 10_000;
  const modes = rng.sample(TRANSFER_MODES, rng.int(1, 3)).map((mode) => ({
    mode,
    price_fen: rng.chance(0.25) ? null : Math.round((base * (mode === "assignment" ? 1 : rng.float(0.1, 0.8))) / 1000) * 1000 * 100,
  }));
  const ipTypes = rng.sample(IP_TYPES, rng.int(1, 2));
  const listedDaysAgo = rng.int(0, 170);
  return {
    institutionIndex: rng.int(0, INSTITUTIONS.length - 1),
    title: `${zh(q)}${zh(s)}${zh(f)}`,
    title_en: rng.chance(0.6) ? englishTitle(q, s, f) : null,
    summary: `${rng.pick(topic.problems)}。本成果${rng.pick(topic.approaches)}，${metrics.join("，")}。`,
    description: [
      "## 技术背景",
      `${rng.pick(topic.problems)}。`,
      "## 技术方案",
      `${rng.pick(topic.approaches)}。`,
      "## 主要指标",
      ...metrics.map((m) => `- ${m}`),
      "## 应用领域",
      `可用于${apps.join("、")}等。`,
    ].join("\n"),
    field: template.field,
    keywords: rng.sample(topic.keywords, 3),
    trl,
    voucher: rng.chance(0.4),
    stateFunded: rng.chance(0.5),
    listedAt: new Date(now - listedDaysAgo * DAY - rng.int(0, DAY)),
    confirmedAt: new Date(now - rng.int(0, listedDaysAgo) * DAY),
    modes,
    ip: ipTypes.map((type, k) => ({ type, number: ipNumber(rng, type, serial * 2 + k) })),
  };
}

/** Bench listings present; -1 when the catalogue holds anything else (the bench never mixes with real data). */
export async function countBenchListings(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ bench: number; other: number }>`
    select count(*) filter (where o.credit_code like ${BENCH_CREDIT_PREFIX + "%"})::int8 as bench,
           count(*) filter (where o.credit_code is null or o.credit_code not like ${BENCH_CREDIT_PREFIX + "%"})::int8 as other
    from technology_results r join organisations o on o.id = r.institution_id
  `.execute(db);
  return Number(rows[0].other) > 0 ? -1 : Number(rows[0].bench);
}

export async function deleteBenchListings(db: Kysely<DB>): Promise<void> {
  await sql`
    delete from technology_results r using organisations o
    where o.id = r.institution_id and o.credit_code like ${BENCH_CREDIT_PREFIX + "%"}
  `.execute(db);
  await db.deleteFrom("search_outbox").execute();
}

async function benchInstitutions(db: Kysely<DB>): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < INSTITUTIONS.length; i++) {
    const spec = INSTITUTIONS[i];
    const code = `${BENCH_CREDIT_PREFIX}${String(i).padStart(13, "0")}`;
    const existing = await db.selectFrom("organisations").select("id").where("credit_code", "=", code).executeTakeFirst();
    if (existing) {
      ids.push(existing.id);
      continue;
    }
    const row = await db
      .insertInto("organisations")
      .values({ kind: "institution", institution_type: spec.type, name: spec.name, name_en: spec.nameEn, credit_code: code, region: spec.region })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

/** Inserts `size` listed results (in batches, each one transaction). Deterministic for a given size and day. */
export async function insertBenchListings(db: Kysely<DB>, size: number, onProgress: (done: number) => void): Promise<void> {
  const institutions = await benchInstitutions(db);
  const rng = createRng("bench-search");
  const now = Date.now();
  const batch = 500;
  for (let start = 0; start < size; start += batch) {
    const listings = Array.from({ length: Math.min(batch, size - start) }, (_, k) => buildListing(rng, start + k, now));
    await db.transaction().execute(async (trx) => {
      const ids = await trx
        .insertInto("technology_results")
        .values(
          listings.map((l) => ({
            institution_id: institutions[l.institutionIndex],
            title: l.title,
            title_en: l.title_en,
            summary: l.summary,
            description: l.description,
            field: l.field,
            keywords: l.keywords,
            trl: l.trl,
            voucher_eligible: l.voucher,
            state_funded: l.stateFunded,
            status: "listed" as const,
            listed_at: l.listedAt,
            confirmed_at: l.confirmedAt,
          })),
        )
        .returning("id")
        .execute();
      const modes = listings.flatMap((l, k) => l.modes.map((m) => ({ result_id: ids[k].id, ...m })));
      const ip = listings.flatMap((l, k) => l.ip.map((i) => ({ result_id: ids[k].id, ...i, status: "granted" })));
      for (let i = 0; i < modes.length; i += 2000) await trx.insertInto("result_modes").values(modes.slice(i, i + 2000)).execute();
      for (let i = 0; i < ip.length; i += 2000) await trx.insertInto("result_ip_items").values(ip.slice(i, i + 2000)).execute();
    });
    onProgress(start + listings.length);
  }
}
