import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { translator } from "~/i18n";
import { getLocale } from "~/locale.server";
import { fenToYuan } from "~/services/contracts/money";
import { toCsv } from "~/services/contracts/csv";
import { parseRewardRules, transactionRewards } from "~/services/stats/rewards";
import { requireUser } from "~/session.server";

// The reward table as CSV (UTF-8 with a BOM, amounts in yuan): /bureau/dashboard/rewards.csv?year=…&rate=…&cap=…&type=…
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  const parsed = parseRewardRules(new URL(request.url).searchParams);
  if (!parsed.ok) {
    const lines = Object.entries(parsed.errors).map(([parameter, key]) => `${parameter}: ${translator("en")(key)}`);
    return new Response(`${lines.join("\n")}\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const t = translator(await getLocale(request));
  const table = await transactionRewards(await getDb(), parsed.rules);
  const rows = [
    ["#", t("dashboard.col.seller"), t("contracts.col.seller_type"), t("dashboard.kpi.contracts"), t("rewards.col.incomeYuan"), t("rewards.col.rewardYuan"), t("rewards.capped")],
    ...table.lines.map((l, i) => [i + 1, l.seller, t(`contracts.sellerType.${l.seller_type}`), l.contracts, fenToYuan(l.technical_income_fen), fenToYuan(l.reward_fen), l.capped ? "1" : ""]),
    ["", t("dashboard.total"), "", table.totals.contracts, fenToYuan(table.totals.technical_income_fen), fenToYuan(table.totals.reward_fen), String(table.totals.capped)],
  ];
  return new Response(toCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="rewards-${table.rules.year}-${table.rules.rateBps}bps.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
