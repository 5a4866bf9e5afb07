import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import "~/components/charts/charts.css";
import { PageHead } from "~/components/page-head";
import { fenToInput, formatDay, messageText } from "~/components/checkout/format";
import { MoneyBreakdown } from "~/components/checkout/order-bits";
import { errorToWire, toWire } from "~/components/checkout/wire";
import { ErrorSummary, RadioGroupField, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { attachStripeSession, CheckoutError, checkoutHttpStatus, expireOrder, previewCheckout, startCheckout } from "~/services/checkout";
import { parseYuanToFen } from "~/services/contracts/money";
import { PaymentsError } from "~/services/payments/errors";
import { createCheckoutSession, getStripe, STRIPE_MAX_AMOUNT_FEN } from "~/services/payments/stripe";
import { requireUser } from "~/session.server";
import { TRANSFER_MODES, type TransferMode } from "../../db/schema";

// /checkout/:resultId?mode=…[&quote=…] — the buyer's last step before paying: the price, the voucher part computed on
// the server for the vouchers chosen, how the rest is paid. Placing the order holds the vouchers (and reserves an
// exclusive result); a card payment continues on Stripe's page, a bank transfer on the order page.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.title")} · ${t("app.name")}` }];
};

function positiveId(raw: string | null | undefined): number | null {
  if (!raw || !/^\d{1,15}$/.test(raw)) return null;
  const n = Number(raw);
  return n > 0 ? n : null;
}

function modeOf(raw: string | null): TransferMode | null {
  return raw && (TRANSFER_MODES as readonly string[]).includes(raw) ? (raw as TransferMode) : null;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const resultId = positiveId(params.resultId);
  if (resultId === null) throw new Response("Not found", { status: 404 });
  const url = new URL(request.url);
  const mode = modeOf(url.searchParams.get("mode"));
  const quoteId = positiveId(url.searchParams.get("quote"));
  // "vset" marks a voucher choice the buyer made (possibly none); without it the best programme is preselected.
  const voucherIds = url.searchParams.has("vset") ? url.searchParams.getAll("voucher").map((v) => positiveId(v)).filter((v): v is number => v !== null) : null;
  const db = await getDb();
  if (mode === null) throw redirect(`/results/${resultId}`);
  const cardEnabled = getStripe() !== null;
  try {
    const preview = await previewCheckout(db, { userId: user.id, organisationId: user.organisationId }, { resultId, mode, quoteId, voucherIds });
    return { ok: true as const, preview: toWire(preview), cardEnabled, stripeMaxFen: STRIPE_MAX_AMOUNT_FEN, quoteId };
  } catch (error) {
    if (!(error instanceof CheckoutError)) throw error;
    if (error.kind === "not_found" && error.field === "resultId") throw new Response("Not found", { status: 404 });
    // A negotiable mode is bought through an inquiry and a quote.
    if (error.key === "checkout.error.negotiable") throw redirect(`/results/${resultId}/inquire?mode=${mode}`);
    return data({ ok: false as const, error: errorToWire(error), resultId }, { status: checkoutHttpStatus(error) });
  }
}

type Message = { key: string; params: Record<string, string | number> };
type ActionAnswer = { formError: Message | null; fieldErrors: Record<string, Message> };

