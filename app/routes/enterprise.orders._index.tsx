import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { PageHead } from "~/components/page-head";
import { formatDay, formatWhen, messageText } from "~/components/checkout/format";
import { OrderStatusBadge, OrdersPager, OrderStatusTabs } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { CheckoutError, listInquiries, listOrders, orderListParams, ORDERS_PAGE_SIZE, withdrawInquiry } from "~/services/checkout";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.orders.mine")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const { status, page } = orderListParams(new URL(request.url));
  const db = await getDb();
  const [orders, inquiries] = await Promise.all([
    listOrders(db, { buyerOrganisationId: user.organisationId }, { status, page }),
    listInquiries(db, { enterpriseId: user.organisationId }, { limit: 50 }),
  ]);
  return { orders: toWire(orders), inquiries: toWire(inquiries), status, page, perPage: ORDERS_PAGE_SIZE };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const form = await request.formData();
  if (form.get("intent") !== "withdrawInquiry") return data({ error: { key: "checkout.error.unknownAction", params: {} } }, { status: 400 });
  const inquiryId = Number(form.get("inquiryId"));
  try {
    const result = await withdrawInquiry(await getDb(), { userId: user.id, organisationId: user.organisationId }, inquiryId);
    if (!result.ok) return data({ error: { key: result.formError?.key ?? "checkout.error.generic", params: {} } }, { status: 409 });
  } catch (error) {
    if (error instanceof CheckoutError) return data({ error: { key: error.key, params: error.params } }, { status: 404 });
    throw error;
  }
  return redirect("/enterprise/orders?withdrawn=1#inquiries");
}

export default function EnterpriseOrders() {
  const { orders, inquiries, status, page, perPage } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();

  return (
    <div>
      <PageHead
        title={t("checkout.orders.mine")}
        intro={t("checkout.orders.mineIntro")}
        actions={
          <Link className="button button--ghost" to="/results">
            {t("checkout.orders.browse")}
          </Link>
        }
      />
      {search.get("withdrawn") ? (
        <p className="success" role="status">
          {t("checkout.inquiry.withdrawn")}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="form-error" role="alert">
          {messageText(t, locale, actionData.error)}
        </p>
      ) : null}

      <OrderStatusTabs statuses={["pending", "completed", "cancelled", "expired", "failed", "refunded"]} counts={orders.counts} current={status} />

      {orders.rows.length === 0 ? (
        <p className="empty">{t("checkout.orders.none")}</p>
      ) : (
        <DataTable
          stackOnPhone
          className="orders-table"
          rows={orders.rows}
          rowKey={(o) => o.id}
          columns={[
            { header: t("checkout.col.orderNo"), className: "mono", cell: (o) => <Link to={`/enterprise/orders/${o.id}`}>{o.orderNo}</Link> },
            {
              header: t("checkout.col.result"),
              className: "title-cell",
              cell: (o) => (
                <>
                  {o.resultTitle}
                  <br />
                  <small className="muted">{o.seller}</small>
                </>
              ),
            },
            { header: t("checkout.col.mode"), className: "nowrap", cell: (o) => t(`mode.${o.mode}`) },
            { header: t("checkout.col.price"), numeric: true, cell: (o) => formatFen(o.priceFen, locale) },
            { header: t("checkout.col.voucher"), numeric: true, cell: (o) => (o.voucherPartFen > 0 ? formatFen(o.voucherPartFen, locale) : "—") },
            {
              header: t("checkout.col.cash"),
              numeric: true,
              cell: (o) => (
                <>
                  {formatFen(o.cashDueFen, locale)}
                  <br />
                  <small className="muted">{t(`checkout.method.${o.paymentMethod}`)}</small>
                </>
              ),
            },
            {
              header: t("checkout.col.status"),
              cell: (o) => (
                <>
                  <OrderStatusBadge status={o.status} />
                  {o.status === "completed" && o.invoice !== "none" ? (
                    <>
                      {" "}
                      <span className="tag">{t(o.invoice === "issued" ? "checkout.invoice.issuedTag" : "checkout.invoice.pendingTag")}</span>
                    </>
                  ) : null}
                  {o.status === "pending" ? (
                    <>
                      <br />
                      <small className="muted">{t("checkout.orders.payBy", { at: formatWhen(o.expiresAt, locale) })}</small>
                    </>
                  ) : null}
                </>
              ),
            },
            { header: t("checkout.col.placedAt"), className: "nowrap", cell: (o) => formatWhen(o.createdAt, locale) },
          ]}
        />
      )}
      <OrdersPager page={page} total={orders.total} perPage={perPage} status={status} />

      <section className="panel panel--spaced" id="inquiries" aria-labelledby="inquiries-heading">
        <h2 id="inquiries-heading">{t("checkout.inquiry.mine")}</h2>
        {inquiries.length === 0 ? (
          <p className="muted">{t("checkout.inquiry.noneMine")}</p>
        ) : (
          <DataTable
            stackOnPhone
            className="orders-table"
            rows={inquiries}
            rowKey={(i) => i.id}
            columns={[
              {
                header: t("checkout.col.result"),
                className: "title-cell",
                cell: (i) => (
                  <>
                    <Link to={`/results/${i.resultId}`}>{i.resultTitle}</Link>
                    <br />
                    <small className="muted">
                      {i.institution} · {formatDay(i.createdAt, locale)}
                    </small>
                  </>
                ),
              },
              { header: t("checkout.col.mode"), className: "nowrap", cell: (i) => t(`mode.${i.mode}`) },
              {
                header: t("checkout.col.status"),
                cell: (i) => (
                  <>
                    <span className={`status status--${i.status}`}>{t(`checkout.inquiryStatus.${i.status}`)}</span>
                    {i.declineReason ? (
                      <>
                        <br />
                        <small className="muted">{i.declineReason}</small>
                      </>
                    ) : null}
                  </>
                ),
              },
              {
                header: t("checkout.inquiry.quote"),
                cell: (i) =>
                  i.quote ? (
                    <>
                      <strong>{formatFen(i.quote.priceFen, locale)}</strong>
                      <br />
                      <small className="muted">
                        {i.quote.acceptable
                          ? t("checkout.inquiry.validUntil", { date: formatDay(i.quote.validUntil, locale) })
                          : t(`checkout.quoteStatus.${i.quote.status === "offered" ? "lapsed" : i.quote.status}`)}
                      </small>
                      {i.quote.note ? (
                        <>
                          <br />
                          <small>{i.quote.note}</small>
                        </>
                      ) : null}
                    </>
                  ) : (
                    <span className="muted">{t("checkout.inquiry.awaitingQuote")}</span>
                  ),
              },
              {
                header: <span className="sr-only">{t("checkout.col.actions")}</span>,
                cell: (i) => (
                  <div className="table-actions">
                    {i.orderId ? (
                      <Link className="button button--ghost" to={`/enterprise/orders/${i.orderId}`}>
                        {t("checkout.inquiry.toOrder")}
                      </Link>
                    ) : i.quote?.acceptable ? (
                      <Link className="button" to={`/checkout/${i.resultId}?mode=${i.mode}&quote=${i.quote.id}`}>
                        {t("checkout.inquiry.accept")}
                      </Link>
                    ) : null}
                    {(i.status === "open" || i.status === "quoted") && !i.orderId ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="withdrawInquiry" />
                        <input type="hidden" name="inquiryId" value={i.id} />
                        <button type="submit" className="link-button">
                          {t("checkout.inquiry.withdraw")}
                        </button>
                      </Form>
                    ) : null}
                  </div>
                ),
              },
            ]}
          />
        )}
      </section>
    </div>
  );
}
