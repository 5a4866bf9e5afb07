import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import { PageHead } from "~/components/page-head";
import { fenToInput, messageText } from "~/components/checkout/format";
import { BankInstructions, OrderHistory, OrderReceipt, OrderStatusBadge, RefundedNotice } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { ErrorSummary, TextAreaField, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { CheckoutError, checkoutHttpStatus, getOrderDetail, markOrderPaid, refundOrder } from "~/services/checkout";
import { parseYuanToFen } from "~/services/contracts/money";
import { chinaDate } from "~/services/vouchers/validation";
import { requireUser } from "~/session.server";
import { idParam } from "~/utils/route-params";

// One bank-transfer order for the operator: confirm that the money arrived (the amount as on the bank statement, the
// bank's transaction number and the day it arrived) — which completes the order: ledger, contract, transfer of the
// result — or, for a completed order, record that the money was sent back (refund).

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.transfers.one", { reference: loaded?.order.bankReference ?? "" })} · ${t("app.name")}` }];
};


export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const order = await getOrderDetail(await getDb(), idParam(params.id));
  if (!order || order.paymentMethod !== "bank_transfer") throw new Response("Not found", { status: 404 });
  return { order: toWire(order), today: chinaDate(new Date()) };
}

type Message = { key: string; params: Record<string, string | number> };
type Answer = { intent: "confirm" | "refund"; formError: Message | null; fieldErrors: Record<string, Message>; values: Record<string, string> };

function refuse(status: number, answer: Answer) {
  return data(answer, { status });
}

/** When the money arrived: now for today, else noon (China time) of the day given; never before the order. */
function arrivedAt(day: string, today: string, placedAt: Date): Date {
  const now = new Date();
  if (day === "" || day === today) return now;
  const noon = new Date(`${day}T12:00:00+08:00`);
  return noon < placedAt ? placedAt : noon;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["operator"]);
  const id = idParam(params.id);
  const form = await request.formData();
  const intent = form.get("intent") === "refund" ? "refund" : "confirm";
  const values = Object.fromEntries(["amount", "bankRef", "receivedOn", "reason", "refundRef"].map((f) => [f, String(form.get(f) ?? "").trim()]));
  const answer = (formError: Message | null, fieldErrors: Record<string, Message> = {}): Answer => ({ intent, formError, fieldErrors, values });
  const db = await getDb();
  const order = await db.selectFrom("orders").select(["id", "created_at", "payment_method"]).where("id", "=", id).executeTakeFirst();
  if (!order || order.payment_method !== "bank_transfer") throw new Response("Not found", { status: 404 });

  try {
    if (intent === "confirm") {
      const errors: Record<string, Message> = {};
      const parsed = parseYuanToFen(values.amount);
      if (!parsed.ok) errors.amount = { key: `checkout.amount.${parsed.problem}`, params: {} };
      else if (parsed.fen === 0) errors.amount = { key: "checkout.error.amountZero", params: {} };
      if (values.bankRef === "") errors.bankRef = { key: "checkout.transfers.bankRefRequired", params: {} };
      else if (values.bankRef.length > 100) errors.bankRef = { key: "checkout.inquiry.error.tooLong", params: {} };
      const today = chinaDate(new Date());
      if (values.receivedOn !== "") {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(values.receivedOn) || !Number.isFinite(new Date(`${values.receivedOn}T00:00:00Z`).getTime())) {
          errors.receivedOn = { key: "checkout.inquiry.error.date", params: {} };
        } else if (values.receivedOn > today) errors.receivedOn = { key: "checkout.transfers.receivedFuture", params: {} };
        else if (values.receivedOn < chinaDate(order.created_at)) errors.receivedOn = { key: "checkout.transfers.receivedBeforeOrder", params: {} };
      }
      if (Object.keys(errors).length > 0 || !parsed.ok) return refuse(400, answer(null, errors));
      await markOrderPaid(db, {
        orderId: id,
        method: "bank_transfer",
        amountFen: parsed.fen,
        externalRef: values.bankRef,
        // One confirmation per order: a double submit is recognised and changes nothing.
        idempotencyKey: `order:${id}:bank-confirm`,
        paidAt: arrivedAt(values.receivedOn, today, order.created_at),
        actorUserId: user.id,
      });
      return redirect(`/operator/transfers/${id}?confirmed=1`);
    }
    if (values.refundRef === "") return refuse(400, answer(null, { refundRef: { key: "checkout.transfers.refundRefRequired", params: {} } }));
    if (values.reason === "") return refuse(400, answer(null, { reason: { key: "checkout.inquiry.error.reasonRequired", params: {} } }));
    await refundOrder(db, {
      orderId: id,
      externalRef: values.refundRef,
      idempotencyKey: `order:${id}:bank-refund`,
      reason: values.reason,
      actorUserId: user.id,
    });
    return redirect(`/operator/transfers/${id}?refunded=1`);
  } catch (error) {
    if (!(error instanceof CheckoutError)) throw error;
    const message = { key: error.key, params: error.params };
    if (error.field === "amountFen") return refuse(checkoutHttpStatus(error), answer(null, { amount: message }));
    if (error.field === "reason") return refuse(checkoutHttpStatus(error), answer(null, { reason: message }));
    return refuse(checkoutHttpStatus(error), answer(message));
  }
}

