import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import { formatWhen } from "~/components/checkout/format";
import { InvoicePanel } from "~/components/checkout/invoice";
import { OrderHistory, OrderReceipt, OrderPageHead } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { getInvoice, getOrderDetail, issueInvoice } from "~/services/checkout";
import { todayInChina } from "~/services/contracts/calendar";
import { platformFeeFen } from "~/services/ledger";
import { requireUser } from "~/session.server";
import { env } from "~/env.server";
import { idParam } from "~/utils/route-params";

// The seller's receipt of one sale: the same receipt the buyer has, how the money reaches the institution, and the
// invoice the buyer asked for.

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.order.title", { no: loaded?.order.orderNo ?? "" })} · ${t("app.name")}` }];
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const db = await getDb();
  const order = await getOrderDetail(db, idParam(params.id));
  if (!order || order.sellerOrganisationId !== user.organisationId) throw new Response("Not found", { status: 404 });
  const feeFen = platformFeeFen(order.cashDueFen, env().PLATFORM_FEE_BPS);
  const invoice = await getInvoice(db, order.id);
  return { order: toWire(order), feeFen, invoice: toWire(invoice), today: todayInChina() };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const id = idParam(params.id);
  const form = await request.formData();
  if (form.get("intent") !== "issueInvoice") throw new Response("Bad request", { status: 400 });
  const issued = await issueInvoice(await getDb(), { userId: user.id, organisationId: user.organisationId }, {
    orderId: id,
    invoiceNo: form.get("invoiceNo"),
    issuedOn: form.get("issuedOn"),
  });
  if (!issued.ok) return data({ invoice: { formError: issued.formError ?? null, fieldErrors: issued.fieldErrors } }, { status: 400 });
  return redirect(`/institution/orders/${id}?invoiceIssued=1#invoice`);
}

export default function InstitutionOrder() {
  const { order, feeFen, invoice, today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
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
      {search.get("invoiceIssued") ? (
        <p className="success" role="status">
          {t("checkout.invoice.issuedDone")}
        </p>
      ) : null}
      <OrderReceipt order={order} />
      <InvoicePanel side="seller" invoice={invoice} canRequest={paid} refusal={actionData?.invoice} today={today} />
      <OrderHistory events={order.events} />
    </div>
  );
}
