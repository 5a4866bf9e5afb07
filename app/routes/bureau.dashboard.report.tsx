import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import chartsStylesheet from "~/components/charts/charts.css?url";
import { GrowthBadge, type BreakdownRow } from "~/components/charts/breakdown";
import { TrendChart } from "~/components/charts/trend-chart";
import { getDb } from "~/db.server";
import { formatFenCompact, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { parseRangeParams, rangePresets } from "~/services/stats/params";
import { bureauSentence, periodLabel } from "~/services/stats/sentence";
import { dashboard } from "~/services/stats/turnover";
import { voucherPanel } from "~/services/stats/vouchers";
import { requireUser } from "~/session.server";
import { ScrollArea } from "~/components/scroll-area";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: chartsStylesheet }];

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("dashboard.report.title", { city: t("dashboard.report.city") })} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const parsed = parseRangeParams(new URL(request.url).searchParams, rangePresets()[0].range);
  if (!parsed.ok) throw new Response(parsed.message, { status: 400 });
  const db = await getDb();
  const [data, vouchers] = await Promise.all([
    dashboard(db, parsed.range, { topSellers: 10 }),
    voucherPanel(db, parsed.range, { bureauId: user.organisationId }),
  ]);
  return { range: parsed.range, data, vouchers, generatedAt: new Date().toISOString() };
}

