import { sql, type Expression, type Kysely, type SqlBool } from "kysely";
import type { DB, FieldCode, IpType, TransferMode } from "../../../db/schema";
import { identifierKeys } from "../../../search/tokenizer";
import { publicityEndsAt, staleBefore } from "./visibility";

/** Public reads of listings straight from the database: the detail page and API, and search's degraded mode. */

export interface PublicResultDetail {
  id: number;
  title: string;
  title_en: string | null;
  summary: string;
  /** Markdown as the owner wrote it: render it safely (no raw HTML). */
  description: string;
  field: FieldCode;
  keywords: string[];
  trl: number;
  modes: { mode: TransferMode; price_fen: number | null }[];
  ip: { type: IpType; number: string | null; status: string }[];
  institution: { id: number; name: string; name_en: string | null };
  inventors: string[];
  region: string | null;
  contact_name: string | null;
  state_funded: boolean;
  voucher_eligible: boolean;
  in_publicity: boolean;
  publicity_ends_at: string | null;
  listed_at: string;
  confirmed_at: string;
}

/** One listed, non-stale result, or null (unknown, not listed, or stale: all look the same to the public). */
export async function getPublicResult(db: Kysely<DB>, id: number, now = new Date()): Promise<PublicResultDetail | null> {
  const row = await db
    .selectFrom("technology_results as r")
    .innerJoin("organisations as o", "o.id", "r.institution_id")
    .select([
      "r.id",
      "r.title",
      "r.title_en",
      "r.summary",
      "r.description",
      "r.field",
      "r.keywords",
      "r.trl",
      "r.inventors",
      "r.region",
      "r.contact_name",
      "r.state_funded",
      "r.voucher_eligible",
      "r.listed_at",
      "r.confirmed_at",
      "o.id as institution_id",
      "o.name as institution_name",
      "o.name_en as institution_name_en",
      "o.region as institution_region",
    ])
    .where("r.id", "=", id)
    .where("r.status", "=", "listed")
    .where(sql<SqlBool>`coalesce(r.confirmed_at, r.listed_at) >= ${staleBefore(now)}`)
    .executeTakeFirst();
  if (!row || !row.listed_at) return null;
  const [modes, ip] = await Promise.all([
    db.selectFrom("result_modes").select(["mode", "price_fen"]).where("result_id", "=", id).execute(),
    db.selectFrom("result_ip_items").select(["type", "number", "status"]).where("result_id", "=", id).orderBy("id").execute(),
  ]);
  const negotiable = modes.some((m) => m.price_fen === null);
  const ends = publicityEndsAt({ state_funded: row.state_funded, negotiable, listed_at: row.listed_at });
  return {
    id: row.id,
    title: row.title,
    title_en: row.title_en,
    summary: row.summary,
    description: row.description,
    field: row.field,
    keywords: row.keywords,
    trl: row.trl,
    modes: sortModes(modes),
    ip,
    institution: { id: row.institution_id, name: row.institution_name, name_en: row.institution_name_en },
    inventors: row.inventors,
    region: row.region ?? row.institution_region,
    contact_name: row.contact_name,
    state_funded: row.state_funded,
    voucher_eligible: row.voucher_eligible,
    in_publicity: ends !== null && now < ends,
    publicity_ends_at: ends ? ends.toISOString() : null,
    listed_at: row.listed_at.toISOString(),
    confirmed_at: (row.confirmed_at ?? row.listed_at).toISOString(),
  };
}

const MODE_ORDER: TransferMode[] = ["assignment", "exclusive_license", "sole_license", "nonexclusive_license", "equity", "development", "service"];
function sortModes<T extends { mode: TransferMode }>(modes: T[]): T[] {
  return [...modes].sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode));
}

export interface DatabaseListingFilters {
  /** Plain words, matched with ILIKE against titles, summary and keywords. */
  text: string;
  /** Normalised IP numbers (each must match one of the result's IP items). */
  identifiers: string[];
  fields: FieldCode[];
  mode: TransferMode | null;
  trlMin: number | null;
  trlMax: number | null;
  priceMinFen: number | null;
  priceMaxFen: number | null;
  institutionId: number | null;
  institutionName: string | null;
  region: string | null;
  ipTypes: IpType[];
  voucher: boolean;
}

