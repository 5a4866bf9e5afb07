import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import chartsStylesheet from "~/components/charts/charts.css?url";
import { BarList } from "~/components/charts/bar-list";
import { BreakdownTable, GrowthBadge, Money } from "~/components/charts/breakdown";
import { DonutChart } from "~/components/charts/donut-chart";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { SortableTable, type Column } from "~/components/charts/sortable-table";
import { TrendChart } from "~/components/charts/trend-chart";
import { getDb } from "~/db.server";
import { formatFen, formatFenCompact, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { parseRangeParams, rangePresets } from "~/services/stats/params";
import { bureauSentence, periodLabel } from "~/services/stats/sentence";
import { dashboard, type GroupRow, type SellerRow } from "~/services/stats/turnover";
import { voucherPanel, type ProgrammeFigures, type VoucherFigures, type VoucherPanel } from "~/services/stats/vouchers";
import { requireUser } from "~/session.server";
import { DateRangeFields } from "~/components/date-range-fields";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: chartsStylesheet }];

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("dashboard.title")} · ${t("app.name")}` }];
};

const TOP_SELLERS = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const presets = rangePresets();
  const parsed = parseRangeParams(new URL(request.url).searchParams, presets[0].range);
  // A bad date keeps the page usable: it shows the default range and says what was wrong.
  const range = parsed.ok ? parsed.range : presets[0].range;
  const db = await getDb();
  const [data, vouchers] = await Promise.all([
    dashboard(db, range, { topSellers: TOP_SELLERS }),
    voucherPanel(db, range, { bureauId: user.organisationId }),
  ]);
  return { range, rangeError: parsed.ok ? null : parsed.message, presets, data, vouchers };
}

function rangeQuery(range: { from: string; to: string }): string {
  return new URLSearchParams(range).toString();
}

function CsvLink({ table, range }: { table: string; range: { from: string; to: string } }) {
  const t = useT();
  return (
    <a className="csv-link" href={`/bureau/dashboard/export/${table}?${rangeQuery(range)}`} download>
      ⬇ {t("dashboard.csv")}
    </a>
  );
}

/** One breakdown of the range: a chart of amounts above the sortable table, with its CSV download. */
function BreakdownPanel(props: {
  table: string;
  title: string;
  keyLabel: string;
  rows: GroupRow[];
  label: (key: string) => string;
  limit?: number;
  range: { from: string; to: string };
  children: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={`${props.table}-heading`}>
      <div className="panel__head">
        <h2 id={`${props.table}-heading`}>{props.title}</h2>
        <CsvLink table={props.table} range={props.range} />
      </div>
      {props.children}
      <BreakdownTable caption={props.title} rows={props.rows} keyLabel={props.keyLabel} label={props.label} limit={props.limit} />
    </section>
  );
}

export default function Dashboard() {
  const { range, rangeError, presets, data, vouchers } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const s = data.summary;
  const compact = (fen: number) => formatFenCompact(fen, locale);

  const monthRows = data.months.map((m, i) => ({ ...m, previous: data.previousMonths[i] ?? null }));
  const monthColumns: Column<(typeof monthRows)[number]>[] = [
    { key: "month", label: t("dashboard.col.month"), sortValue: (r) => r.key, render: (r) => <span className="nowrap">{r.key}</span> },
    { key: "contracts", label: t("dashboard.kpi.contracts"), numeric: true, sortValue: (r) => r.contracts, render: (r) => r.contracts.toLocaleString(locale) },
    { key: "amount", label: t("contracts.col.amount"), numeric: true, sortValue: (r) => r.amount_fen, render: (r) => <Money fen={r.amount_fen} /> },
    {
      key: "income",
      label: t("contracts.col.technical_income"),
      numeric: true,
      sortValue: (r) => r.technical_income_fen,
      render: (r) => <Money fen={r.technical_income_fen} />,
    },
    {
      key: "previous",
      label: `${t("dashboard.trend.previous")} · ${t("contracts.col.amount")}`,
      numeric: true,
      sortValue: (r) => r.previous?.amount_fen ?? 0,
      render: (r) => <Money fen={r.previous?.amount_fen ?? 0} />,
    },
  ];
  const sellerColumns: Column<SellerRow>[] = [
    { key: "seller", label: t("dashboard.col.seller"), sortValue: (r) => r.seller },
    { key: "type", label: t("contracts.col.seller_type"), sortValue: (r) => t(`contracts.sellerType.${r.seller_type}`) },
    { key: "contracts", label: t("dashboard.kpi.contracts"), numeric: true, sortValue: (r) => r.contracts, render: (r) => r.contracts.toLocaleString(locale) },
    { key: "amount", label: t("contracts.col.amount"), numeric: true, sortValue: (r) => r.amount_fen, render: (r) => <Money fen={r.amount_fen} /> },
    {
      key: "income",
      label: t("contracts.col.technical_income"),
      numeric: true,
      sortValue: (r) => r.technical_income_fen,
      render: (r) => <Money fen={r.technical_income_fen} />,
    },
  ];
  const barItems = (rows: typeof data.byField, label: (k: string) => string) =>
    rows.map((r) => ({ key: r.key, label: label(r.key), value: r.amount_fen, display: compact(r.amount_fen) }));
  const fieldLabel = (k: string) => t(`field.${k}`);
  const typeLabel = (k: string) => t(`contracts.type.${k}`);
  const sellerTypeLabel = (k: string) => t(`contracts.sellerType.${k}`);
  const same = (a: { from: string; to: string }) => a.from === range.from && a.to === range.to;

  return (
    <div className="bureau-dashboard">
      <PageHead
        title={t("dashboard.title")}
        intro={
          <>
            {t("dashboard.range")}：{periodLabel(range, locale)}
          </>
        }
        actions={
          <>
            <Link className="button button--ghost" to={`/bureau/dashboard/report?${rangeQuery(range)}`}>
              {t("dashboard.print")}
            </Link>
            <Link className="button button--ghost" to="/bureau/contracts">
              {t("nav.contracts")}
            </Link>
            <Link className="button button--ghost" to="/bureau/dashboard/rewards">
              {t("rewards.open")}
            </Link>
          </>
        }
      />

      <Form method="get" className="range-form" aria-label={t("dashboard.range")}>
        <DateRangeFields idPrefix="range" from={range.from} to={range.to} labels={{ from: t("dashboard.from"), to: t("dashboard.to") }} required />
        <button type="submit" className="button">
          {t("dashboard.apply")}
        </button>
      </Form>
      <ul className="presets">
        {presets.map((p) => (
          <li key={p.id}>
            <Link to={`?${rangeQuery(p.range)}`} aria-current={same(p.range) ? "true" : undefined}>
              {t(`dashboard.preset.${p.id}`)}
            </Link>
          </li>
        ))}
      </ul>
      {rangeError ? (
        <p className="notice" role="alert">
          {t("dashboard.rangeError", { message: rangeError })}
        </p>
      ) : null}

      <section className="kpis" aria-label={t("dashboard.title")}>
        <Kpi
          label={t("dashboard.kpi.contracts")}
          value={<>{s.contracts.toLocaleString(locale)}<small>{t("dashboard.kpi.unit.contracts")}</small></>}
          meta={<><GrowthBadge pct={s.growth.contracts_pct} /><span>{t("dashboard.kpi.previous", { value: s.previous.contracts.toLocaleString(locale) })}</span></>}
        />
        <Kpi
          label={t("dashboard.kpi.amount")}
          value={compact(s.amount_fen)}
          meta={<><GrowthBadge pct={s.growth.amount_pct} /><span>{t("dashboard.kpi.previous", { value: compact(s.previous.amount_fen) })}</span></>}
          title={formatFen(s.amount_fen, locale)}
        />
        <Kpi
          label={t("dashboard.kpi.technicalIncome")}
          value={compact(s.technical_income_fen)}
          meta={<><GrowthBadge pct={s.growth.technical_income_pct} /><span>{t("dashboard.kpi.previous", { value: compact(s.previous.technical_income_fen) })}</span></>}
          title={formatFen(s.technical_income_fen, locale)}
        />
      </section>
      <p className="sentence">{bureauSentence(s, locale)}</p>
      {s.contracts === 0 ? <p className="empty">{t("dashboard.noData")}</p> : null}

      <section className="panel panel--spaced" aria-labelledby="trend-heading">
        <div className="panel__head">
          <h2 id="trend-heading">{t("dashboard.trend")}</h2>
          <CsvLink table="month" range={range} />
        </div>
        <TrendChart
          title={`${t("dashboard.trend")} · ${periodLabel(range, locale)}`}
          points={monthRows.map((m) => ({ label: m.key, value: m.amount_fen, previous: m.previous?.amount_fen ?? 0 }))}
          formatValue={compact}
          currentLabel={t("dashboard.trend.current")}
          previousLabel={t("dashboard.trend.previous")}
        />
        <SortableTable caption={t("dashboard.byMonth")} columns={monthColumns} rows={monthRows} rowKey={(r) => r.key} />
      </section>

      <div className="panel-grid">
        <BreakdownPanel table="field" title={t("dashboard.byField")} keyLabel={t("contracts.col.field")} rows={data.byField} label={fieldLabel} range={range}>
          <BarList title={t("dashboard.byField")} items={barItems(data.byField, fieldLabel)} />
        </BreakdownPanel>
        <BreakdownPanel table="type" title={t("dashboard.byType")} keyLabel={t("contracts.col.type")} rows={data.byType} label={typeLabel} range={range}>
          <BarList title={t("dashboard.byType")} items={barItems(data.byType, typeLabel)} />
        </BreakdownPanel>
        <BreakdownPanel
          table="seller_type"
          title={t("dashboard.bySellerType")}
          keyLabel={t("contracts.col.seller_type")}
          rows={data.bySellerType}
          label={sellerTypeLabel}
          range={range}
        >
          <DonutChart
            title={t("dashboard.bySellerType")}
            slices={data.bySellerType.map((r) => ({ key: r.key, label: sellerTypeLabel(r.key), value: r.amount_fen, display: compact(r.amount_fen) }))}
          />
        </BreakdownPanel>
        <BreakdownPanel
          table="buyer_region"
          title={t("dashboard.byBuyerRegion")}
          keyLabel={t("dashboard.col.region")}
          rows={data.byBuyerRegion}
          label={(k) => k}
          limit={10}
          range={range}
        >
          <BarList title={t("dashboard.byBuyerRegion")} items={barItems(data.byBuyerRegion, (k) => k)} limit={10} />
        </BreakdownPanel>
      </div>

      <section className="panel panel--spaced" aria-labelledby="seller-heading">
        <div className="panel__head">
          <h2 id="seller-heading">{t("dashboard.bySeller", { limit: Math.min(TOP_SELLERS, data.sellerCount), count: data.sellerCount })}</h2>
          <CsvLink table="seller" range={range} />
        </div>
        <SortableTable
          caption={t("dashboard.bySellerCsv")}
          columns={sellerColumns}
          rows={data.topSellers}
          rowKey={(r) => `${r.seller}|${r.seller_type}`}
          limit={15}
        />
      </section>

      <VoucherSection panel={vouchers} range={range} />

      <section className="panel panel--spaced" aria-labelledby="funnel-heading">
        <div className="panel__head">
          <h2 id="funnel-heading">{t("dashboard.funnel")}</h2>
          <CsvLink table="funnel" range={range} />
        </div>
        <dl className="funnel">
          <div>
            <dt>{t("dashboard.funnel.listed")}</dt>
            <dd>{data.funnel.listed.toLocaleString(locale)}</dd>
          </div>
          <div>
            <dt>{t("dashboard.funnel.transferred")}</dt>
            <dd>{data.funnel.transferred.toLocaleString(locale)}</dd>
          </div>
          <div>
            <dt>{t("dashboard.funnel.median")}</dt>
            <dd>{data.funnel.median_days_to_transfer === null ? "—" : t("dashboard.funnel.days", { days: data.funnel.median_days_to_transfer })}</dd>
          </div>
          <div>
            <dt>{t("dashboard.funnel.awaiting")}</dt>
            <dd>{data.funnel.awaiting_now.toLocaleString(locale)}</dd>
          </div>
        </dl>
        <p className="note">{t("dashboard.funnel.note")}</p>
      </section>
    </div>
  );
}

/** "已用 82%，剩余 ¥180,000" with a bar; red once the budget left cannot pay for another voucher. */
function BudgetBar({ label, figures, exhausted, voucherAmountFen }: { label: string; figures: VoucherFigures; exhausted?: boolean; voucherAmountFen?: number }) {
  const t = useT();
  const locale = useLocale();
  const text = t("dashboard.vouchers.budgetUse", { pct: figures.budgetUsedPct, left: formatFen(figures.budgetLeftFen, locale) });
  const warning = !exhausted
    ? null
    : figures.budgetLeftFen === 0 || voucherAmountFen === undefined
    ? t("dashboard.vouchers.exhausted")
    : t("dashboard.vouchers.tooLittle", { amount: formatFen(voucherAmountFen, locale) });
  // Label and figures on one line (wrapping on a phone), the bar full width below: the sentence is the figure, the
  // bar only shows it.
  return (
    <li style={{ display: "grid", gap: "0.3rem" }}>
      <span style={{ display: "flex", flexWrap: "wrap", justifyContent: "space-between", gap: "0.1rem 1rem" }}>
        <span>{label}</span>
        <span className="kpi__label">
          {text}
          {warning ? <span className={figures.budgetLeftFen === 0 ? "growth growth--down" : "growth"}>{` · ${warning}`}</span> : null}
        </span>
      </span>
      <span
        className="bar-list__track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={figures.budgetUsedPct}
        aria-valuetext={text}
      >
        <span
          className="bar-list__bar"
          style={{ width: `${Math.min(100, figures.budgetUsedPct)}%`, background: exhausted ? "var(--danger, #b42318)" : undefined }}
        />
      </span>
    </li>
  );
}

/** The voucher programmes: budget use per programme, then every figure in a sortable table with a total row. */
function VoucherSection({ panel, range }: { panel: VoucherPanel; range: { from: string; to: string } }) {
  const t = useT();
  const locale = useLocale();
  const money = (fen: number) => <Money fen={fen} />;
  const count = (n: number) => n.toLocaleString(locale);
  const columns: Column<ProgrammeFigures>[] = [
    {
      key: "programme",
      label: t("dashboard.vouchers.col.programme"),
      sortValue: (r) => r.name,
      render: (r) => (
        <Link to={`/bureau/vouchers/${r.programmeId}`} style={{ display: "inline-block", minWidth: "8rem" }}>
          {r.name}
          <small className="nowrap"> · {r.year}</small>
        </Link>
      ),
    },
    { key: "budget", label: t("dashboard.vouchers.col.budget"), numeric: true, sortValue: (r) => r.budgetFen, render: (r) => money(r.budgetFen) },
    {
      key: "issued",
      label: t("dashboard.vouchers.col.issued"),
      numeric: true,
      sortValue: (r) => r.issuedFen,
      render: (r) => (
        <>
          {money(r.issuedFen)} <small>({t("dashboard.vouchers.count", { count: count(r.issuedCount) })})</small>
        </>
      ),
    },
    { key: "redeemed", label: t("dashboard.vouchers.col.redeemed"), numeric: true, sortValue: (r) => r.redeemedFen, render: (r) => money(r.redeemedFen) },
    { key: "reimbursed", label: t("dashboard.vouchers.col.reimbursed"), numeric: true, sortValue: (r) => r.reimbursedFen, render: (r) => money(r.reimbursedFen) },
    {
      key: "awaiting",
      label: t("dashboard.vouchers.col.awaiting"),
      numeric: true,
      sortValue: (r) => r.awaitingReimbursementFen,
      render: (r) => money(r.awaitingReimbursementFen),
    },
    { key: "served", label: t("dashboard.vouchers.col.served"), numeric: true, sortValue: (r) => r.enterprisesServed, render: (r) => count(r.enterprisesServed) },
    { key: "left", label: t("dashboard.vouchers.col.budgetLeft"), numeric: true, sortValue: (r) => r.budgetLeftFen, render: (r) => money(r.budgetLeftFen) },
    {
      key: "pRedeemed",
      label: t("dashboard.vouchers.col.periodRedeemed"),
      numeric: true,
      sortValue: (r) => r.period.redeemedFen,
      render: (r) => money(r.period.redeemedFen),
    },
    {
      key: "pReimbursed",
      label: t("dashboard.vouchers.col.periodReimbursed"),
      numeric: true,
      sortValue: (r) => r.period.reimbursedFen,
      render: (r) => money(r.period.reimbursedFen),
    },
  ];
  const total = panel.total;
  return (
    <section className="panel panel--spaced" aria-labelledby="vouchers-heading">
      <div className="panel__head">
        <h2 id="vouchers-heading">{t("dashboard.vouchers.title")}</h2>
        {panel.programmes.length > 0 ? <CsvLink table="vouchers" range={range} /> : null}
      </div>
      {!panel.anyProgramme ? (
        <p className="empty">
          {t("dashboard.vouchers.none")} <Link to="/bureau/vouchers/new">{t("dashboard.vouchers.create")}</Link>
        </p>
      ) : panel.programmes.length === 0 ? (
        <p className="empty">{t("dashboard.vouchers.noneInRange")}</p>
      ) : (
        <>
          <p className="kpi__label">{t("dashboard.vouchers.legend")}</p>
          <ul className="bar-list" aria-label={t("dashboard.vouchers.col.budgetUsed")} style={{ margin: "0.75rem 0 0", gap: "0.8rem" }}>
            {panel.programmes.map((p) => (
              <BudgetBar key={p.programmeId} label={`${p.name} · ${p.year}`} figures={p} exhausted={p.exhausted} voucherAmountFen={p.voucherAmountFen} />
            ))}
            {panel.programmes.length > 1 ? <BudgetBar label={t("dashboard.vouchers.totalBar")} figures={total} /> : null}
          </ul>
          <p className="sentence">
            {t("dashboard.vouchers.periodLine", {
              period: periodLabel(range, locale),
              count: count(total.period.issuedCount),
              issued: formatFen(total.period.issuedFen, locale),
              redeemed: formatFen(total.period.redeemedFen, locale),
              reimbursed: formatFen(total.period.reimbursedFen, locale),
              served: count(total.period.enterprisesServed),
            })}
          </p>
          <SortableTable
            caption={t("dashboard.vouchers.title")}
            columns={columns}
            rows={panel.programmes}
            rowKey={(r) => String(r.programmeId)}
            footer={[
              t("dashboard.total"),
              money(total.budgetFen),
              <>
                {money(total.issuedFen)} <small>({t("dashboard.vouchers.count", { count: count(total.issuedCount) })})</small>
              </>,
              money(total.redeemedFen),
              money(total.reimbursedFen),
              money(total.awaitingReimbursementFen),
              count(total.enterprisesServed),
              money(total.budgetLeftFen),
              money(total.period.redeemedFen),
              money(total.period.reimbursedFen),
            ]}
          />
          <p className="note">
            {t("dashboard.vouchers.note")} {panel.programmes.length > 1 ? t("dashboard.vouchers.servedNote") : null}
          </p>
        </>
      )}
    </section>
  );
}
