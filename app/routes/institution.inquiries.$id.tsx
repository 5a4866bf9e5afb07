import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { PageHead } from "~/components/page-head";
import { fenToInput, formatDay, formatWhen } from "~/components/checkout/format";
import { toWire } from "~/components/checkout/wire";
import { ErrorSummary, TextAreaField, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { CheckoutError, declineInquiry, listInquiries, quoteHistory, quoteInquiry, type QuoteField } from "~/services/checkout";
import { MAX_QUOTE_DAYS } from "~/services/checkout/rules";
import { chinaDate } from "~/services/vouchers/validation";
import { requireUser } from "~/session.server";
import { idParam } from "~/utils/route-params";

// One inquiry for the institution: the buyer's question and contact, the quotes given so far, and the form to quote a
// price valid until a date (or to decline with a reason).

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.inquiry.one")} · ${t("app.name")}` }];
};


function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const id = idParam(params.id);
  const db = await getDb();
  const [inquiry] = await listInquiries(db, { institutionId: user.organisationId }, { inquiryId: id });
  if (!inquiry) throw new Response("Not found", { status: 404 });
  const today = chinaDate(new Date());
  return {
    inquiry: toWire(inquiry),
    quotes: toWire(await quoteHistory(db, id)),
    today,
    defaultValidUntil: addDays(today, 14),
    maxValidUntil: addDays(today, MAX_QUOTE_DAYS),
  };
}

type Answer = { intent: "quote" | "decline"; fieldErrors: Record<string, string>; formError: string | null; values: Record<string, string> };

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const id = idParam(params.id);
  const form = await request.formData();
  const intent = form.get("intent") === "decline" ? "decline" : "quote";
  const values = Object.fromEntries(["price", "validUntil", "note", "reason"].map((f) => [f, String(form.get(f) ?? "")]));
  const seller = { userId: user.id, organisationId: user.organisationId };
  const db = await getDb();
  try {
    const result = intent === "quote" ? await quoteInquiry(db, seller, id, values) : await declineInquiry(db, seller, id, values.reason);
    if (!result.ok) {
      const answer: Answer = { intent, fieldErrors: result.fieldErrors as Record<string, string>, formError: result.formError?.key ?? null, values };
      return data(answer, { status: result.formError ? 409 : 400 });
    }
  } catch (error) {
    if (error instanceof CheckoutError && error.kind === "not_found") throw new Response("Not found", { status: 404 });
    throw error;
  }
  return redirect(`/institution/inquiries/${id}?${intent === "quote" ? "quoted" : "declined"}=1`);
}

const QUOTE_LABELS: Record<QuoteField, string> = { price: "checkout.quote.price", validUntil: "checkout.quote.validUntil", note: "checkout.quote.note" };

