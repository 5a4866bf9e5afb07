import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import { formatWhen, messageText } from "~/components/checkout/format";
import { InvoicePanel } from "~/components/checkout/invoice";
import { BankInstructions, OrderHistory, OrderReceipt, OrderPageHead } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { cancelOrder, CheckoutError, checkoutHttpStatus, getInvoice, getOrderDetail, invoiceDefaults, requestInvoice } from "~/services/checkout";
import { expireSessionsOfClosedOrders } from "~/services/payments/stripe";
import { requireUser } from "~/session.server";
import { idParam } from "~/utils/route-params";

// The buyer's order: what to do next while it is pending (pay on Stripe's page, or transfer with the reference code),
// cancel, the receipt once it is paid, and the invoice to ask for.

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.order.title", { no: loaded?.order.orderNo ?? "" })} · ${t("app.name")}` }];
};


export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const db = await getDb();
  const order = await getOrderDetail(db, idParam(params.id));
  // Another organisation's order is answered like a missing one.
  if (!order || order.buyerOrganisationId !== user.organisationId) throw new Response("Not found", { status: 404 });
  const invoice = await getInvoice(db, order.id);
  // The request form's defaults only when the form is shown.
  const defaults = order.status === "completed" && !invoice ? await invoiceDefaults(db, user.organisationId) : null;
  return { order: toWire(order), invoice: toWire(invoice), invoiceDefaults: defaults };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const id = idParam(params.id);
  const form = await request.formData();
  const db = await getDb();
  if (form.get("intent") === "requestInvoice") {
    const asked = await requestInvoice(db, { userId: user.id, organisationId: user.organisationId }, {
      orderId: id,
      title: form.get("title"),
      taxId: form.get("taxId"),
      email: form.get("email"),
    });
    if (!asked.ok) return data({ error: null, invoice: { formError: asked.formError ?? null, fieldErrors: asked.fieldErrors } }, { status: 400 });
    return redirect(`/enterprise/orders/${id}?invoiceRequested=1#invoice`);
  }
  if (form.get("intent") !== "cancel") return data({ error: { key: "checkout.error.unknownAction", params: {} }, invoice: null }, { status: 400 });
  try {
    await cancelOrder(db, { userId: user.id, organisationId: user.organisationId }, id);
  } catch (error) {
    if (!(error instanceof CheckoutError)) throw error;
    if (error.kind === "not_found") throw new Response("Not found", { status: 404 });
    return data({ error: { key: error.key, params: error.params }, invoice: null }, { status: checkoutHttpStatus(error) });
  }
  const order = await db.selectFrom("orders").select("stripe_checkout_session_id").where("id", "=", id).executeTakeFirst();
  await expireSessionsOfClosedOrders([{ orderId: id, sessionId: order?.stripe_checkout_session_id ?? null }]);
  return redirect(`/enterprise/orders/${id}?cancelled=1`);
}

export default function EnterpriseOrder() {
  const { order, invoice, invoiceDefaults: defaults } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const pending = order.status === "pending";

  return (
    <div>
      <OrderPageHead
        order={order}
        about={order.resultTitle}
        back={{ to: "/enterprise/orders", label: t("checkout.order.back") }}
        printable={order.status === "completed"}
      />

      {search.get("done") && order.status === "completed" ? (
        <p className="success" role="status">
          {t("checkout.order.doneByVoucher")}
        </p>
      ) : null}
      {search.get("placed") && pending ? (
        <p className="success" role="status">
          {t("checkout.order.placed")}
        </p>
      ) : null}
      {search.get("paid") ? (
        order.status === "completed" ? (
          <p className="success" role="status">
            {t("checkout.order.paid")}
          </p>
        ) : pending ? (
          <p className="notice" role="status">
            {t("checkout.order.confirming")}
          </p>
        ) : null
      ) : null}
      {search.get("cancelled") && order.status === "cancelled" ? (
        <p className="success" role="status">
          {t("checkout.order.cancelledDone")}
        </p>
      ) : null}
      {search.get("invoiceRequested") ? (
        <p className="success" role="status">
          {t("checkout.invoice.requestedDone")}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="form-error" role="alert">
          {messageText(t, locale, actionData.error)}
        </p>
      ) : null}

      {pending ? (
        <>
          <p className="notice">
            {t(order.paymentMethod === "bank_transfer" ? "checkout.order.deadlineBank" : "checkout.order.deadlineCard", {
              at: formatWhen(order.expiresAt, locale),
            })}
            {order.reservation?.state === "active" ? ` ${t("checkout.order.reserved")}` : null}
            {order.voucherPartFen > 0 ? ` ${t("checkout.order.vouchersHeld")}` : null}
          </p>
          {order.paymentMethod === "bank_transfer" ? (
            <BankInstructions reference={order.bankReference} cashDueFen={order.cashDueFen} expiresAt={order.expiresAt} />
          ) : null}
          <div className="order-actions">
            {order.paymentMethod === "card" && order.stripeCheckoutUrl ? (
              <a className="button" href={order.stripeCheckoutUrl}>
                {t("checkout.order.payNow")}
              </a>
            ) : null}
            <Form method="post" onSubmit={(e) => (!window.confirm(t("checkout.order.cancelConfirm")) ? e.preventDefault() : undefined)}>
              <input type="hidden" name="intent" value="cancel" />
              <button type="submit" className="button button--ghost" disabled={navigation.state === "submitting"}>
                {t("checkout.order.cancel")}
              </button>
            </Form>
          </div>
        </>
      ) : null}
      {order.closeReason ? <p className="notice">{t(`checkout.order.closed.${order.closeReason}`)}</p> : null}
      {order.status === "refunded" && order.refundedAt ? (
        <p className="notice">{t("checkout.order.refunded", { at: formatWhen(order.refundedAt, locale) })}</p>
      ) : null}

      <OrderReceipt order={order} />

      <InvoicePanel side="buyer" invoice={invoice} canRequest={order.status === "completed"} defaults={defaults ?? undefined} refusal={actionData?.invoice} />

      <OrderHistory events={order.events} />
    </div>
  );
}
