import type { Kysely } from "kysely";
import { TRANSFER_MODES, type DB, type FieldCode, type IpType, type TransferMode } from "../db/schema";
import { priceBand, trlBand } from "./settings";
import { identifierKeys } from "./tokenizer";
import { PRICE_BANDS, type ListingDocument, type PriceBand } from "./types";

/** Statuses that have a document in the index. Everything else (draft, rejected, withdrawn, …) is removed from it. */
export const INDEXED_STATUSES = ["listed", "reserved"] as const;

/** Markdown → plain text for searching: markup, link targets and HTML tags dropped, the words kept. */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n?/g, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, " ")
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, "")
    .replace(/[*_~`|]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

interface ResultRow {
  id: number;
  status: string;
  title: string;
  title_en: string | null;
  summary: string;
  description: string;
  keywords: string[];
  inventors: string[];
  field: FieldCode;
  trl: number;
  region: string | null;
  state_funded: boolean;
  voucher_eligible: boolean;
  listed_at: Date | null;
  confirmed_at: Date | null;
  institution_id: number;
  institution: string;
  institution_region: string | null;
}

function selectResults(db: Kysely<DB>) {
  return db
    .selectFrom("technology_results as r")
    .innerJoin("organisations as o", "o.id", "r.institution_id")
    .select([
      "r.id",
      "r.status",
      "r.title",
      "r.title_en",
      "r.summary",
      "r.description",
      "r.keywords",
      "r.inventors",
      "r.field",
      "r.trl",
      "r.region",
      "r.state_funded",
      "r.voucher_eligible",
      "r.listed_at",
      "r.confirmed_at",
      "r.institution_id",
      "o.name as institution",
      "o.region as institution_region",
    ])
    .where("r.status", "in", [...INDEXED_STATUSES]);
}

async function assemble(db: Kysely<DB>, rows: ResultRow[]): Promise<ListingDocument[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [modes, ipItems] = await Promise.all([
    db.selectFrom("result_modes").select(["result_id", "mode", "price_fen"]).where("result_id", "in", ids).execute(),
    db.selectFrom("result_ip_items").select(["result_id", "type", "number"]).where("result_id", "in", ids).orderBy("id").execute(),
  ]);
  const modesBy = new Map<number, { mode: TransferMode; price_fen: number | null }[]>();
  for (const m of modes) {
    const list = modesBy.get(m.result_id) ?? [];
    list.push({ mode: m.mode, price_fen: m.price_fen });
    modesBy.set(m.result_id, list);
  }
  const ipBy = new Map<number, { type: IpType; number: string | null }[]>();
  for (const ip of ipItems) {
    const list = ipBy.get(ip.result_id) ?? [];
    list.push({ type: ip.type, number: ip.number });
    ipBy.set(ip.result_id, list);
  }
  return rows.map((r) => toDocument(r, modesBy.get(r.id) ?? [], ipBy.get(r.id) ?? []));
}

function toDocument(
  r: ResultRow,
  modeRows: { mode: TransferMode; price_fen: number | null }[],
  ip: { type: IpType; number: string | null }[],
): ListingDocument {
  const modePrices = [...modeRows].sort((a, b) => TRANSFER_MODES.indexOf(a.mode) - TRANSFER_MODES.indexOf(b.mode));
  const prices = modePrices.flatMap((m) => (m.price_fen === null ? [] : [m.price_fen]));
  const bands = new Set<PriceBand>(modePrices.map((m) => priceBand(m.price_fen)));
  const listedAt = (r.listed_at ?? new Date(0)).getTime();
  const numbers = ip.flatMap((i) => (i.number && i.number.trim() ? [i.number.trim()] : []));
  const doc: ListingDocument = {
    id: r.id,
    status: r.status === "reserved" ? "reserved" : "listed",
    title: r.title,
    title_en: r.title_en,
    summary: r.summary,
    description: markdownToText(r.description),
    keywords: r.keywords,
    inventors: r.inventors,
    field: r.field,
    trl: r.trl,
    trl_band: trlBand(r.trl),
    mode_prices: modePrices,
    modes: modePrices.map((m) => m.mode),
    prices,
    price_min: prices.length > 0 ? Math.min(...prices) : null,
    price_bands: PRICE_BANDS.filter((b) => bands.has(b)),
    negotiable: modePrices.some((m) => m.price_fen === null),
    ip_types: [...new Set(ip.map((i) => i.type))],
    ip_numbers: numbers,
    ip_keys: [...new Set(numbers.flatMap(identifierKeys))],
    institution_id: r.institution_id,
    institution: r.institution,
    region: r.region ?? r.institution_region,
    voucher_eligible: r.voucher_eligible,
    state_funded: r.state_funded,
    listed_at: listedAt,
    confirmed_at: r.confirmed_at ? r.confirmed_at.getTime() : listedAt,
  };
  for (const m of modePrices) if (m.price_fen !== null) doc[`price_${m.mode}`] = m.price_fen;
  return doc;
}

/** Documents for these result ids; ids without one (not listed any more, or deleted) are returned as `missing`. */
export async function loadDocuments(db: Kysely<DB>, ids: number[]): Promise<{ documents: ListingDocument[]; missing: number[] }> {
  if (ids.length === 0) return { documents: [], missing: [] };
  const rows = await selectResults(db).where("r.id", "in", ids).execute();
  const documents = await assemble(db, rows);
  const found = new Set(documents.map((d) => d.id));
  return { documents, missing: ids.filter((id) => !found.has(id)) };
}

/** Keyset pages of every indexable result, for a reindex. */
export async function loadDocumentsAfter(db: Kysely<DB>, afterId: number, limit: number): Promise<ListingDocument[]> {
  const rows = await selectResults(db).where("r.id", ">", afterId).orderBy("r.id").limit(limit).execute();
  return assemble(db, rows);
}

export async function countIndexable(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom("technology_results")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "in", [...INDEXED_STATUSES])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
