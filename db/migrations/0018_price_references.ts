import { type Kysely, sql } from "kysely";

// 成交参考价: what technology contracts of a field and type were signed for in the last year, from the registry, so a
// buyer can judge a listed price and a seller can set one (docs/decisions/0018). Quartiles need the rows, and a result
// page must not scan a year of contracts: the figures are a materialized view that the server refreshes every hour,
// off the checkout's path.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create materialized view contract_price_references as
      select field, type, count(*)::int as contracts,
             percentile_disc(0.25) within group (order by amount_fen) as p25_fen,
             percentile_disc(0.5) within group (order by amount_fen) as median_fen,
             percentile_disc(0.75) within group (order by amount_fen) as p75_fen,
             min(signed_on) as first_signed_on,
             max(signed_on) as last_signed_on,
             now() as computed_at
        from contracts
       where status = 'registered' and signed_on > current_date - 365 and signed_on <= current_date
       group by field, type;
    create unique index contract_price_references_key on contract_price_references (field, type);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop materialized view contract_price_references`.execute(db);
}
