import { sql, type Kysely } from "kysely";
import type { ContractType, DB } from "../../../db/schema";

// 成交参考价 (docs/decisions/0018): the quartiles of what registered technology contracts of a field and type were
// signed for in the last year. Read from the materialized view of migration 0018, which refreshPriceReferences
// rebuilds (the deadline sweeper does, hourly).

/** Fewer contracts than this say nothing about a market price: no reference is shown. */
export const PRICE_REFERENCE_MIN_CONTRACTS = 5;
export const PRICE_REFERENCE_REFRESH_MS = 60 * 60_000;

export interface PriceReference {
  field: string;
  type: ContractType;
  contracts: number;
  p25Fen: number;
  medianFen: number;
  p75Fen: number;
  computedAt: Date;
}

/** The field's references by contract type (every field's without one), for the types with enough contracts. */
export async function priceReferences(db: Kysely<DB>, field?: string): Promise<PriceReference[]> {
  let query = db
    .selectFrom("contract_price_references")
    .select(["field", "type", "contracts", "p25_fen", "median_fen", "p75_fen", "computed_at"])
    .where("contracts", ">=", PRICE_REFERENCE_MIN_CONTRACTS)
    .orderBy("field")
    .orderBy("type");
  if (field !== undefined) query = query.where("field", "=", field);
  const rows = await query.execute();
  return rows.map((r) => ({
    field: r.field,
    type: r.type,
    contracts: r.contracts,
    p25Fen: Number(r.p25_fen),
    medianFen: Number(r.median_fen),
    p75Fen: Number(r.p75_fen),
    computedAt: r.computed_at,
  }));
}

/** Recomputes the references from the registry; readers keep the previous figures until it is done. */
export async function refreshPriceReferences(db: Kysely<DB>): Promise<void> {
  await sql`refresh materialized view concurrently contract_price_references`.execute(db);
}