export default function InstitutionInquiry() {
  const { inquiry, quotes, today, defaultValidUntil, maxValidUntil } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as Answer | undefined;
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const open = inquiry.status === "open" || inquiry.status === "quoted";
  const quoteErrors = actionData?.intent === "quote" ? actionData.fieldErrors : {};
  const errorOf = (f: string) => (quoteErrors[f] ? t(quoteErrors[f]) : null);
  const declineError = actionData?.intent === "decline" && actionData.fieldErrors.reason ? t(actionData.fieldErrors.reason) : null;

  return (
    <div>
      <PageHead
        title={t("checkout.inquiry.one")}
        intro={
          <>
            <span className={`status status--${inquiry.status}`}>{t(`checkout.inquiryStatus.${inquiry.status}`)}</span> ·{" "}
            {formatWhen(inquiry.createdAt, locale)}
          </>
        }
        actions={
          <Link className="button button--ghost" to="/institution/inquiries">
            {t("checkout.inquiry.backToList")}
          </Link>
        }
      />
      {search.get("quoted") ? (
        <p className="success" role="status">
          {t("checkout.quote.done")}
        </p>
      ) : null}
      {search.get("declined") ? (
        <p className="success" role="status">
          {t("checkout.inquiry.declinedDone")}
        </p>
      ) : null}

      <div className="details">
        <section className="panel">
          <h2>{t("checkout.inquiry.about")}</h2>
          <dl>
            <dt>{t("checkout.col.result")}</dt>
            <dd>
              <Link to={`/results/${inquiry.resultId}`}>{inquiry.resultTitle}</Link>
            </dd>
            <dt>{t("checkout.col.mode")}</dt>
            <dd>{t(`mode.${inquiry.mode}`)}</dd>
            <dt>{t("checkout.col.buyer")}</dt>
            <dd>{inquiry.enterprise}</dd>
            <dt>{t("checkout.inquiry.contactName")}</dt>
            <dd>{inquiry.contactName}</dd>
            <dt>{t("checkout.inquiry.contactPhone")}</dt>
            <dd>
              <a href={`tel:${inquiry.contactPhone.replace(/[^0-9+]/g, "")}`}>{inquiry.contactPhone}</a>
            </dd>
          </dl>
          <p className="inquiry-message">{inquiry.message}</p>
          {inquiry.declineReason ? <p className="notice">{t("checkout.inquiry.declinedBecause", { reason: inquiry.declineReason })}</p> : null}
        </section>
        <section className="panel">
          <h2>{t("checkout.quote.history")}</h2>
          {quotes.length === 0 ? (
            <p className="muted">{t("checkout.quote.none")}</p>
          ) : (
            <ul className="voucher-choices">
              {quotes.map((q) => (
                <li key={q.id} className="quote-card">
                  <span className="quote-card__price">{formatFen(q.price_fen, locale)}</span>
                  <span>
                    {t("checkout.inquiry.validUntil", { date: formatDay(q.valid_until, locale) })}
                    <br />
                    <small className="muted">
                      {t(`checkout.quoteStatus.${q.status === "offered" && q.valid_until < today ? "lapsed" : q.status}`)} · {formatWhen(q.created_at, locale)}
                    </small>
                    {q.note ? (
                      <>
                        <br />
                        <small>{q.note}</small>
                      </>
                    ) : null}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {inquiry.orderId ? <p className="notice">{t("checkout.quote.inUse")}</p> : null}
        </section>
      </div>

      {open ? (
        <div className="panel-grid">
          <Form method="post" className="panel" noValidate aria-labelledby="quote-heading">
            <h2 id="quote-heading">{inquiry.quote ? t("checkout.quote.again") : t("checkout.quote.title")}</h2>
            <ErrorSummary
              formError={actionData?.intent === "quote" && actionData.formError ? t(actionData.formError) : null}
              items={(Object.keys(QUOTE_LABELS) as QuoteField[]).filter((f) => quoteErrors[f]).map((f) => ({ name: f, label: t(QUOTE_LABELS[f]), message: errorOf(f) ?? "" }))}
              focusKey={actionData}
              id="quote-errors"
            />
            <input type="hidden" name="intent" value="quote" />
            <div className="inline-fields">
              <TextField
                name="price"
                label={t("checkout.quote.price")}
                hint={t("checkout.quote.priceHint")}
                required
                inputMode="decimal"
                defaultValue={actionData?.intent === "quote" ? actionData.values.price : inquiry.quote ? fenToInput(inquiry.quote.priceFen) : ""}
                error={errorOf("price")}
              />
              <TextField
                name="validUntil"
                type="date"
                label={t("checkout.quote.validUntil")}
                hint={t("checkout.quote.validHint", { days: MAX_QUOTE_DAYS })}
                required
                min={today}
                max={maxValidUntil}
                defaultValue={actionData?.intent === "quote" ? actionData.values.validUntil : defaultValidUntil}
                error={errorOf("validUntil")}
              />
            </div>
            <TextAreaField
              name="note"
              label={t("checkout.quote.note")}
              optional
              rows={3}
              maxLength={1000}
              defaultValue={actionData?.intent === "quote" ? actionData.values.note : ""}
              error={errorOf("note")}
            />
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("checkout.quote.submit")}
            </button>
          </Form>
          <Form method="post" className="panel" noValidate aria-labelledby="decline-heading">
            <h2 id="decline-heading">{t("checkout.inquiry.decline")}</h2>
            {actionData?.intent === "decline" && actionData.formError ? (
              <p className="form-error" role="alert">
                {t(actionData.formError)}
              </p>
            ) : null}
            <input type="hidden" name="intent" value="decline" />
            <TextAreaField
              name="reason"
              id="decline-reason"
              label={t("checkout.inquiry.declineReason")}
              required
              rows={3}
              maxLength={500}
              defaultValue={actionData?.intent === "decline" ? actionData.values.reason : ""}
              error={declineError}
            />
            <button type="submit" className="button button--ghost" disabled={navigation.state === "submitting"}>
              {t("checkout.inquiry.declineSubmit")}
            </button>
          </Form>
        </div>
      ) : null}
    </div>
  );
}
