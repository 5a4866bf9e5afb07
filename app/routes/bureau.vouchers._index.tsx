import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { listProgrammes } from "~/services/vouchers";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { bpsPercent } from "~/components/vouchers";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.bureau.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const programmes = await listProgrammes(await getDb(), { bureauId: user.organisationId });
  const totals = programmes.reduce(
    (s, p) => ({
      budget: s.budget + p.totalBudgetFen,
      remaining: s.remaining + p.remainingBudgetFen,
      redeemed: s.redeemed + p.redeemedFen,
      owed: s.owed + p.owedFen + p.inPaymentFen,
      pending: s.pending + p.pendingApplications,
    }),
    { budget: 0, remaining: 0, redeemed: 0, owed: 0, pending: 0 },
  );
  return { programmes, totals };
}

export default function BureauVoucherProgrammes() {
  const { programmes, totals } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();

  return (
    <div>
      <PageHead
        title={t("vouchers.bureau.title")}
        intro={t("vouchers.bureau.intro")}
        actions={
          <>
            <Link className="button" to="/bureau/vouchers/new">
              {t("vouchers.bureau.new")}
            </Link>
            <Link className="button button--ghost" to="/bureau/vouchers/reimbursement">
              {t("vouchers.reimbursement.title")}
            </Link>
            <Link className="button button--ghost" to="/bureau/vouchers/related-parties">
              {t("vouchers.related.title")}
            </Link>
            <Link className="button button--ghost" to="/bureau/vouchers/spot-checks">
              {t("vouchers.spot.title")}
            </Link>
          </>
        }
      />
      {search.get("created") ? (
        <p className="notice" role="status">
          {t("vouchers.bureau.created")}
        </p>
      ) : null}

      <section className="kpis" aria-label={t("vouchers.wallet.summary")}>
        <Kpi label={t("vouchers.programme.budget")} value={formatFen(totals.budget, locale)} />
        <Kpi label={t("vouchers.programme.remaining")} value={formatFen(totals.remaining, locale)} />
        <Kpi
          label={t("vouchers.programme.redeemed")}
          value={formatFen(totals.redeemed, locale)}
          meta={t("vouchers.programme.owedLine", { owed: formatFen(totals.owed, locale) })}
        />
        <Kpi label={t("vouchers.programme.pending")} value={totals.pending} />
      </section>

      <section className="panel panel--spaced" aria-labelledby="programmes">
        <h2 id="programmes">{t("vouchers.bureau.programmes")}</h2>
        {programmes.length === 0 ? (
          <p className="empty">{t("vouchers.bureau.none")}</p>
        ) : (
          <DataTable
            rows={programmes}
            rowKey={(p) => p.id}
            columns={[
              {
                header: t("vouchers.col.programme"),
                cell: (p) => (
                  <>
                    <Link to={`/bureau/vouchers/${p.id}`}>{p.name}</Link>
                    <br />
                    <small className="kpi__label">
                      {p.validFrom} – {p.validTo}
                    </small>
                  </>
                ),
              },
              {
                header: t("vouchers.col.terms"),
                cell: (p) =>
                  t("vouchers.programme.termsLine", {
                    amount: formatFen(p.voucherAmountFen, locale),
                    coverage: bpsPercent(p.coverageBps),
                    cap: formatFen(p.yearlyCapFen, locale),
                  }),
              },
              {
                header: t("vouchers.programme.budgetUse"),
                cell: (p) => (
                  <div className="voucher-budget">
                    <span className="voucher-budget__track" aria-hidden>
                      <span
                        className="voucher-budget__bar"
                        style={{ width: `${Math.min(100, ((p.totalBudgetFen - p.remainingBudgetFen) / p.totalBudgetFen) * 100)}%` }}
                      />
                    </span>
                    <small>
                      {t("vouchers.programme.remainingOf", {
                        remaining: formatFen(p.remainingBudgetFen, locale),
                        total: formatFen(p.totalBudgetFen, locale),
                      })}
                    </small>
                  </div>
                ),
              },
              { header: t("vouchers.programme.issued"), numeric: true, cell: (p) => p.vouchersIssued },
              { header: t("vouchers.programme.redeemed"), numeric: true, cell: (p) => formatFen(p.redeemedFen, locale) },
              { header: t("vouchers.programme.pending"), numeric: true, cell: (p) => p.pendingApplications },
              {
                header: t("vouchers.col.status"),
                cell: (p) => <span className={`status status--${p.status}`}>{t(`vouchers.programmeStatus.${p.status}`)}</span>,
              },
            ]}
          />
        )}
      </section>
    </div>
  );
}