export interface DatabaseListingRow {
  id: number;
  title: string;
  title_en: string | null;
  summary: string;
  field: FieldCode;
  trl: number;
  modes: { mode: TransferMode; price_fen: number | null }[];
  ip_types: IpType[];
  institution_id: number;
  institution: string;
  region: string | null;
  voucher_eligible: boolean;
  state_funded: boolean;
  listed_at: Date;
  confirmed_at: Date;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Newest public listings matching simple filters: what the storefront shows while the search engine is down. Same
 * visibility and price rules as search; text is a substring match, without relevance, facets or typo tolerance.
 */
export async function listPublicFromDatabase(
  db: Kysely<DB>,
  filters: DatabaseListingFilters,
  page: { offset: number; limit: number },
  now = new Date(),
): Promise<{ rows: DatabaseListingRow[]; total: number }> {
  let query = db
    .selectFrom("technology_results as r")
    .innerJoin("organisations as o", "o.id", "r.institution_id")
    .where("r.status", "=", "listed")
    .where(sql<SqlBool>`coalesce(r.confirmed_at, r.listed_at) >= ${staleBefore(now)}`);

  const words = filters.text.split(/\s+/).filter(Boolean).slice(0, 8);
  for (const word of words) {
    const pattern = `%${escapeLike(word)}%`;
    query = query.where((eb) =>
      eb.or([
        eb("r.title", "ilike", pattern),
        eb("r.title_en", "ilike", pattern),
        eb("r.summary", "ilike", pattern),
        eb(sql`array_to_string(r.keywords, ' ')`, "ilike", pattern),
        eb("o.name", "ilike", pattern),
      ]),
    );
  }
  for (const identifier of filters.identifiers) {
    const keys = identifierKeys(identifier);
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("result_ip_items as i")
          .select("i.id")
          .whereRef("i.result_id", "=", "r.id")
          .where((eb) =>
            eb.or([
              eb(sql`upper(regexp_replace(i.number, '\\s', '', 'g'))`, "in", keys),
              eb(sql`regexp_replace(upper(regexp_replace(i.number, '\\s', '', 'g')), '^(ZL|CN)(?=[0-9])', '')`, "in", keys),
            ]),
          ),
      ),
    );
  }
  if (filters.fields.length > 0) query = query.where("r.field", "in", filters.fields);
  if (filters.trlMin !== null) query = query.where("r.trl", ">=", filters.trlMin);
  if (filters.trlMax !== null) query = query.where("r.trl", "<=", filters.trlMax);
  if (filters.institutionId !== null) query = query.where("r.institution_id", "=", filters.institutionId);
  if (filters.institutionName !== null) query = query.where("o.name", "=", filters.institutionName);
  if (filters.region !== null) query = query.where(sql`coalesce(r.region, o.region)`, "=", filters.region);
  if (filters.voucher) query = query.where("r.voucher_eligible", "=", true);
  if (filters.ipTypes.length > 0) {
    const types = filters.ipTypes;
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom("result_ip_items as i").select("i.id").whereRef("i.result_id", "=", "r.id").where("i.type", "in", types)),
    );
  }
  const priced = filters.priceMinFen !== null || filters.priceMaxFen !== null;
  if (filters.mode !== null || priced) {
    const { mode, priceMinFen, priceMaxFen } = filters;
    query = query.where(({ exists, selectFrom }) => {
      let modes = selectFrom("result_modes as m").select("m.mode").whereRef("m.result_id", "=", "r.id");
      if (mode !== null) modes = modes.where("m.mode", "=", mode);
      // Negotiable prices never match a price filter.
      if (priceMinFen !== null) modes = modes.where("m.price_fen", ">=", priceMinFen);
      if (priceMaxFen !== null) modes = modes.where("m.price_fen", "<=", priceMaxFen);
      return exists(modes) as Expression<SqlBool>;
    });
  }

  const [rows, count] = await Promise.all([
    query
      .select([
        "r.id",
        "r.title",
        "r.title_en",
        "r.summary",
        "r.field",
        "r.trl",
        "r.institution_id",
        "o.name as institution",
        sql<string | null>`coalesce(r.region, o.region)`.as("region"),
        "r.voucher_eligible",
        "r.state_funded",
        "r.listed_at",
        "r.confirmed_at",
      ])
      .orderBy("r.listed_at", "desc")
      .orderBy("r.id", "desc")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => r.id);
  const [modes, ip] =
    ids.length === 0
      ? [[], []]
      : await Promise.all([
          db.selectFrom("result_modes").select(["result_id", "mode", "price_fen"]).where("result_id", "in", ids).execute(),
          db.selectFrom("result_ip_items").select(["result_id", "type"]).where("result_id", "in", ids).execute(),
        ]);
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      ...r,
      listed_at: r.listed_at as Date,
      confirmed_at: (r.confirmed_at ?? r.listed_at) as Date,
      modes: sortModes(modes.filter((m) => m.result_id === r.id).map(({ mode, price_fen }) => ({ mode, price_fen }))),
      ip_types: [...new Set(ip.filter((i) => i.result_id === r.id).map((i) => i.type))],
    })),
  };
}