const LABELS: Record<string, string> = {
  amount: "checkout.transfers.amountReceived",
  bankRef: "checkout.transfers.bankRef",
  receivedOn: "checkout.transfers.receivedOn",
  refundRef: "checkout.transfers.refundRef",
  reason: "checkout.transfers.refundReason",
};

export default function TransferOrder() {
  const { order, today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as Answer | undefined;
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const errorOf = (f: string) => (actionData?.fieldErrors[f] ? messageText(t, locale, actionData.fieldErrors[f]) : null);
  const items = Object.keys(actionData?.fieldErrors ?? {}).map((f) => ({ name: f, label: t(LABELS[f] ?? f), message: errorOf(f) ?? "" }));
  const value = (f: string, fallback = "") => actionData?.values[f] ?? fallback;

  return (
    <div>
      <PageHead
        title={t("checkout.transfers.one", { reference: order.bankReference })}
        intro={
          <>
            <OrderStatusBadge status={order.status} /> {t("checkout.order.title", { no: order.orderNo })} · {order.buyer}
          </>
        }
        actions={
          <Link className="button button--ghost" to="/operator/transfers">
            {t("checkout.transfers.back")}
          </Link>
        }
      />
      {search.get("confirmed") && order.status === "completed" ? (
        <p className="success" role="status">
          {t("checkout.transfers.confirmedDone", { contract: order.contract?.contractNo ?? "" })}
        </p>
      ) : null}
      {search.get("refunded") && order.status === "refunded" ? (
        <p className="success" role="status">
          {t("checkout.transfers.refundedDone")}
        </p>
      ) : null}
      <ErrorSummary formError={actionData?.formError ? messageText(t, locale, actionData.formError) : null} items={items} focusKey={actionData} />

      {order.status === "pending" ? (
        <div className="panel-grid">
          <BankInstructions reference={order.bankReference} cashDueFen={order.cashDueFen} expiresAt={order.expiresAt} />
          <Form method="post" className="panel" noValidate aria-labelledby="confirm-heading">
            <h2 id="confirm-heading">{t("checkout.transfers.confirm")}</h2>
            <p className="field__hint">{t("checkout.transfers.confirmHelp", { amount: formatFen(order.cashDueFen, locale) })}</p>
            <input type="hidden" name="intent" value="confirm" />
            <TextField name="amount" label={t(LABELS.amount)} required inputMode="decimal" defaultValue={value("amount", fenToInput(order.cashDueFen))} error={errorOf("amount")} />
            <TextField name="bankRef" label={t(LABELS.bankRef)} hint={t("checkout.transfers.bankRefHint")} required maxLength={100} defaultValue={value("bankRef")} error={errorOf("bankRef")} />
            <TextField name="receivedOn" type="date" label={t(LABELS.receivedOn)} optional max={today} defaultValue={value("receivedOn", today)} error={errorOf("receivedOn")} />
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("checkout.transfers.confirmSubmit")}
            </button>
          </Form>
        </div>
      ) : null}
      {order.closeReason ? <p className="notice">{t(`checkout.order.closed.${order.closeReason}`)}</p> : null}

      <OrderReceipt order={order} />

      {order.status === "completed" ? (
        <Form method="post" className="panel panel--spaced" noValidate aria-labelledby="refund-heading">
          <h2 id="refund-heading">{t("checkout.transfers.refund")}</h2>
          <p className="field__hint">{t("checkout.transfers.refundHelp", { amount: formatFen(order.cashDueFen, locale) })}</p>
          <input type="hidden" name="intent" value="refund" />
          <TextField name="refundRef" label={t(LABELS.refundRef)} required maxLength={100} defaultValue={value("refundRef")} error={errorOf("refundRef")} />
          <TextAreaField name="reason" label={t(LABELS.reason)} required rows={3} maxLength={500} defaultValue={value("reason")} error={errorOf("reason")} />
          <button type="submit" className="button button--ghost" disabled={navigation.state === "submitting"}>
            {t("checkout.transfers.refundSubmit")}
          </button>
        </Form>
      ) : null}
      <RefundedNotice order={order} />

      <OrderHistory events={order.events} />
    </div>
  );
}