function refuse(status: number, answer: Partial<ActionAnswer>) {
  return data({ formError: answer.formError ?? null, fieldErrors: answer.fieldErrors ?? {} } satisfies ActionAnswer, { status });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const resultId = positiveId(params.resultId);
  if (resultId === null) throw new Response("Not found", { status: 404 });
  const form = await request.formData();
  const mode = modeOf(String(form.get("mode") ?? ""));
  if (mode === null) return refuse(400, { formError: { key: "checkout.error.modeUnknown", params: { mode: String(form.get("mode") ?? "") } } });
  const quoteId = positiveId(String(form.get("quote") ?? ""));
  const voucherIds = form.getAll("voucher").map((v) => Number(v));
  const method = String(form.get("method") ?? "");
  if (method !== "card" && method !== "bank_transfer") return refuse(400, { fieldErrors: { method: { key: "checkout.error.methodRequired", params: {} } } });

  let voucherAmountFen: number | null = null;
  const amountText = String(form.get("voucherAmount") ?? "").trim();
  if (voucherIds.length > 0 && amountText !== "") {
    const parsed = parseYuanToFen(amountText);
    if (!parsed.ok) return refuse(400, { fieldErrors: { voucherAmount: { key: `checkout.amount.${parsed.problem}`, params: {} } } });
    if (parsed.fen === 0) return refuse(400, { fieldErrors: { voucherAmount: { key: "checkout.error.amountZero", params: {} } } });
    voucherAmountFen = parsed.fen;
  }

  const db = await getDb();
  const stripe = getStripe();
  const buyer = { userId: user.id, organisationId: user.organisationId };
  let started;
  try {
    started = await startCheckout(db, buyer, { resultId, mode, quoteId, voucherIds, voucherAmountFen, method, cardEnabled: stripe !== null });
  } catch (error) {
    if (!(error instanceof CheckoutError)) throw error;
    const message = { key: error.key, params: error.params };
    if (error.field === "voucherAmount" || error.field === "method") return refuse(checkoutHttpStatus(error), { fieldErrors: { [error.field]: message } });
    return refuse(checkoutHttpStatus(error), { formError: message });
  }
  if (started.paymentMethod === "voucher") return redirect(`/enterprise/orders/${started.orderId}?done=1`);
  if (started.paymentMethod === "bank_transfer" || !stripe) return redirect(`/enterprise/orders/${started.orderId}?placed=1`);

  const origin = new URL(request.url).origin;
  const title = (await db.selectFrom("technology_results").select("title").where("id", "=", resultId).executeTakeFirstOrThrow()).title;
  try {
    const session = await createCheckoutSession(
      stripe.client,
      { id: started.orderId, cashDueFen: started.cashDueFen, title, expiresAt: started.expiresAt, customerEmail: user.email },
      {
        successUrl: `${origin}/enterprise/orders/${started.orderId}?paid=1`,
        cancelUrl: `${origin}/enterprise/orders/${started.orderId}`,
        paymentMethods: stripe.settings.paymentMethods,
      },
    );
    await attachStripeSession(db, { orderId: started.orderId, sessionId: session.sessionId, url: session.url });
    return redirect(session.url);
  } catch (error) {
    if (!(error instanceof PaymentsError)) throw error;
    // No payment page, no order: release the vouchers and the reservation at once rather than in 30 minutes.
    await expireOrder(db, { orderId: started.orderId, reason: "cancelled", idempotencyKey: `order:${started.orderId}:stripe-failed` });
    console.error(`checkout: Stripe session for order ${started.orderId} failed: ${error.kind}: ${error.message}`);
    const key = error.field === "order.cashDueFen" ? "checkout.error.cardLimit" : "checkout.error.stripeFailed";
    return refuse(error.kind === "invalid_input" ? 400 : 503, { formError: { key, params: { max: STRIPE_MAX_AMOUNT_FEN } } });
  }
}

/** Yuan as typed → fen, or null while it is not a valid amount (the server checks again). */
function typedFen(text: string): number | null {
  const parsed = parseYuanToFen(text);
  return parsed.ok ? parsed.fen : null;
}

export default function Checkout() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();

  if (!loaded.ok) {
    return (
      <div className="form-card">
        <h1>{t("checkout.title")}</h1>
        <p className="form-error" role="alert">
          {messageText(t, locale, loaded.error)}
        </p>
        <Link className="button button--ghost" to={`/results/${loaded.resultId}`}>
          {t("checkout.backToResult")}
        </Link>
      </div>
    );
  }
  return <CheckoutForm loaded={loaded} actionData={actionData ?? null} submitting={navigation.state === "submitting"} />;
}

type Loaded = Extract<ReturnType<typeof useLoaderData<typeof loader>>, { ok: true }>;

