import { sql, type Kysely, type RawBuilder } from "kysely";
import { CONTRACT_TYPES, FIELD_CODES, SELLER_TYPES, type DB, type SellerType } from "../../../db/schema";
import { growthPct, monthsOf, previousYearRange, splitRange, type DateRange } from "./range";

// Turnover statistics, read only from the rollups that the contracts triggers keep (migration 0003): never a scan of
// the contracts table, except the "by seller" edge days, which an index covers. Only registered contracts count, by
// signing date.

export interface Totals {
  contracts: number;
  amount_fen: number;
  technical_income_fen: number;
}

export interface Growth {
  contracts_pct: number | null;
  amount_pct: number | null;
  technical_income_pct: number | null;
}

export interface TurnoverSummary extends Totals {
  from: string;
  to: string;
  previous: Totals & DateRange;
  growth: Growth;
}

export const GROUP_BYS = ["month", "field", "type", "seller_type", "buyer_region"] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export interface GroupRow extends Totals {
  /** 'YYYY-MM' for month, else the code (field, type, seller type) or the buyer region as registered */
  key: string;
}

export interface SellerRow extends Totals {
  seller: string;
  seller_type: SellerType;
}

const EMPTY: Totals = { contracts: 0, amount_fen: 0, technical_income_fen: 0 };

/** The rollup rows of a range: whole months from the monthly table, the edge days from the daily one. */
function rollupRows(range: DateRange): RawBuilder<unknown> {
  const { months, days } = splitRange(range);
  const parts: RawBuilder<unknown>[] = [];
  if (months)
    parts.push(sql`select month, type, field, seller_type, buyer_region, contracts, amount_fen, technical_income_fen
      from contract_stats_monthly where month between ${months.from}::date and ${months.to}::date`);
  for (const d of days)
    parts.push(sql`select date_trunc('month', day)::date as month, type, field, seller_type, buyer_region, contracts,
        amount_fen, technical_income_fen
      from contract_stats_daily where day between ${d.from}::date and ${d.to}::date`);
  return sql.join(parts, sql` union all `);
}

const SUMS = sql`coalesce(sum(contracts), 0)::bigint as contracts, coalesce(sum(amount_fen), 0)::bigint as amount_fen,
  coalesce(sum(technical_income_fen), 0)::bigint as technical_income_fen`;

export async function turnoverTotals(db: Kysely<DB>, range: DateRange): Promise<Totals> {
  const { rows } = await sql<Totals>`select ${SUMS} from (${rollupRows(range)}) r`.execute(db);
  return rows[0] ?? EMPTY;
}

/** Totals for the range and the same range a year earlier, with growth (one query). */
export async function turnoverSummary(db: Kysely<DB>, range: DateRange): Promise<TurnoverSummary> {
  const previous = previousYearRange(range);
  const { rows } = await sql<Totals & { period: "current" | "previous" }>`
    select 'current' as period, ${SUMS} from (${rollupRows(range)}) c
    union all
    select 'previous', ${SUMS} from (${rollupRows(previous)}) p`.execute(db);
  const pick = (period: string): Totals => {
    const row = rows.find((r) => r.period === period);
    return row ? { contracts: row.contracts, amount_fen: row.amount_fen, technical_income_fen: row.technical_income_fen } : EMPTY;
  };
  const cur = pick("current");
  const prev = pick("previous");
  return {
    from: range.from,
    to: range.to,
    ...cur,
    previous: { ...prev, ...previous },
    growth: {
      contracts_pct: growthPct(cur.contracts, prev.contracts),
      amount_pct: growthPct(cur.amount_fen, prev.amount_fen),
      technical_income_pct: growthPct(cur.technical_income_fen, prev.technical_income_fen),
    },
  };
}

const GROUP_KEY: Record<GroupBy, RawBuilder<string>> = {
  month: sql<string>`to_char(month, 'YYYY-MM')`,
  field: sql<string>`field`,
  type: sql<string>`type`,
  seller_type: sql<string>`seller_type`,
  buyer_region: sql<string>`buyer_region`,
};

/** The complete code list of a dimension, so a table shows every category (zeros included) in a stable order. */
function allKeys(groupBy: GroupBy, range: DateRange): readonly string[] | null {
  switch (groupBy) {
    case "month":
      return monthsOf(range);
    case "field":
      return FIELD_CODES;
    case "type":
      return CONTRACT_TYPES;
    case "seller_type":
      return SELLER_TYPES;
    case "buyer_region":
      return null;
  }
}

/**
 * Totals by one dimension. Months come in calendar order and every month of the range is present; fields, types and
 * seller types list every code (zeros included) by amount, largest first; buyer regions list those with contracts.
 */
