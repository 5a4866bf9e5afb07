import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { messageText } from "~/components/checkout/format";
import { OrderHistory, OrderReceipt, OrderPageHead, RefundedNotice } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { ErrorSummary, TextAreaField } from "~/components/form";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { CheckoutError, checkoutHttpStatus, getOrderDetail } from "~/services/checkout";
import { PaymentsError } from "~/services/payments/errors";
import { requestCardRefund } from "~/services/payments/refunds";
import { getStripe } from "~/services/payments/stripe";
import { requireUser } from "~/session.server";
import { idParam } from "~/utils/route-params";

// One order for the operator. Bank-transfer orders have their own page (confirmation and recorded refunds); an order
// paid online is refunded here through Stripe, and the ledger follows when Stripe reports the refund.

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.order.title", { no: loaded?.order.orderNo ?? "" })} · ${t("app.name")}` }];
};


export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const id = idParam(params.id);
  const order = await getOrderDetail(await getDb(), id);
  if (!order) throw new Response("Not found", { status: 404 });
  if (order.paymentMethod === "bank_transfer") throw redirect(`/operator/transfers/${id}`);
  return { order: toWire(order), stripeEnabled: getStripe() !== null };
}

type Message = { key: string; params: Record<string, string | number> };
type Answer = { formError: Message | null; reasonError: Message | null; reason: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["operator"]);
  const id = idParam(params.id);
  const reason = String((await request.formData()).get("reason") ?? "").trim();
  const refuse = (status: number, answer: Omit<Answer, "reason">) => data({ ...answer, reason } satisfies Answer, { status });
  const stripe = getStripe();
  if (!stripe) return refuse(503, { formError: { key: "checkout.refund.stripeOff", params: {} }, reasonError: null });
  try {
    const refund = await requestCardRefund(await getDb(), stripe.client, { orderId: id, reason, actorUserId: user.id });
    return redirect(`/operator/orders/${id}?refund=${encodeURIComponent(refund.refundId)}`);
  } catch (error) {
    if (error instanceof CheckoutError) {
      const message = { key: error.key, params: error.params };
      if (error.field === "reason") return refuse(400, { formError: null, reasonError: message });
      return refuse(checkoutHttpStatus(error), { formError: message, reasonError: null });
    }
    if (!(error instanceof PaymentsError)) throw error;
    console.error(`refund of order ${id} failed at Stripe: ${error.kind}: ${error.message}`);
    return refuse(error.kind === "invalid_input" || error.kind === "rejected" ? 400 : 503, {
      formError: { key: "checkout.error.stripeFailed", params: {} },
      reasonError: null,
    });
  }
}

export default function OperatorOrder() {
  const { order, stripeEnabled } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as Answer | undefined;
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const reasonError = answer?.reasonError ? messageText(t, locale, answer.reasonError) : null;
  const requested = search.get("refund");

  return (
    <div>
      <OrderPageHead
        order={order}
        about={order.buyer}
        back={{ to: "/operator/orders", label: t("checkout.lookup.title") }}
        printable={false}
      />
      {requested && order.status === "completed" ? (
        <p className="success" role="status">
          {t("checkout.refund.requested", { refund: requested })}
        </p>
      ) : null}
      <ErrorSummary
        formError={answer?.formError ? messageText(t, locale, answer.formError) : null}
        items={reasonError ? [{ name: "reason", label: t("checkout.refund.reason"), message: reasonError }] : []}
        focusKey={answer}
      />
      {order.closeReason ? <p className="notice">{t(`checkout.order.closed.${order.closeReason}`)}</p> : null}

      <OrderReceipt order={order} />

      {order.status === "completed" && order.paymentMethod === "card" ? (
        stripeEnabled ? (
          <Form method="post" className="panel panel--spaced" noValidate aria-labelledby="refund-heading">
            <h2 id="refund-heading">{t("checkout.refund.heading")}</h2>
            <p className="field__hint">{t("checkout.refund.help", { amount: formatFen(order.cashDueFen, locale) })}</p>
            <TextAreaField name="reason" label={t("checkout.refund.reason")} required rows={3} maxLength={500} defaultValue={answer?.reason ?? ""} error={reasonError} />
            <button type="submit" className="button button--ghost" disabled={navigation.state === "submitting"}>
              {t("checkout.refund.submit")}
            </button>
          </Form>
        ) : (
          <p className="notice panel--spaced">{t("checkout.refund.stripeOff")}</p>
        )
      ) : null}
      <RefundedNotice order={order} />

      <OrderHistory events={order.events} />
    </div>
  );
}