function CheckoutForm({ loaded, actionData, submitting }: { loaded: Loaded; actionData: ActionAnswer | null; submitting: boolean }) {
  const t = useT();
  const locale = useLocale();
  const { preview, cardEnabled, stripeMaxFen, quoteId } = loaded;
  const offer = preview.offer;
  const quote = preview.voucherQuote;
  const maxVoucher = quote && !preview.voucherError ? quote.voucherPartFen : 0;
  const [amountText, setAmountText] = useState(maxVoucher > 0 ? fenToInput(maxVoucher) : "");
  if (!offer) return null;
  const typed = maxVoucher > 0 ? (amountText.trim() === "" ? maxVoucher : typedFen(amountText)) : 0;
  const voucherFen = typed === null ? null : Math.min(typed, offer.priceFen);
  const cashFen = voucherFen === null ? null : offer.priceFen - voucherFen;
  const blocked = preview.block;
  const errorOf = (field: string) => (actionData?.fieldErrors[field] ? messageText(t, locale, actionData.fieldErrors[field]) : null);
  const summaryItems = Object.keys(actionData?.fieldErrors ?? {}).map((name) => ({
    name,
    label: t(name === "method" ? "checkout.pay.method" : "checkout.pay.voucherAmount"),
    message: errorOf(name) ?? "",
  }));
  const selected = new Set(preview.selectedVoucherIds);
  const limitLabel = (which: "balance" | "coverage" | "cap") => (quote?.limitedBy === which ? "is-limit" : undefined);
  // Between related parties no voucher may pay: the reason replaces the choice.
  const relatedParty = preview.voucherError?.key === "vouchers.error.relatedParty";

  return (
    <div>
      <PageHead
        title={t("checkout.title")}
        intro={t("checkout.intro")}
      />
      <ErrorSummary formError={actionData?.formError ? messageText(t, locale, actionData.formError) : null} items={summaryItems} focusKey={actionData} />
      <div className="checkout">
        <div>
          <section className="panel" aria-labelledby="what">
            <h2 id="what">{t("checkout.what")}</h2>
            <p className="checkout__title">
              <Link to={`/results/${offer.result.id}`}>{offer.result.title}</Link>
            </p>
            <p className="checkout__meta">
              {offer.result.institution} · {t(`mode.${offer.mode}`)}
              {offer.exclusive ? ` · ${t("checkout.soldOnce")}` : ` · ${t("checkout.soldMany")}`}
            </p>
            {offer.quote ? (
              <p className="checkout__note">{t("checkout.quoted", { price: formatFen(offer.priceFen, locale), date: formatDay(offer.quote.validUntil, locale) })}</p>
            ) : null}
          </section>

          {blocked ? (
            <p className="notice panel--spaced" role="alert">
              {messageText(t, locale, blocked)}
            </p>
          ) : (
            <>
              <section className="panel" aria-labelledby="vouchers-heading">
                <h2 id="vouchers-heading">{t("checkout.vouchers.title")}</h2>
                {relatedParty ? null : preview.vouchers.length === 0 ? (
                  <p className="muted">
                    {t("checkout.vouchers.none")} <Link to="/enterprise/vouchers">{t("checkout.vouchers.apply")}</Link>
                  </p>
                ) : (
                  <Form method="get" className="voucher-pick">
                    <input type="hidden" name="mode" value={offer.mode} />
                    {quoteId ? <input type="hidden" name="quote" value={quoteId} /> : null}
                    <input type="hidden" name="vset" value="1" />
                    <fieldset className="field">
                      <legend>{t("checkout.vouchers.choose")}</legend>
                      <ul className="voucher-choices">
                        {preview.vouchers.map((v) => (
                          <li key={v.voucherId}>
                            <label>
                              <input type="checkbox" name="voucher" value={v.voucherId} defaultChecked={selected.has(v.voucherId)} />
                              <span className="voucher-choices__text">
                                <span>
                                  <span className="mono">{v.serial}</span> · {formatFen(v.availableFen, locale)}
                                </span>
                                <span className="voucher-choices__meta">
                                  {v.programmeName} · {t("checkout.vouchers.expires", { date: formatDay(v.lastValidDay, locale) })}
                                </span>
                              </span>
                            </label>
                          </li>
                        ))}
                      </ul>
                    </fieldset>
                    <button type="submit" className="button button--ghost">
                      {t("checkout.vouchers.recompute")}
                    </button>
                  </Form>
                )}
                {preview.voucherError ? (
                  <p className="form-error" role="alert">
                    {messageText(t, locale, preview.voucherError)}
                  </p>
                ) : null}
                {quote && !preview.voucherError ? (
                  <>
                    <dl className="voucher-limits" aria-label={t("checkout.vouchers.limits")}>
                      <dt>{t("checkout.vouchers.balance")}</dt>
                      <dd className={limitLabel("balance")}>{formatFen(quote.balanceFen, locale)}</dd>
                      <dt>{t("checkout.vouchers.coverage", { percent: `${quote.coverageBps / 100}%` })}</dt>
                      <dd className={limitLabel("coverage")}>{formatFen(quote.coverageLimitFen, locale)}</dd>
                      <dt>{t("checkout.vouchers.capLeft")}</dt>
                      <dd className={limitLabel("cap")}>{formatFen(quote.capRemainingFen, locale)}</dd>
                    </dl>
                    <p>
                      <strong>{t("checkout.vouchers.max", { amount: formatFen(quote.voucherPartFen, locale) })}</strong>{" "}
                      <span className="muted">{t(`checkout.vouchers.limitedBy.${quote.limitedBy}`)}</span>
                    </p>
                  </>
                ) : null}
              </section>

              <Form method="post" className="panel" aria-labelledby="pay-heading" noValidate>
                <h2 id="pay-heading">{t("checkout.pay.title")}</h2>
                <input type="hidden" name="mode" value={offer.mode} />
                {quoteId ? <input type="hidden" name="quote" value={quoteId} /> : null}
                {maxVoucher > 0
                  ? preview.selectedVoucherIds.map((id) => <input key={id} type="hidden" name="voucher" value={id} />)
                  : null}
                {maxVoucher > 0 ? (
                  <TextField
                    name="voucherAmount"
                    label={t("checkout.pay.voucherAmount")}
                    hint={t("checkout.pay.voucherAmountHint", { max: formatFen(maxVoucher, locale) })}
                    inputMode="decimal"
                    value={amountText}
                    onChange={(e) => setAmountText(e.currentTarget.value)}
                    error={errorOf("voucherAmount")}
                  />
                ) : null}
                {cashFen !== 0 ? (
                  <RadioGroupField
                    name="method"
                    label={t("checkout.pay.method")}
                    required
                    defaultValue={cardEnabled ? "card" : "bank_transfer"}
                    error={errorOf("method")}
                    options={[
                      ...(cardEnabled
                        ? [
                            {
                              value: "card",
                              label: t("checkout.method.card"),
                              hint:
                                cashFen !== null && cashFen > stripeMaxFen
                                  ? t("checkout.pay.cardTooLarge", { max: formatFen(stripeMaxFen, locale) })
                                  : t("checkout.pay.cardHint", { minutes: preview.reservationMinutes }),
                            },
                          ]
                        : []),
                      {
                        value: "bank_transfer",
                        label: t("checkout.method.bank_transfer"),
                        hint: t("checkout.pay.bankHint", { days: preview.bankTransferDays }),
                      },
                    ]}
                  />
                ) : (
                  <>
                    <input type="hidden" name="method" value="bank_transfer" />
                    <p className="success">{t("checkout.pay.voucherCoversAll")}</p>
                  </>
                )}
                {!cardEnabled ? (
                  <p className="method-off" role="note">
                    {t("checkout.pay.onlineOff")}
                  </p>
                ) : null}
                {offer.exclusive ? (
                  <p className="checkout__note">
                    {t("checkout.pay.reservation", { minutes: preview.reservationMinutes, days: preview.bankTransferDays })}
                  </p>
                ) : null}
                <p className="checkout__note">{t("checkout.pay.terms")}</p>
                <button type="submit" className="button" disabled={submitting}>
                  {submitting ? t("checkout.pay.submitting") : t("checkout.pay.submit")}
                </button>
              </Form>
            </>
          )}
        </div>

        <aside className="panel checkout__summary" aria-labelledby="summary-heading">
          <h2 id="summary-heading">{t("checkout.summary")}</h2>
          <MoneyBreakdown priceFen={offer.priceFen} voucherPartFen={voucherFen ?? 0} cashDueFen={cashFen ?? offer.priceFen} />
          {cashFen === null ? <p className="field__error">{t("checkout.pay.amountUnreadable")}</p> : null}
          <p className="checkout__note">{t("checkout.summaryNote")}</p>
        </aside>
      </div>
    </div>
  );
}
