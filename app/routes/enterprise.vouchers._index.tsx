import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/styles/vouchers.css";
import { ErrorSummary, TextAreaField, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { formatDay } from "~/components/checkout/format";
import { formatFen, type Locale, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import {
  applyForVoucher,
  getWallet,
  listApplications,
  openProgrammesFor,
  withdrawApplication,
  type ApplicationField,
} from "~/services/vouchers";
import { APPLICATION_FIELDS } from "~/services/vouchers/form-fields";
import { orderNo } from "~/services/checkout/rules";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";
import { ApplicationStatus, bpsPercent, ProgrammeTerms } from "~/components/vouchers";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.wallet.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const db = await getDb();
  const [wallet, programmes, applications] = await Promise.all([
    getWallet(db, user.organisationId),
    openProgrammesFor(db, user.organisationId),
    listApplications(db, { enterpriseId: user.organisationId, limit: 50 }),
  ]);
  // Dates travel as ISO strings and are formatted for the reader's locale in the component.
  return {
    wallet: {
      ...wallet,
      vouchers: wallet.vouchers.map((v) => ({ ...v, issuedAt: v.issuedAt.toISOString(), expiresAt: v.expiresAt.toISOString() })),
      holds: wallet.holds.map((h) => ({ ...h, since: h.since.toISOString() })),
      history: wallet.history.map((m) => ({ ...m, at: m.at.toISOString() })),
    },
    programmes,
    applications: applications.map((a) => ({ ...a, createdAt: a.createdAt.toISOString(), decidedAt: a.decidedAt?.toISOString() ?? null })),
    contactName: user.displayName,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const actor = { userId: user.id, organisationId: user.organisationId };
  const form = await request.formData();
  const db = await getDb();
  if (form.get("intent") === "withdraw") {
    await withdrawApplication(db, actor, form.get("applicationId"));
    return redirect("/enterprise/vouchers?withdrawn=1");
  }
  const input = Object.fromEntries(APPLICATION_FIELDS.map((f) => [f, form.get(f)]));
  const result = await applyForVoucher(db, actor, input);
  if (!result.ok) {
    const values = Object.fromEntries(APPLICATION_FIELDS.map((f) => [f, String(form.get(f) ?? "")])) as Record<ApplicationField, string>;
    return data({ fieldErrors: result.fieldErrors, formError: result.formError ?? null, values }, { status: 400 });
  }
  return redirect("/enterprise/vouchers?applied=1");
}

function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

function signedFen(fen: number, locale: Locale): string {
  return fen === 0 ? "—" : `${fen > 0 ? "+" : "−"}${formatFen(Math.abs(fen), locale)}`;
}

const FIELD_LABELS: Record<ApplicationField, string> = {
  programmeId: "vouchers.field.programme",
  purpose: "vouchers.field.purpose",
  contactName: "vouchers.field.contactName",
  contactPhone: "vouchers.field.contactPhone",
};

export default function VoucherWallet() {
  const { wallet, programmes, applications, contactName } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const failedProgramme = actionData ? Number(actionData.values.programmeId) : null;
  const errorText = (f: ApplicationField) => (actionData?.fieldErrors[f] ? t(actionData.fieldErrors[f] as string) : null);

  return (
    <div>
      <PageHead
        title={t("vouchers.wallet.title")}
        intro={t("vouchers.wallet.intro")}
      />
      {search.get("applied") ? (
        <p className="notice" role="status">
          {t("vouchers.apply.done")}
        </p>
      ) : null}
      {search.get("withdrawn") ? (
        <p className="notice" role="status">
          {t("vouchers.apply.withdrawn")}
        </p>
      ) : null}

      <section className="kpis" aria-label={t("vouchers.wallet.summary")}>
        <Kpi label={t("vouchers.wallet.available")} value={formatFen(wallet.totals.availableFen, locale)} />
        <Kpi label={t("vouchers.wallet.held")} value={formatFen(wallet.totals.heldFen, locale)} meta={t("vouchers.wallet.heldHint")} />
        <Kpi label={t("vouchers.wallet.redeemed")} value={formatFen(wallet.totals.redeemedFen, locale)} />
      </section>

      <section className="panel panel--spaced" aria-labelledby="my-vouchers">
        <h2 id="my-vouchers">{t("vouchers.wallet.mine")}</h2>
        {wallet.vouchers.length === 0 ? (
          <p className="empty">{t("vouchers.wallet.none")}</p>
        ) : (
          <DataTable
            stackOnPhone
            rows={wallet.vouchers}
            rowKey={(v) => v.voucherId}
            columns={[
              { header: t("vouchers.col.serial"), className: "mono nowrap", cell: (v) => v.serial },
              {
                header: t("vouchers.col.programme"),
                className: "name-cell",
                cell: (v) => (
                  <>
                    {v.programmeName}
                    <br />
                    <small className="kpi__label">{t("vouchers.coverage", { percent: bpsPercent(v.coverageBps) })}</small>
                  </>
                ),
              },
              { header: t("vouchers.col.amount"), numeric: true, cell: (v) => formatFen(v.amountFen, locale) },
              { header: t("vouchers.col.available"), numeric: true, cell: (v) => formatFen(v.availableFen, locale) },
              { header: t("vouchers.col.held"), numeric: true, cell: (v) => formatFen(v.heldFen, locale) },
              { header: t("vouchers.col.redeemed"), numeric: true, cell: (v) => formatFen(v.redeemedFen, locale) },
              {
                header: t("vouchers.col.expiresAt"),
                cell: (v) => (
                  <>
                    {formatDay(v.lastValidDay, locale)}
                    {v.expiresSoon ? (
                      <>
                        {" "}
                        <span className="tag">{t("vouchers.state.expiresSoon")}</span>
                      </>
                    ) : null}
                  </>
                ),
              },
              {
                header: t("vouchers.col.state"),
                cell: (v) => (
                  <>
                    <span className={v.state === "active" ? "tag tag--voucher" : "tag"}>{t(`vouchers.state.${v.state}`)}</span>
                    {v.revocationReason ? (
                      <>
                        <br />
                        <small className="kpi__label">{t("vouchers.wallet.revokedBecause", { reason: v.revocationReason })}</small>
                      </>
                    ) : null}
                    {v.returnedFen > 0 ? (
                      <>
                        <br />
                        <small className="kpi__label">
                          {t(v.state === "revoked" ? "vouchers.wallet.returnedRevoked" : "vouchers.wallet.returned", {
                            amount: formatFen(v.returnedFen, locale),
                          })}
                        </small>
                      </>
                    ) : null}
                  </>
                ),
              },
            ]}
          />
        )}
      </section>

      {wallet.caps.length > 0 ? (
        <section className="panel panel--spaced" aria-labelledby="caps">
          <h2 id="caps">{t("vouchers.wallet.caps")}</h2>
          <ul className="voucher-caps">
            {wallet.caps.map((c) => (
              <li key={c.programmeId} className="voucher-budget">
                <span>{c.programmeName}</span>
                <span className="voucher-budget__track" aria-hidden>
                  <span className="voucher-budget__bar" style={{ width: `${Math.min(100, (c.usedFen / c.yearlyCapFen) * 100)}%` }} />
                </span>
                <small className="kpi__label">
                  {t("vouchers.wallet.capLine", {
                    used: formatFen(c.usedFen, locale),
                    cap: formatFen(c.yearlyCapFen, locale),
                    left: formatFen(c.remainingFen, locale),
                  })}
                </small>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {wallet.holds.length > 0 ? (
        <section className="panel panel--spaced" aria-labelledby="holds">
          <h2 id="holds">{t("vouchers.wallet.holds")}</h2>
          <DataTable
            stackOnPhone
            rows={wallet.holds}
            rowKey={(h) => `${h.voucherId}-${h.orderId}`}
            columns={[
              { header: t("vouchers.col.serial"), className: "mono nowrap", cell: (h) => h.serial },
              { header: t("vouchers.col.order"), cell: (h) => <OrderLink orderId={h.orderId} /> },
              { header: t("vouchers.col.held"), numeric: true, cell: (h) => formatFen(h.amountFen, locale) },
              { header: t("vouchers.col.since"), className: "nowrap", cell: (h) => formatDate(h.since, locale) },
            ]}
          />
        </section>
      ) : null}

      <section className="panel panel--spaced" aria-labelledby="apply">
        <h2 id="apply">{t("vouchers.apply.title")}</h2>
        {programmes.length === 0 ? (
          <p className="empty">{t("vouchers.apply.noneOpen")}</p>
        ) : (
          <div className="card-grid">
            {programmes.map((p) => {
              const failed = failedProgramme === p.id;
              const budgetLeft = p.remainingBudgetFen >= p.voucherAmountFen;
              return (
                <article key={p.id} className="result-card" aria-labelledby={`programme-${p.id}`}>
                  <h3 className="result-card__title" id={`programme-${p.id}`}>
                    {p.name}
                  </h3>
                  <ProgrammeTerms programme={p} />
                  <p className="result-card__modes">{p.qualifyingModes.map((m) => t(`mode.${m}`)).join(" · ")}</p>
                  {p.myVouchers > 0 ? <p className="kpi__label">{t("vouchers.apply.alreadyHave", { count: p.myVouchers })}</p> : null}
                  {p.pendingApplicationId !== null ? (
                    <Form method="post" className="inline-form">
                      <p className="notice">{t("vouchers.apply.pending")}</p>
                      <input type="hidden" name="intent" value="withdraw" />
                      <input type="hidden" name="applicationId" value={p.pendingApplicationId} />
                      <button type="submit" className="button button--ghost">
                        {t("vouchers.apply.withdraw")}
                      </button>
                    </Form>
                  ) : !budgetLeft ? (
                    <p className="notice">{t("vouchers.error.budgetExhausted")}</p>
                  ) : (
                    <details className="voucher-apply" open={failed}>
                      <summary className="button">{t("vouchers.apply.open")}</summary>
                      <Form method="post" noValidate>
                        {failed ? (
                          <ErrorSummary
                            id={`apply-errors-${p.id}`}
                            focusKey={actionData}
                            formError={actionData?.formError ? t(actionData.formError.key, actionData.formError.params) : null}
                            items={APPLICATION_FIELDS.flatMap((f) => {
                              const key = actionData?.fieldErrors[f];
                              return key ? [{ name: f, id: `apply-${p.id}-${f}`, label: t(FIELD_LABELS[f]), message: t(key) }] : [];
                            })}
                          />
                        ) : null}
                        <input type="hidden" name="programmeId" value={p.id} />
                        <TextAreaField
                          id={`apply-${p.id}-purpose`}
                          name="purpose"
                          label={t(FIELD_LABELS.purpose)}
                          hint={t("vouchers.field.purpose.hint")}
                          required
                          maxLength={500}
                          rows={3}
                          defaultValue={failed ? actionData?.values.purpose : ""}
                          error={failed ? errorText("purpose") : null}
                        />
                        <TextField
                          id={`apply-${p.id}-contactName`}
                          name="contactName"
                          label={t(FIELD_LABELS.contactName)}
                          required
                          maxLength={50}
                          autoComplete="name"
                          defaultValue={failed ? actionData?.values.contactName : contactName}
                          error={failed ? errorText("contactName") : null}
                        />
                        <TextField
                          id={`apply-${p.id}-contactPhone`}
                          name="contactPhone"
                          type="tel"
                          label={t(FIELD_LABELS.contactPhone)}
                          required
                          autoComplete="tel"
                          defaultValue={failed ? actionData?.values.contactPhone : ""}
                          error={failed ? errorText("contactPhone") : null}
                        />
                        <button type="submit" className="button" disabled={navigation.state === "submitting"}>
                          {t("vouchers.apply.submit")}
                        </button>
                      </Form>
                    </details>
                  )}
                </article>
              );
            })}
          </div>
        )}
      </section>

      {applications.length > 0 ? (
        <section className="panel panel--spaced" aria-labelledby="applications">
          <h2 id="applications">{t("vouchers.apply.mine")}</h2>
          <DataTable
            stackOnPhone
            rows={applications}
            rowKey={(a) => a.id}
            columns={[
              { header: t("vouchers.col.programme"), cell: (a) => a.programmeName },
              { header: t("vouchers.col.appliedAt"), cell: (a) => formatDate(a.createdAt, locale) },
              {
                header: t("vouchers.col.status"),
                cell: (a) => (
                  <>
                    <ApplicationStatus status={a.status} />
                    {a.voucherSerial ? <span className="mono"> {a.voucherSerial}</span> : null}
                  </>
                ),
              },
              { header: t("vouchers.col.note"), cell: (a) => a.decisionNote ?? "" },
            ]}
          />
        </section>
      ) : null}

      {wallet.history.length > 0 ? (
        <section className="panel panel--spaced" aria-labelledby="history">
          <h2 id="history">{t("vouchers.wallet.history")}</h2>
          <DataTable
            stackOnPhone
            rows={wallet.history}
            rowKey={(m) => `${m.transactionId}-${m.voucherId}`}
            columns={[
              { header: t("vouchers.col.time"), className: "nowrap", cell: (m) => formatDate(m.at, locale) },
              { header: t("vouchers.col.serial"), className: "mono nowrap", cell: (m) => m.serial },
              { header: t("vouchers.col.movement"), className: "nowrap", cell: (m) => t(`vouchers.movement.${m.kind}`) },
              { header: t("vouchers.col.order"), cell: (m) => (m.orderId ? <OrderLink orderId={m.orderId} /> : "") },
              { header: t("vouchers.col.available"), numeric: true, cell: (m) => signedFen(m.availableDeltaFen, locale) },
              { header: t("vouchers.col.held"), numeric: true, cell: (m) => signedFen(m.heldDeltaFen, locale) },
            ]}
          />
        </section>
      ) : null}
    </div>
  );
}

/** An order the wallet mentions, by the number the order list shows, linked to its page (the buyer's own). */
function OrderLink({ orderId }: { orderId: number }) {
  return (
    <Link className="mono" to={`/enterprise/orders/${orderId}`}>
      {orderNo(orderId)}
    </Link>
  );
}
