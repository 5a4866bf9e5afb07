import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { fenToInput, messageText } from "~/components/checkout/format";
import { toWire } from "~/components/checkout/wire";
import { ErrorSummary, TextAreaField, TextField } from "~/components/form";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { PayoutHistory } from "~/components/payout-history";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import type { Message } from "~/services/accounts/types";
import { institutionSettlement, recordPayout, type PayoutField } from "~/services/payouts";
import { getPayeeAccount } from "~/services/payouts/payee-account";
import { PayeeAccountForPayer } from "~/components/payee-account";
import { requireUser } from "~/session.server";
import { idParam } from "~/utils/route-params";

// One institution's settlement: what the platform owes it, the form to record a payout sent from the bank, and the
// payouts so far.

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("payouts.one", { name: loaded?.settlement.institutionName ?? "" })} · ${t("app.name")}` }];
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const db = await getDb();
  const institutionId = idParam(params.institutionId);
  const [settlement, payee] = await Promise.all([institutionSettlement(db, institutionId), getPayeeAccount(db, institutionId)]);
  if (!settlement) throw new Response("Not found", { status: 404 });
  return { settlement: toWire(settlement), payee: payee ? { ...payee, updatedAt: payee.updatedAt.toISOString() } : null };
}

type Answer = { formError: Message | null; fieldErrors: Partial<Record<PayoutField, Message>>; values: Record<PayoutField, string> };

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["operator"]);
  const institutionId = idParam(params.institutionId);
  const form = await request.formData();
  const values = { amount: String(form.get("amount") ?? ""), bankReference: String(form.get("bankReference") ?? ""), note: String(form.get("note") ?? "") };
  const db = await getDb();
  if (!(await institutionSettlement(db, institutionId, { limit: 0 }))) throw new Response("Not found", { status: 404 });
  const result = await recordPayout(db, { userId: user.id }, { institutionId, ...values });
  if (!result.ok) {
    const answer: Answer = { formError: result.formError ?? null, fieldErrors: result.fieldErrors, values };
    return data(answer, { status: result.formError ? 409 : 400 });
  }
  return redirect(`/operator/payouts/${institutionId}?recorded=${result.payoutId}`);
}

const LABELS: Record<PayoutField, string> = { amount: "payouts.amount", bankReference: "payouts.bankReference", note: "payouts.note" };

export default function InstitutionPayouts() {
  const { settlement: s, payee } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as Answer | undefined;
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const errorOf = (f: PayoutField) => {
    const message = actionData?.fieldErrors[f];
    return message ? messageText(t, locale, message) : null;
  };
  const items = (Object.keys(actionData?.fieldErrors ?? {}) as PayoutField[]).map((f) => ({ name: f, label: t(LABELS[f]), message: errorOf(f) ?? "" }));
  const recorded = s.payouts.find((p) => String(p.id) === search.get("recorded"));

  return (
    <div>
      <PageHead
        title={t("payouts.one", { name: s.institutionName })}
        actions={
          <Link className="button button--ghost" to="/operator/payouts">
            {t("payouts.back")}
          </Link>
        }
      />
      {recorded ? (
        <p className="success" role="status">
          {t("payouts.done", { amount: formatFen(recorded.amountFen, locale) })}
        </p>
      ) : null}
      <ErrorSummary formError={actionData?.formError ? messageText(t, locale, actionData.formError) : null} items={items} focusKey={actionData} />

      <section className="kpis" aria-label={t("payouts.figures")}>
        <Kpi label={t("payouts.owedNow")} value={formatFen(s.owedFen, locale)} />
        <Kpi label={t("payouts.paidTotal")} value={formatFen(s.paidFen, locale)} />
      </section>
      <PayeeAccountForPayer account={payee} />
      {s.owedFen > 0 ? (
        <Form method="post" className="panel panel--spaced payout-form" noValidate aria-labelledby="record-heading">
          <h2 id="record-heading">{t("payouts.record")}</h2>
          <p className="field__hint">{t("payouts.recordHelp")}</p>
          <TextField
            name="amount"
            label={t(LABELS.amount)}
            required
            inputMode="decimal"
            defaultValue={actionData?.values.amount ?? fenToInput(s.owedFen)}
            error={errorOf("amount")}
          />
          <TextField
            name="bankReference"
            label={t(LABELS.bankReference)}
            hint={t("payouts.bankReferenceHint")}
            required
            maxLength={64}
            defaultValue={actionData?.values.bankReference ?? ""}
            error={errorOf("bankReference")}
          />
          <TextAreaField name="note" label={t(LABELS.note)} optional rows={2} maxLength={500} defaultValue={actionData?.values.note ?? ""} error={errorOf("note")} />
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("payouts.submit")}
          </button>
        </Form>
      ) : (
        <p className="notice panel--spaced">{t("payouts.nothingOwed")}</p>
      )}

      <PayoutHistory payouts={s.payouts} empty={t("payouts.noHistory")} showRecordedBy />
    </div>
  );
}