/** A compact, print-friendly table: category, contracts, contract value, share. */
function ReportTable({
  rows,
  keyLabel,
  label,
  whole,
  limit,
}: {
  rows: BreakdownRow[];
  keyLabel: string;
  label: (key: string) => string;
  /** the period's contract value, for the share column */
  whole: number;
  limit?: number;
}) {
  const t = useT();
  const locale = useLocale();
  const shown = (limit ? rows.slice(0, limit) : rows).filter((r) => r.contracts > 0);
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{keyLabel}</th>
          <th scope="col" className="num">
            {t("dashboard.kpi.contracts")}
          </th>
          <th scope="col" className="num">
            {t("contracts.col.amount")}
          </th>
          <th scope="col" className="num">
            {t("dashboard.col.shareShort")}
          </th>
        </tr>
      </thead>
      <tbody>
        {shown.map((r) => (
          <tr key={r.key}>
            <td>{label(r.key)}</td>
            <td className="num">{r.contracts.toLocaleString(locale)}</td>
            <td className="num">{formatFenCompact(r.amount_fen, locale)}</td>
            <td className="num">{whole > 0 ? `${((r.amount_fen / whole) * 100).toFixed(1)}%` : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function Report() {
  const { range, data, vouchers, generatedAt } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const s = data.summary;
  const compact = (fen: number) => formatFenCompact(fen, locale);
  const query = new URLSearchParams(range).toString();
  const generated = new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short", timeZone: "Asia/Shanghai" }).format(new Date(generatedAt));

  return (
    <>
      <div className="report-actions no-print">
        <button type="button" className="button" onClick={() => window.print()}>
          {t("dashboard.report.printNow")}
        </button>
        <Link className="button button--ghost" to={`/bureau/dashboard?${query}`}>
          {t("dashboard.report.back")}
        </Link>
      </div>
      <article className="report">
        <h1>{t("dashboard.report.title", { city: t("dashboard.report.city") })}</h1>
        <p className="report__period">{periodLabel(range, locale)}</p>
        <p className="report__sentence">{bureauSentence(s, locale)}</p>

        <table className="report__summary">
          <thead>
            <tr>
              <th scope="col">{t("dashboard.col.key")}</th>
              <th scope="col" className="num">
                {periodLabel(range, locale)}
              </th>
              <th scope="col" className="num">
                {t("dashboard.trend.previous")}
              </th>
              <th scope="col" className="num">
                {t("dashboard.col.growth")}
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>{t("dashboard.kpi.contracts")}</td>
              <td className="num">{s.contracts.toLocaleString(locale)}</td>
              <td className="num">{s.previous.contracts.toLocaleString(locale)}</td>
              <td className="num">
                <GrowthBadge pct={s.growth.contracts_pct} />
              </td>
            </tr>
            <tr>
              <td>{t("dashboard.kpi.amount")}</td>
              <td className="num">{compact(s.amount_fen)}</td>
              <td className="num">{compact(s.previous.amount_fen)}</td>
              <td className="num">
                <GrowthBadge pct={s.growth.amount_pct} />
              </td>
            </tr>
            <tr>
              <td>{t("dashboard.kpi.technicalIncome")}</td>
              <td className="num">{compact(s.technical_income_fen)}</td>
              <td className="num">{compact(s.previous.technical_income_fen)}</td>
              <td className="num">
                <GrowthBadge pct={s.growth.technical_income_pct} />
              </td>
            </tr>
          </tbody>
        </table>

        <section>
          <h2>{t("dashboard.trend")}</h2>
          <TrendChart
            title={t("dashboard.trend")}
            points={data.months.map((m, i) => ({ label: m.key, value: m.amount_fen, previous: data.previousMonths[i]?.amount_fen ?? 0 }))}
            formatValue={compact}
            currentLabel={t("dashboard.trend.current")}
            previousLabel={t("dashboard.trend.previous")}
          />
        </section>

        <div className="report__grid">
          <section>
            <h2>{t("dashboard.byType")}</h2>
            <ReportTable rows={data.byType} keyLabel={t("contracts.col.type")} label={(k) => t(`contracts.type.${k}`)} whole={s.amount_fen} />
          </section>
          <section>
            <h2>{t("dashboard.bySellerType")}</h2>
            <ReportTable rows={data.bySellerType} keyLabel={t("contracts.col.seller_type")} label={(k) => t(`contracts.sellerType.${k}`)} whole={s.amount_fen} />
          </section>
          <section>
            <h2>{t("dashboard.byField")}</h2>
            <ReportTable rows={data.byField} keyLabel={t("contracts.col.field")} label={(k) => t(`field.${k}`)} whole={s.amount_fen} />
          </section>
          <section>
            <h2>{t("dashboard.report.topRegions")}</h2>
            <ReportTable rows={data.byBuyerRegion} keyLabel={t("dashboard.col.region")} label={(k) => k} whole={s.amount_fen} limit={10} />
          </section>
          <section className="report__wide">
            <h2>{t("dashboard.report.topSellers")}</h2>
            <ReportTable
              rows={data.topSellers.map((r) => ({ ...r, key: `${r.seller}\u0000${r.seller_type}` }))}
              keyLabel={t("dashboard.col.seller")}
              label={(k) => k.split("\u0000")[0]}
              whole={s.amount_fen}
              limit={10}
            />
          </section>
        </div>
        {vouchers.programmes.length > 0 ? (
          <section>
            <h2>{t("dashboard.vouchers.report.heading", { date: generated })}</h2>
            <ScrollArea className="report__scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t("dashboard.vouchers.col.programme")}</th>
                    {["budget", "issued", "redeemed", "reimbursed", "served", "budgetLeft"].map((k) => (
                      <th key={k} scope="col" className="num">
                        {t(`dashboard.vouchers.col.${k}`)}
                      </th>
                    ))}
                    <th scope="col" className="num">
                      {t("dashboard.vouchers.col.budgetUsed")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {vouchers.programmes.map((p) => (
                    <tr key={p.programmeId}>
                      <td>
                        {p.name} · {p.year}
                      </td>
                      <td className="num">{compact(p.budgetFen)}</td>
                      <td className="num">
                        {compact(p.issuedFen)} · {t("dashboard.vouchers.count", { count: p.issuedCount.toLocaleString(locale) })}
                      </td>
                      <td className="num">{compact(p.redeemedFen)}</td>
                      <td className="num">{compact(p.reimbursedFen)}</td>
                      <td className="num">{p.enterprisesServed.toLocaleString(locale)}</td>
                      <td className="num">{compact(p.budgetLeftFen)}</td>
                      <td className="num">{p.budgetUsedPct}%</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollArea>
          </section>
        ) : null}
        <footer className="report__foot">
          <span>{t("dashboard.report.generated", { at: generated })}</span>
          <span>{t("dashboard.report.issuer")}</span>
        </footer>
      </article>
    </>
  );
}