export async function turnoverGroups(db: Kysely<DB>, range: DateRange, groupBy: GroupBy): Promise<GroupRow[]> {
  const { rows } = await sql<GroupRow>`
    select ${GROUP_KEY[groupBy]} as key, ${SUMS} from (${rollupRows(range)}) r
    group by 1 having sum(contracts) <> 0`.execute(db);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const keys = allKeys(groupBy, range);
  const out = keys ? [...keys.map((key) => byKey.get(key) ?? { key, ...EMPTY }), ...rows.filter((r) => !keys.includes(r.key))] : rows;
  if (groupBy !== "month") out.sort((a, b) => b.amount_fen - a.amount_fen || b.contracts - a.contracts || a.key.localeCompare(b.key));
  return out;
}

/**
 * Totals by seller, largest contract value first: whole months from the per-seller monthly rollup, edge days from the
 * contracts' covering index. `limit` omitted: every seller.
 */
export async function turnoverBySeller(db: Kysely<DB>, range: DateRange, options: { limit?: number } = {}): Promise<SellerRow[]> {
  const { months, days } = splitRange(range);
  const parts: RawBuilder<unknown>[] = [];
  if (months)
    parts.push(sql`select seller, seller_type, contracts, amount_fen, technical_income_fen from contract_seller_monthly
      where month between ${months.from}::date and ${months.to}::date`);
  for (const d of days)
    parts.push(sql`select seller, seller_type, 1::bigint, amount_fen, technical_income_fen from contracts
      where status = 'registered' and signed_on between ${d.from}::date and ${d.to}::date`);
  const limit = options.limit === undefined ? sql`` : sql`limit ${options.limit}`;
  const { rows } = await sql<SellerRow>`
    select seller, seller_type, ${SUMS} from (${sql.join(parts, sql` union all `)}) s (seller, seller_type, contracts,
      amount_fen, technical_income_fen)
    group by seller, seller_type having sum(contracts) <> 0
    order by amount_fen desc, contracts desc, seller, seller_type ${limit}`.execute(db);
  return rows;
}

export interface ListingFunnel {
  /** results first listed within the range */
  listed: number;
  /** results transferred within the range */
  transferred: number;
  /** median days from listing to transfer, over the results transferred within the range; null when none */
  median_days_to_transfer: number | null;
  /** results on the market now (listed or reserved), whatever the range */
  awaiting_now: number;
}

/**
 * The part of the listing funnel the catalogue's own columns answer. Inquiries and orders arrive with the checkout
 * (migration 0004); their stages are added there.
 */
export async function listingFunnel(db: Kysely<DB>, range: DateRange): Promise<ListingFunnel> {
  // Range ends are China calendar days; timestamps compare against local midnight.
  const start = sql`(${range.from}::date::timestamp at time zone 'Asia/Shanghai')`;
  const end = sql`((${range.to}::date + 1)::timestamp at time zone 'Asia/Shanghai')`;
  const { rows } = await sql<{ listed: number; transferred: number; median_days: number | null; awaiting_now: number }>`
    select
      (select count(*) from technology_results where listed_at >= ${start} and listed_at < ${end})::bigint as listed,
      (select count(*) from technology_results where transferred_at >= ${start} and transferred_at < ${end})::bigint
        as transferred,
      (select percentile_cont(0.5) within group (order by extract(epoch from transferred_at - listed_at) / 86400)
        from technology_results
        where transferred_at >= ${start} and transferred_at < ${end} and listed_at is not null) as median_days,
      (select count(*) from technology_results where status in ('listed', 'reserved'))::bigint as awaiting_now`.execute(db);
  const row = rows[0];
  return {
    listed: row.listed,
    transferred: row.transferred,
    median_days_to_transfer: row.median_days === null ? null : Math.round(Number(row.median_days) * 10) / 10,
    awaiting_now: row.awaiting_now,
  };
}

export interface Dashboard {
  summary: TurnoverSummary;
  /** every month of the range, and the same months a year earlier (same length, aligned by position) */
  months: GroupRow[];
  previousMonths: GroupRow[];
  byField: GroupRow[];
  byType: GroupRow[];
  bySellerType: GroupRow[];
  byBuyerRegion: GroupRow[];
  /** the largest sellers by contract value */
  topSellers: SellerRow[];
  sellerCount: number;
  funnel: ListingFunnel;
}

/** Everything the dashboard page shows, for one range. */
export async function dashboard(db: Kysely<DB>, range: DateRange, options: { topSellers?: number } = {}): Promise<Dashboard> {
  const previous = previousYearRange(range);
  const [summary, months, previousMonths, byField, byType, bySellerType, byBuyerRegion, sellers, funnel] = await Promise.all([
    turnoverSummary(db, range),
    turnoverGroups(db, range, "month"),
    turnoverGroups(db, previous, "month"),
    turnoverGroups(db, range, "field"),
    turnoverGroups(db, range, "type"),
    turnoverGroups(db, range, "seller_type"),
    turnoverGroups(db, range, "buyer_region"),
    turnoverBySeller(db, range),
    listingFunnel(db, range),
  ]);
  return {
    summary,
    months,
    previousMonths,
    byField,
    byType,
    bySellerType,
    byBuyerRegion,
    topSellers: sellers.slice(0, options.topSellers ?? 50),
    sellerCount: sellers.length,
    funnel,
  };
}
