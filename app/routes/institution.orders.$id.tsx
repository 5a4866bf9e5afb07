import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import { formatWhen } from "~/components/checkout/format";
import { OrderHistory, OrderReceipt, OrderPageHead } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { getOrderDetail } from "~/services/checkout";
import { platformFeeFen } from "~/services/ledger";
import { requireUser } from "~/session.server";
import { env } from "~/env.server";
import { idParam } from "~/utils/route-params";

// The seller's receipt of one sale: the same receipt the buyer has, plus how the money reaches the institution.

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.order.title", { no: loaded?.order.orderNo ?? "" })} · ${t("app.name")}` }];
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const order = await getOrderDetail(await getDb(), idParam(params.id));
  if (!order || order.sellerOrganisationId !== user.organisationId) throw new Response("Not found", { status: 404 });
  const feeFen = platformFeeFen(order.cashDueFen, env().PLATFORM_FEE_BPS);
  return { order: toWire(order), feeFen };
}

export default function InstitutionOrder() {
  const { order, feeFen } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const paid = order.status === "completed";
  return (
    <div>
      <OrderPageHead
        order={order}
        about={order.buyer}
        back={{ to: "/institution/orders", label: t("checkout.orders.backToSales") }}
        printable={paid}
      />
      {order.status === "pending" ? (
        <p className="notice">
          {t(order.paymentMethod === "bank_transfer" ? "checkout.sale.awaitingBank" : "checkout.sale.awaitingCard", { at: formatWhen(order.expiresAt, locale) })}
        </p>
      ) : null}
      {paid ? (
        <section className="panel" aria-labelledby="proceeds">
          <h2 id="proceeds">{t("checkout.sale.proceeds")}</h2>
          <dl className="money">
            {order.voucherPartFen > 0 ? (
              <>
                <dt>{t("checkout.sale.fromBureau")}</dt>
                <dd>{formatFen(order.voucherPartFen, locale)}</dd>
              </>
            ) : null}
            {order.cashDueFen > 0 ? (
              <>
                <dt>{t("checkout.sale.fromPlatform")}</dt>
                <dd>{formatFen(order.cashDueFen - feeFen, locale)}</dd>
                <dt>{t("checkout.sale.fee")}</dt>
                <dd>{formatFen(feeFen, locale)}</dd>
              </>
            ) : null}
            <dt className="money__total">{t("checkout.sale.total")}</dt>
            <dd className="money__total">{formatFen(order.priceFen - feeFen, locale)}</dd>
          </dl>
        </section>
      ) : null}
      <OrderReceipt order={order} />
      <OrderHistory events={order.events} />
    </div>
  );
}
