import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { formatWhen } from "~/components/checkout/format";
import { OrderStatusBadge, OrdersPager, OrderStatusTabs } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { listOrders, orderListParams, ORDERS_PAGE_SIZE } from "~/services/checkout";
import { institutionSettlement } from "~/services/payouts";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";

// The institution's sales: every order for its results, with what the vouchers pay (reimbursed by the bureau) and
// what comes through the platform (less the platform fee).

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.orders.sales")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const { status, page } = orderListParams(new URL(request.url));
  const db = await getDb();
  const [orders, settlement] = await Promise.all([
    listOrders(db, { sellerOrganisationId: user.organisationId }, { status, page }),
    institutionSettlement(db, user.organisationId, { limit: 1 }),
  ]);
  return { orders: toWire(orders), settlement: settlement ? toWire(settlement) : null, status, page, perPage: ORDERS_PAGE_SIZE };
}

export default function InstitutionOrders() {
  const { orders, settlement, status, page, perPage } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <PageHead
        title={t("checkout.orders.sales")}
        intro={t("checkout.orders.salesIntro")}
        actions={
          <Link className="button button--ghost" to="/institution/inquiries">
            {t("checkout.inquiry.received")}
          </Link>
        }
      />
      {settlement && (settlement.owedFen > 0 || settlement.paidFen > 0) ? (
        <section className="kpis settlement-kpis" aria-label={t("payouts.mine.title")}>
          <Kpi label={t("payouts.mine.owed")} value={formatFen(settlement.owedFen, locale)} />
          <Kpi
            label={t("payouts.mine.paid")}
            value={formatFen(settlement.paidFen, locale)}
            meta={
              <>
                {settlement.payouts[0] ? (
                  <span>
                    {t("payouts.mine.recent")} {formatWhen(settlement.payouts[0].paidAt, locale)} · {formatFen(settlement.payouts[0].amountFen, locale)}
                  </span>
                ) : null}
                <Link to="/institution/settlement">{t("payouts.mine.details")} →</Link>
              </>
            }
          />
        </section>
      ) : null}
      <OrderStatusTabs statuses={["pending", "completed", "refunded", "cancelled", "expired"]} counts={orders.counts} current={status} />
      {orders.rows.length === 0 ? (
        <p className="empty">{t("checkout.orders.noSales")}</p>
      ) : (
        <DataTable
          stackOnPhone
          className="orders-table"
          rows={orders.rows}
          rowKey={(o) => o.id}
          columns={[
            { header: t("checkout.col.orderNo"), className: "mono", cell: (o) => <Link to={`/institution/orders/${o.id}`}>{o.orderNo}</Link> },
            { header: t("checkout.col.result"), className: "title-cell", cell: (o) => o.resultTitle },
            { header: t("checkout.col.buyer"), cell: (o) => o.buyer },
            { header: t("checkout.col.mode"), className: "nowrap", cell: (o) => t(`mode.${o.mode}`) },
            { header: t("checkout.col.price"), numeric: true, cell: (o) => formatFen(o.priceFen, locale) },
            { header: t("checkout.col.voucher"), numeric: true, cell: (o) => (o.voucherPartFen > 0 ? formatFen(o.voucherPartFen, locale) : "—") },
            {
              header: t("checkout.col.status"),
              cell: (o) => (
                <>
                  <OrderStatusBadge status={o.status} />
                  {o.status === "completed" && o.invoice === "requested" ? (
                    <>
                      {" "}
                      <span className="tag tag--alert">{t("checkout.invoice.pendingTag")}</span>
                    </>
                  ) : null}
                  <br />
                  <small className="muted">{formatWhen(o.paidAt ?? o.createdAt, locale)}</small>
                </>
              ),
            },
            { header: t("checkout.col.contract"), className: "mono", cell: (o) => o.contractNo ?? "—" },
          ]}
        />
      )}
      <OrdersPager page={page} total={orders.total} perPage={perPage} status={status} />
    </div>
  );
}
