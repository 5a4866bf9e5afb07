import { formatFen, formatFenCompact } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { SortableTable, type Column } from "./sortable-table";

/** One row of a breakdown as the stats service returns it (see app/services/stats/turnover.ts). */
export interface BreakdownRow {
  key: string;
  contracts: number;
  amount_fen: number;
  technical_income_fen: number;
}

/** A compact sum (亿元 / 万元) that shows the exact figure on hover; tables stay narrow, the CSV keeps every fen. */
export function Money({ fen }: { fen: number }) {
  const locale = useLocale();
  return <span title={formatFen(fen, locale)}>{formatFenCompact(fen, locale)}</span>;
}

/** "+11.62%" in green, "−3.10%" in red, or "no data a year earlier". */
export function GrowthBadge({ pct }: { pct: number | null }) {
  const t = useT();
  if (pct === null) return <span className="growth growth--none">{t("dashboard.growth.none")}</span>;
  if (pct === 0) return <span className="growth">{t("dashboard.growth.flat")}</span>;
  return pct > 0 ? (
    <span className="growth growth--up">{t("dashboard.growth.up", { pct: pct.toFixed(2) })}</span>
  ) : (
    <span className="growth growth--down">{t("dashboard.growth.down", { pct: (-pct).toFixed(2) })}</span>
  );
}

function share(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "—";
}

/** A sortable breakdown table with a share column and a total row. `label` turns a key into its display name. */
export function BreakdownTable({
  rows,
  keyLabel,
  label,
  caption,
  initialSort = { key: "amount", dir: "desc" },
  limit,
}: {
  rows: BreakdownRow[];
  keyLabel: string;
  label: (key: string) => string;
  caption: string;
  initialSort?: { key: string; dir: "asc" | "desc" };
  limit?: number;
}) {
  const t = useT();
  const locale = useLocale();
  const total = rows.reduce(
    (acc, r) => ({
      contracts: acc.contracts + r.contracts,
      amount_fen: acc.amount_fen + r.amount_fen,
      technical_income_fen: acc.technical_income_fen + r.technical_income_fen,
    }),
    { contracts: 0, amount_fen: 0, technical_income_fen: 0 },
  );
  const money = (fen: number) => <Money fen={fen} />;
  const columns: Column<BreakdownRow>[] = [
    { key: "key", label: keyLabel, sortValue: (r) => label(r.key) },
    { key: "contracts", label: t("dashboard.kpi.contracts"), numeric: true, sortValue: (r) => r.contracts, render: (r) => r.contracts.toLocaleString(locale) },
    { key: "amount", label: t("contracts.col.amount"), numeric: true, sortValue: (r) => r.amount_fen, render: (r) => money(r.amount_fen) },
    {
      key: "income",
      label: t("contracts.col.technical_income"),
      numeric: true,
      sortValue: (r) => r.technical_income_fen,
      render: (r) => money(r.technical_income_fen),
    },
    { key: "share", label: t("dashboard.col.share"), numeric: true, sortValue: (r) => r.amount_fen, render: (r) => share(r.amount_fen, total.amount_fen) },
  ];
  return (
    <SortableTable
      caption={caption}
      columns={columns}
      rows={rows}
      rowKey={(r) => r.key}
      initialSort={initialSort}
      limit={limit}
      footer={[
        t("dashboard.total"),
        total.contracts.toLocaleString(locale),
        money(total.amount_fen),
        money(total.technical_income_fen),
        total.amount_fen > 0 ? "100%" : "—",
      ]}
    />
  );
}
