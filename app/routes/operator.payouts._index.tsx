import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { formatWhen } from "~/components/checkout/format";
import { toWire } from "~/components/checkout/wire";
import { DataTable } from "~/components/data-table";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { payablesOverview } from "~/services/payouts";
import { requireUser } from "~/session.server";

// 机构结算: what the platform owes each institution for its sales, most owed first, with what has been paid.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("payouts.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  return { overview: toWire(await payablesOverview(await getDb())) };
}

export default function Payouts() {
  const { overview } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const owing = overview.rows.filter((r) => r.owedFen > 0).length;
  return (
    <div>
      <PageHead title={t("payouts.title")} intro={t("payouts.intro")} />
      <section className="kpis" aria-label={t("payouts.figures")}>
        <Kpi label={t("payouts.owedTotal")} value={formatFen(overview.owedFen, locale)} meta={t("payouts.owedInstitutions", { n: owing })} />
        <Kpi label={t("payouts.paidTotal")} value={formatFen(overview.paidFen, locale)} />
      </section>
      {overview.rows.length === 0 ? (
        <p className="empty">{t("payouts.none")}</p>
      ) : (
        <div className="panel--spaced">
          <DataTable
            rows={overview.rows}
            rowKey={(r) => r.institutionId}
            columns={[
              {
                header: t("payouts.colInstitution"),
                className: "title-cell",
                cell: (r) => (
                  <Link to={`/operator/payouts/${r.institutionId}`}>
                    {r.institutionName}
                  </Link>
                ),
              },
              {
                header: t("payouts.colOwed"),
                numeric: true,
                cell: (r) =>
                  r.owedFen > 0 ? (
                    <strong>{formatFen(r.owedFen, locale)}</strong>
                  ) : (
                    "—"
                  ),
              },
              {
                header: t("payouts.colPaid"),
                numeric: true,
                cell: (r) => formatFen(r.paidFen, locale),
              },
              {
                header: t("payouts.colLast"),
                className: "nowrap",
                cell: (r) =>
                  r.lastPaidAt ? formatWhen(r.lastPaidAt, locale) : "—",
              },
              {
                header: "",
                cell: (r) =>
                  r.owedFen > 0 ? (
                    <Link
                      className="button button--ghost"
                      to={`/operator/payouts/${r.institutionId}`}
                    >
                      {t("payouts.open")}
                    </Link>
                  ) : null,
              },
            ]}
          />
        </div>
      )}
    </div>
  );
}
