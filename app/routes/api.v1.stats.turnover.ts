import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { parseGroupBy, parseRangeParams } from "~/services/stats/params";
import { turnoverGroups, turnoverSummary } from "~/services/stats/turnover";

function invalid(problem: { parameter: string; message: string }): Response {
  return Response.json({ error: "invalid_parameter", parameter: problem.parameter, message: problem.message }, { status: 400 });
}

// Public turnover figures for the big screen and anyone else: aggregates only, never a party's name (the per-seller
// table stays behind the bureau login). Both dates inclusive; `previous` is the same range one year earlier.
export async function loader({ request }: LoaderFunctionArgs) {
  const search = new URL(request.url).searchParams;
  const range = parseRangeParams(search);
  const groupBy = parseGroupBy(search);
  if (!range.ok) return invalid(range);
  if (!groupBy.ok) return invalid(groupBy);

  const db = await getDb();
  const [summary, groups] = await Promise.all([
    turnoverSummary(db, range.range),
    groupBy.groupBy ? turnoverGroups(db, range.range, groupBy.groupBy) : Promise.resolve([]),
  ]);
  return Response.json(
    {
      from: summary.from,
      to: summary.to,
      contracts: summary.contracts,
      amount_fen: summary.amount_fen,
      technical_income_fen: summary.technical_income_fen,
      previous: {
        contracts: summary.previous.contracts,
        amount_fen: summary.previous.amount_fen,
        technical_income_fen: summary.previous.technical_income_fen,
      },
      growth: { contracts_pct: summary.growth.contracts_pct, amount_pct: summary.growth.amount_pct },
      groups: groups.map((g) => ({ key: g.key, contracts: g.contracts, amount_fen: g.amount_fen, technical_income_fen: g.technical_income_fen })),
    },
    { headers: { "Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*" } },
  );
}
