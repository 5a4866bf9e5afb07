import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import type { Locale } from "../../i18n";
import { translator } from "../../i18n";
import { toCsv, type CsvCell } from "../contracts/csv";
import { fenToYuan } from "../contracts/money";
import { previousYearRange, ratioPct, type DateRange } from "./range";
import {
  listingFunnel,
  turnoverBySeller,
  turnoverGroups,
  turnoverSummary,
  type GroupBy,
  type GroupRow,
  type Totals,
} from "./turnover";
import { voucherPanel, voucherPanelCsvRows } from "./vouchers";

// CSV exports of every dashboard table: UTF-8 with a BOM (Excel then reads the Chinese), amounts in yuan with two
// decimals, a 合计 (total) row under each breakdown.

export const EXPORT_TABLES = ["summary", "month", "field", "type", "seller_type", "buyer_region", "seller", "funnel", "vouchers"] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

export function isExportTable(value: string): value is ExportTable {
  return (EXPORT_TABLES as readonly string[]).includes(value);
}

/** The label of a breakdown key: a translated code, or the region as registered. */
export function groupLabel(groupBy: GroupBy, key: string, locale: Locale): string {
  const t = translator(locale);
  switch (groupBy) {
    case "field":
      return t(`field.${key}`);
    case "type":
      return t(`contracts.type.${key}`);
    case "seller_type":
      return t(`contracts.sellerType.${key}`);
    default:
      return key;
  }
}

/** Share of a part in percent with two decimals, exact; null when the whole is 0. */
export function sharePct(part: number, whole: number): number | null {
  return ratioPct(part, whole);
}

function sum(rows: Totals[]): Totals {
  return rows.reduce(
    (acc, r) => ({
      contracts: acc.contracts + r.contracts,
      amount_fen: acc.amount_fen + r.amount_fen,
      technical_income_fen: acc.technical_income_fen + r.technical_income_fen,
    }),
    { contracts: 0, amount_fen: 0, technical_income_fen: 0 },
  );
}

export interface CsvExport {
  filename: string;
  body: string;
}

/** `bureauId` limits the "vouchers" table to that bureau's programmes, as on the dashboard. */
export async function exportTable(
  db: Kysely<DB>,
  table: ExportTable,
  range: DateRange,
  locale: Locale,
  options: { bureauId?: number } = {},
): Promise<CsvExport> {
  const t = translator(locale);
  const money = (fen: number) => fenToYuan(fen);
  const cols = {
    contracts: t("dashboard.kpi.contracts"),
    amount: t("contracts.col.amount_yuan"),
    income: t("contracts.col.technical_income_yuan"),
    share: `${t("dashboard.col.share")} (%)`,
  };
  const rows: CsvCell[][] = [];
  const totalsCells = (x: Totals): CsvCell[] => [x.contracts, money(x.amount_fen), money(x.technical_income_fen)];

  if (table === "summary") {
    const s = await turnoverSummary(db, range);
    const previous = previousYearRange(range);
    rows.push([t("dashboard.col.key"), `${range.from}~${range.to}`, `${previous.from}~${previous.to}`, t("dashboard.col.growth")]);
    rows.push([cols.contracts, s.contracts, s.previous.contracts, s.growth.contracts_pct]);
    rows.push([cols.amount, money(s.amount_fen), money(s.previous.amount_fen), s.growth.amount_pct]);
    rows.push([cols.income, money(s.technical_income_fen), money(s.previous.technical_income_fen), s.growth.technical_income_pct]);
  } else if (table === "month") {
    const [current, previous] = await Promise.all([turnoverGroups(db, range, "month"), turnoverGroups(db, previousYearRange(range), "month")]);
    rows.push([
      t("dashboard.col.month"),
      cols.contracts,
      cols.amount,
      cols.income,
      `${t("dashboard.trend.previous")} · ${cols.contracts}`,
      `${t("dashboard.trend.previous")} · ${cols.amount}`,
    ]);
    current.forEach((m, i) => {
      const p = previous[i];
      rows.push([m.key, ...totalsCells(m), p?.contracts ?? 0, money(p?.amount_fen ?? 0)]);
    });
    const total = sum(current);
    const totalPrevious = sum(previous);
    rows.push([t("dashboard.total"), ...totalsCells(total), totalPrevious.contracts, money(totalPrevious.amount_fen)]);
  } else if (table === "seller") {
    const sellers = await turnoverBySeller(db, range);
    rows.push([t("dashboard.col.seller"), t("contracts.col.seller_type"), cols.contracts, cols.amount, cols.income, cols.share]);
    const total = sum(sellers);
    for (const s of sellers)
      rows.push([s.seller, t(`contracts.sellerType.${s.seller_type}`), ...totalsCells(s), sharePct(s.amount_fen, total.amount_fen)]);
    rows.push([t("dashboard.total"), "", ...totalsCells(total), total.amount_fen > 0 ? 100 : null]);
  } else if (table === "vouchers") {
    rows.push(...voucherPanelCsvRows(await voucherPanel(db, range, { bureauId: options.bureauId }), locale));
  } else if (table === "funnel") {
    const f = await listingFunnel(db, range);
    rows.push([t("dashboard.col.key"), `${range.from}~${range.to}`]);
    rows.push([t("dashboard.funnel.listed"), f.listed]);
    rows.push([t("dashboard.funnel.transferred"), f.transferred]);
    rows.push([t("dashboard.funnel.median"), f.median_days_to_transfer]);
    rows.push([t("dashboard.funnel.awaiting"), f.awaiting_now]);
  } else {
    const groups: GroupRow[] = await turnoverGroups(db, range, table);
    const total = sum(groups);
    const keyHeader = table === "buyer_region" ? t("dashboard.col.region") : t(`contracts.col.${table}`);
    if (table === "buyer_region") rows.push([keyHeader, cols.contracts, cols.amount, cols.income, cols.share]);
    else rows.push(["code", keyHeader, cols.contracts, cols.amount, cols.income, cols.share]);
    for (const g of groups) {
      const tail: CsvCell[] = [...totalsCells(g), sharePct(g.amount_fen, total.amount_fen)];
      rows.push(table === "buyer_region" ? [g.key, ...tail] : [g.key, groupLabel(table, g.key, locale), ...tail]);
    }
    const totalTail: CsvCell[] = [...totalsCells(total), total.amount_fen > 0 ? 100 : null];
    rows.push(table === "buyer_region" ? [t("dashboard.total"), ...totalTail] : [t("dashboard.total"), "", ...totalTail]);
  }
  return { filename: `turnover-${table}-${range.from}-${range.to}.csv`, body: toCsv(rows) };
}
