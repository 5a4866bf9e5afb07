import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { toWire } from "~/components/checkout/wire";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { PayoutHistory } from "~/components/payout-history";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { institutionSettlement } from "~/services/payouts";
import { requireUser } from "~/session.server";

// The institution's settlement with the platform: what the platform still owes it for its sales and every payout it
// received, with the bank reference to find it on the statement.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("payouts.mine.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const settlement = await institutionSettlement(await getDb(), user.organisationId, { limit: 200 });
  if (!settlement) throw new Response("Not found", { status: 404 });
  return { settlement: toWire(settlement) };
}

export default function InstitutionSettlement() {
  const { settlement: s } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <PageHead
        title={t("payouts.mine.title")}
        intro={t("payouts.mine.intro")}
        actions={
          <Link className="button button--ghost" to="/institution/orders">
            {t("payouts.mine.toSales")}
          </Link>
        }
      />
      <section className="kpis" aria-label={t("payouts.figures")}>
        <Kpi label={t("payouts.mine.owed")} value={formatFen(s.owedFen, locale)} />
        <Kpi label={t("payouts.mine.paid")} value={formatFen(s.paidFen, locale)} meta={t("payouts.mine.count", { n: s.payoutCount })} />
      </section>
      <PayoutHistory payouts={s.payouts} empty={t("payouts.mine.none")} />
    </div>
  );
}
