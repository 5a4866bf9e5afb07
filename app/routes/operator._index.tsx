import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { formatWhen } from "~/components/checkout/format";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { listBankTransfers, operatorOverview } from "~/services/checkout";
import { requireUser } from "~/session.server";
import { ScrollArea } from "~/components/scroll-area";

// The operator's start page: what needs doing (bank transfers to confirm, soonest deadline first, payouts to make) and
// how trade goes.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.operator.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const db = await getDb();
  const [overview, next] = await Promise.all([operatorOverview(db), listBankTransfers(db, { limit: 8 })]);
  return { overview, next: toWire(next) };
}

export default function OperatorHome() {
  const { overview: o, next } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <PageHead
        title={t("checkout.operator.title")}
        intro={t("checkout.operator.intro")}
        actions={
          <>
            <Link className="button" to="/operator/transfers">
              {t("checkout.operator.toTransfers")}
            </Link>
            <Link className="button button--ghost" to="/operator/payouts">
              {t("payouts.title")}
            </Link>
            <Link className="button button--ghost" to="/operator/orders">
              {t("checkout.lookup.title")}
            </Link>
          </>
        }
      />
      <section className="kpis" aria-label={t("checkout.operator.figures")}>
        <Kpi
          label={t("checkout.operator.awaiting")}
          value={o.awaitingTransfers}
          meta={<><span>{formatFen(o.awaitingTransfersFen, locale)}</span><span>{t("checkout.operator.dueToday", { n: o.transfersDueToday })}</span></>}
        />
        <Kpi
          label={t("checkout.operator.pendingCard")}
          value={o.pendingCard}
          meta={t("checkout.operator.reservations", { n: o.activeReservations })}
        />
        <Kpi label={t("checkout.operator.completedToday")} value={o.completedToday} meta={formatFen(o.completedTodayFen, locale)} />
        <Kpi
          label={t("checkout.operator.completed30d")}
          value={o.completed30d}
          meta={<><span>{formatFen(o.completed30dFen, locale)}</span><span>{t("checkout.operator.refunded30d", { n: o.refunded30d })}</span></>}
        />
      </section>
      <section className="panel panel--spaced" aria-labelledby="next-heading">
        <div className="panel__head">
          <h2 id="next-heading">{t("checkout.operator.next")}</h2>
          <Link to="/operator/transfers">{t("checkout.operator.all")}</Link>
        </div>
        {next.length === 0 ? (
          <p className="muted">{t("checkout.transfers.none")}</p>
        ) : (
          <ScrollArea>
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{t("checkout.transfers.reference")}</th>
                  <th scope="col">{t("checkout.col.buyer")}</th>
                  <th scope="col" className="num">
                    {t("checkout.transfers.amount")}
                  </th>
                  <th scope="col">{t("checkout.transfers.deadline")}</th>
                </tr>
              </thead>
              <tbody>
                {next.map((r) => (
                  <tr key={r.id}>
                    <td className="mono">
                      <Link to={`/operator/transfers/${r.id}`}>{r.bankReference}</Link>
                    </td>
                    <td>{r.buyer}</td>
                    <td className="num">{formatFen(r.cashDueFen, locale)}</td>
                    <td className="nowrap">{formatWhen(r.expiresAt, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollArea>
        )}
      </section>
    </div>
  );
}
