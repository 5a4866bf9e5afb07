import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { formatFen, type Locale, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import {
  approveApplication,
  approveApplications,
  getProgramme,
  listApplications,
  listIssuedVouchers,
  listTopUps,
  rejectApplication,
  revokeVoucher,
  setProgrammeStatus,
  topUpProgramme,
} from "~/services/vouchers";
import { expireSessionsOfClosedOrders } from "~/services/payments/stripe";
import type { Message } from "~/services/accounts/types";
import { todayInChina } from "~/services/contracts/calendar";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";
import { ApplicationStatus, bpsPercent } from "~/components/vouchers";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { ScrollArea } from "~/components/scroll-area";
import { TextField } from "~/components/form";
import { RowActionForm } from "~/components/row-action";

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${loaded?.programme.name ?? t("vouchers.bureau.title")} · ${t("app.name")}` }];
};

function programmeId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Response("Not found", { status: 404 });
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const db = await getDb();
  const id = programmeId(params.programmeId);
  const programme = await getProgramme(db, id);
  if (!programme || programme.bureauId !== user.organisationId) throw new Response("Not found", { status: 404 });
  const search = new URL(request.url).searchParams.get("q")?.trim().slice(0, 100) ?? "";
  const [pending, decided, vouchers, topUps] = await Promise.all([
    listApplications(db, { programmeId: id, status: "pending", limit: 500 }),
    listApplications(db, { programmeId: id, limit: 100 }),
    listIssuedVouchers(db, id, { search, limit: ISSUED_LIMIT }),
    listTopUps(db, id),
  ]);
  const iso = <T extends { createdAt: Date; decidedAt: Date | null }>(a: T) => ({
    ...a,
    createdAt: a.createdAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
  });
  return {
    programme,
    pending: pending.map(iso),
    decided: decided.filter((a) => a.status !== "pending").map(iso),
    vouchers: vouchers.map((v) => ({ ...v, revokedAt: v.revokedAt?.toISOString() ?? null })),
    topUps: topUps.map((u) => ({ ...u, addedAt: u.addedAt.toISOString() })),
    ended: programme.validTo < todayInChina(),
    search,
  };
}

const ISSUED_LIMIT = 200;

interface ActionError {
  applicationId: number | null;
  voucherId: number | null;
  error: Message | null;
  noteError: string | null;
  reasonError: string | null;
  /** the top-up form's refusal, shown in that form */
  topUp: { error: Message | null; amount: string | null; reason: string | null } | null;
}

function failed(fields: Partial<ActionError>) {
  return data<ActionError>({ applicationId: null, voucherId: null, error: null, noteError: null, reasonError: null, topUp: null, ...fields }, { status: 400 });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const actor = { userId: user.id, organisationId: user.organisationId };
  const id = programmeId(params.programmeId);
  const form = await request.formData();
  const db = await getDb();
  const intent = form.get("intent");
  const applicationId = Number(form.get("applicationId"));
  if (intent === "approve") {
    const result = await approveApplication(db, actor, applicationId);
    if (!result.ok) return failed({ applicationId, error: result.formError ?? { key: "vouchers.error.generic" } });
    return redirect(`/bureau/vouchers/${id}?issued=${encodeURIComponent(result.voucher.serial)}`);
  }
  if (intent === "approveSelected") {
    const approved = await approveApplications(db, actor, { programmeId: id, applicationIds: form.getAll("applicationIds") });
    if (!approved.ok) return failed({ error: approved.formError ?? { key: "vouchers.error.generic" } });
    const { issued, leftForBudget, refused } = approved.result;
    const done = new URLSearchParams({ batchIssued: String(issued.length), batchLeft: String(leftForBudget.length), batchRefused: String(refused.length) });
    return redirect(`/bureau/vouchers/${id}?${done.toString()}`);
  }
  if (intent === "topUp") {
    const added = await topUpProgramme(db, actor, { programmeId: id, amount: form.get("amount"), reason: form.get("reason"), seenTotal: form.get("seenTotal") });
    if (!added.ok) {
      return failed({ topUp: { error: added.formError ?? null, amount: added.fieldErrors.amount ?? null, reason: added.fieldErrors.reason ?? null } });
    }
    return redirect(`/bureau/vouchers/${id}?toppedUp=${added.amountFen}`);
  }
  if (intent === "reject") {
    const result = await rejectApplication(db, actor, { applicationId, note: form.get("note") });
    if (!result.ok) return failed({ applicationId, error: result.formError ?? null, noteError: result.fieldErrors.note ?? null });
    return redirect(`/bureau/vouchers/${id}?rejected=1`);
  }
  if (intent === "revoke") {
    const voucherId = Number(form.get("voucherId"));
    const result = await revokeVoucher(db, actor, { voucherId, reason: form.get("reason") });
    if (!result.ok) return failed({ voucherId, error: result.formError ?? null, reasonError: result.fieldErrors.reason ?? null });
    await expireSessionsOfClosedOrders(result.cancelledOrders.map((o) => ({ orderId: o.orderId, sessionId: o.stripeSessionId })));
    const done = new URLSearchParams({ revoked: result.serial, returned: String(result.returnedFen), cancelled: String(result.cancelledOrders.length) });
    return redirect(`/bureau/vouchers/${id}?${done.toString()}`);
  }
  if (intent === "close" || intent === "open") {
    await setProgrammeStatus(db, actor, id, intent === "close" ? "closed" : "open");
    return redirect(`/bureau/vouchers/${id}`);
  }
  throw new Response("Bad request", { status: 400 });
}

function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

export default function VoucherProgrammeDetail() {
  const { programme: p, pending, decided, vouchers, topUps, ended, search: searched } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state === "submitting";

  return (
    <div>
      <p>
        <Link to="/bureau/vouchers">← {t("vouchers.bureau.title")}</Link>
      </p>
      <PageHead
        title={p.name}
        intro={
          <>
            {t("vouchers.programme.termsLine", {
              amount: formatFen(p.voucherAmountFen, locale),
              coverage: bpsPercent(p.coverageBps),
              cap: formatFen(p.yearlyCapFen, locale),
            })}
            {" · "}
            {p.validFrom} – {p.validTo}
          </>
        }
        actions={
          <>
            <span className={`status status--${p.status}`}>{t(`vouchers.programmeStatus.${p.status}`)}</span>
            <Form method="post">
              <input type="hidden" name="intent" value={p.status === "open" ? "close" : "open"} />
              <button type="submit" className="button button--ghost" disabled={busy}>
                {t(p.status === "open" ? "vouchers.programme.close" : "vouchers.programme.reopen")}
              </button>
            </Form>
          </>
        }
      >
        <p className="result-card__modes">{p.qualifyingModes.map((m) => t(`mode.${m}`)).join(" · ")}</p>
      </PageHead>
      {search.get("created") ? (
        <p className="notice" role="status">
          {t("vouchers.bureau.created")}
        </p>
      ) : null}
      {search.get("issued") ? (
        <p className="notice" role="status">
          {t("vouchers.review.issued", { serial: search.get("issued") ?? "" })}
        </p>
      ) : null}
      {search.get("toppedUp") ? (
        <p className="notice" role="status">
          {t("vouchers.topUp.done", { amount: formatFen(Number(search.get("toppedUp")), locale), total: formatFen(p.totalBudgetFen, locale) })}
        </p>
      ) : null}
      {actionData?.error && actionData.voucherId === null && !pending.some((a) => a.id === actionData.applicationId) ? (
        <p className="form-error" role="alert">
          {t(actionData.error.key, actionData.error.params)}
        </p>
      ) : null}
      {search.get("revoked") ? (
        <p className="notice" role="status">
          {t("vouchers.revoke.done", {
            serial: search.get("revoked") ?? "",
            amount: formatFen(Number(search.get("returned") ?? 0), locale),
            count: Number(search.get("cancelled") ?? 0),
          })}
        </p>
      ) : null}
      {search.get("batchIssued") !== null ? (
        <p className="notice" role="status">
          {[
            t("vouchers.review.batchDone", { count: Number(search.get("batchIssued") ?? 0) }),
            Number(search.get("batchLeft") ?? 0) > 0 ? t("vouchers.review.batchLeft", { count: Number(search.get("batchLeft")) }) : "",
            Number(search.get("batchRefused") ?? 0) > 0 ? t("vouchers.review.batchRefused", { count: Number(search.get("batchRefused")) }) : "",
          ]
            .filter(Boolean)
            .join(" ")}
        </p>
      ) : null}
      {search.get("rejected") ? (
        <p className="notice" role="status">
          {t("vouchers.review.rejectedDone")}
        </p>
      ) : null}

      <section className="kpis" aria-label={t("vouchers.wallet.summary")}>
        <Kpi
          label={t("vouchers.programme.remaining")}
          value={formatFen(p.remainingBudgetFen, locale)}
          meta={t("vouchers.programme.ofBudget", { total: formatFen(p.totalBudgetFen, locale) })}
        />
        <Kpi
          label={t("vouchers.programme.issued")}
          value={p.vouchersIssued}
          meta={t("vouchers.programme.outstanding", { amount: formatFen(p.outstandingFen, locale), held: formatFen(p.heldFen, locale) })}
        />
        <Kpi
          label={t("vouchers.programme.redeemed")}
          value={formatFen(p.redeemedFen, locale)}
          meta={t("vouchers.programme.reimbursementLine", {owed: formatFen(p.owedFen, locale),inPayment: formatFen(p.inPaymentFen, locale),paid: formatFen(p.paidFen, locale),})}
        />
      </section>

      {ended && topUps.length === 0 ? null : (
        <section className="top-up" aria-label={t("vouchers.topUp.title")}>
          {ended ? null : (
            <RowActionForm
              // A new total remounts the form closed and empty: a top-up done is not offered again half-filled.
              key={p.totalBudgetFen}
              summary={t("vouchers.topUp.title")}
              submitLabel={t("vouchers.topUp.submit")}
              open={Boolean(actionData?.topUp)}
              busy={busy}
              hint={t("vouchers.topUp.intro")}
              error={actionData?.topUp?.error ? t(actionData.topUp.error.key, actionData.topUp.error.params) : null}
            >
              <input type="hidden" name="intent" value="topUp" />
              <input type="hidden" name="seenTotal" value={p.totalBudgetFen} />
              <TextField
                name="amount"
                label={t("vouchers.topUp.amount")}
                inputMode="decimal"
                required
                error={actionData?.topUp?.amount ? t(actionData.topUp.amount) : null}
              />
              <TextField
                name="reason"
                label={t("vouchers.topUp.reason")}
                placeholder={t("vouchers.topUp.reasonPlaceholder")}
                maxLength={200}
                required
                error={actionData?.topUp?.reason ? t(actionData.topUp.reason) : null}
              />
            </RowActionForm>
          )}
          {topUps.length > 0 ? (
            <ul className="top-up__history" aria-label={t("vouchers.topUp.history")}>
              {topUps.map((u, i) => (
                <li key={i}>
                  {t("vouchers.topUp.line", { date: formatDate(u.addedAt, locale), by: u.addedBy, amount: formatFen(u.amountFen, locale), reason: u.reason })}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      )}

      <section className="panel panel--spaced" aria-labelledby="pending">
        <h2 id="pending">{t("vouchers.review.pending", { count: pending.length })}</h2>
        {pending.length === 0 ? (
          <p className="empty">{t("vouchers.review.none")}</p>
        ) : (
          <>
            <Form method="post" id="approve-selected" className="batch-approve">
              <input type="hidden" name="intent" value="approveSelected" />
              <button type="submit" className="button" disabled={busy || p.remainingBudgetFen < p.voucherAmountFen}>
                {t("vouchers.review.approveSelected")}
              </button>
              <small className="field__hint">{t("vouchers.review.batchHint")}</small>
            </Form>
            <ScrollArea>
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label={t("vouchers.review.selectAll")}
                        onChange={(e) => {
                          const checked = e.currentTarget.checked;
                          document.querySelectorAll<HTMLInputElement>('input[name="applicationIds"][form="approve-selected"]').forEach((box) => (box.checked = checked));
                        }}
                      />
                    </th>
                    <th scope="col">{t("vouchers.col.enterprise")}</th>
                    <th scope="col">{t("vouchers.field.purpose")}</th>
                    <th scope="col">{t("vouchers.col.contact")}</th>
                    <th scope="col" className="num">
                      {t("vouchers.review.alreadyIssued")}
                    </th>
                    <th scope="col">{t("vouchers.col.appliedAt")}</th>
                    <th scope="col">{t("vouchers.review.decision")}</th>
                  </tr>
                </thead>
                <tbody>
                  {pending.map((a) => {
                    const failed = actionData?.applicationId === a.id;
                    const noteId = `note-${a.id}`;
                    return (
                      <tr key={a.id}>
                        <td>
                          <input type="checkbox" name="applicationIds" value={a.id} form="approve-selected" aria-label={t("vouchers.review.select", { enterprise: a.enterpriseName })} />
                        </td>
                        <td>
                          {a.enterpriseName}
                          {a.enterpriseRevokedVouchers > 0 ? (
                            <>
                              <br />
                              <small className="tag tag--alert">{t("vouchers.review.revokedBefore", { count: a.enterpriseRevokedVouchers })}</small>
                            </>
                          ) : null}
                          {a.enterpriseIrregularFindings > 0 ? (
                            <>
                              <br />
                              <small className="tag tag--alert">{t("vouchers.review.irregularBefore", { count: a.enterpriseIrregularFindings })}</small>
                            </>
                          ) : null}
                          {a.enterpriseRelatedParties > 0 ? (
                            <>
                              <br />
                              <small className="tag">{t("vouchers.review.relatedParties", { count: a.enterpriseRelatedParties })}</small>
                            </>
                          ) : null}
                        </td>
                        <td>{a.purpose}</td>
                        <td>
                          {a.contactName}
                          <br />
                          <small className="mono">{a.contactPhone}</small>
                        </td>
                        <td className="num">
                          {formatFen(a.enterpriseIssuedFen, locale)}
                          {a.enterpriseIssuedFen + p.voucherAmountFen > p.yearlyCapFen ? (
                            <>
                              <br />
                              <small className="tag">{t("vouchers.review.aboveCap")}</small>
                            </>
                          ) : null}
                        </td>
                        <td>{formatDate(a.createdAt, locale)}</td>
                        <td>
                          {failed && actionData?.error ? (
                            <p className="field__error" role="alert">
                              {t(actionData.error.key, actionData.error.params)}
                            </p>
                          ) : null}
                          <div className="voucher-actions">
                            <Form method="post">
                              <input type="hidden" name="intent" value="approve" />
                              <input type="hidden" name="applicationId" value={a.id} />
                              <button type="submit" className="button" disabled={busy || p.remainingBudgetFen < p.voucherAmountFen}>
                                {t("vouchers.review.approve")}
                              </button>
                            </Form>
                            <Form method="post" className="voucher-reject">
                              <input type="hidden" name="intent" value="reject" />
                              <input type="hidden" name="applicationId" value={a.id} />
                              <label className="visually-hidden" htmlFor={noteId}>
                                {t("vouchers.review.note")}
                              </label>
                              <input
                                id={noteId}
                                name="note"
                                maxLength={200}
                                placeholder={t("vouchers.review.note")}
                                aria-invalid={failed && actionData?.noteError ? true : undefined}
                                aria-describedby={failed && actionData?.noteError ? `${noteId}-error` : undefined}
                              />
                              <button type="submit" className="button button--ghost" disabled={busy}>
                                {t("vouchers.review.reject")}
                              </button>
                              {failed && actionData?.noteError ? (
                                <p id={`${noteId}-error`} className="field__error">
                                  {t(actionData.noteError)}
                                </p>
                              ) : null}
                            </Form>
                          </div>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </ScrollArea>
          </>
        )}
      </section>

      <IssuedVouchers
        vouchers={vouchers}
        issued={p.vouchersIssued}
        searched={searched}
        failure={actionData?.voucherId ? actionData : null}
        busy={busy}
      />

      {decided.length > 0 ? (
        <section className="panel panel--spaced" aria-labelledby="decided">
          <h2 id="decided">{t("vouchers.review.decided")}</h2>
          <DataTable
            rows={decided}
            rowKey={(a) => a.id}
            columns={[
              { header: t("vouchers.col.enterprise"), cell: (a) => a.enterpriseName },
              { header: t("vouchers.col.status"), cell: (a) => <ApplicationStatus status={a.status} /> },
              { header: t("vouchers.col.serial"), className: "mono", cell: (a) => a.voucherSerial ?? "" },
              { header: t("vouchers.col.note"), cell: (a) => a.decisionNote ?? "" },
              { header: t("vouchers.col.decidedAt"), cell: (a) => (a.decidedAt ? formatDate(a.decidedAt, locale) : "") },
            ]}
          />
        </section>
      ) : null}
    </div>
  );
}

type IssuedRow = ReturnType<typeof useLoaderData<typeof loader>>["vouchers"][number];

/** The programme's vouchers with their balances; an active one can be revoked with a reason the enterprise sees. */
function IssuedVouchers({
  vouchers,
  issued,
  searched,
  failure,
  busy,
}: {
  vouchers: IssuedRow[];
  issued: number;
  searched: string;
  failure: { voucherId: number | null; error: Message | null; reasonError: string | null } | null;
  busy: boolean;
}) {
  const t = useT();
  const locale = useLocale();
  return (
    <section className="panel panel--spaced" aria-labelledby="issued">
      <h2 id="issued">{t("vouchers.issued.title", { count: issued })}</h2>
      {issued === 0 ? (
        <p className="empty">{t("vouchers.issued.none")}</p>
      ) : (
        <>
          <Form method="get" role="search" className="voucher-search">
            <label className="visually-hidden" htmlFor="issued-search">
              {t("vouchers.issued.search")}
            </label>
            <input id="issued-search" type="search" name="q" defaultValue={searched} maxLength={100} placeholder={t("vouchers.issued.search")} />
            <button type="submit" className="button button--ghost">
              {t("vouchers.issued.searchSubmit")}
            </button>
          </Form>
          {vouchers.length === 0 ? (
            <p className="empty">{t("vouchers.issued.noneFound", { search: searched })}</p>
          ) : (
            <DataTable
              stackOnPhone
              rows={vouchers}
              rowKey={(v) => v.voucherId}
              columns={[
                { header: t("vouchers.col.serial"), className: "mono nowrap", cell: (v) => v.serial },
                { header: t("vouchers.col.enterprise"), className: "name-cell", cell: (v) => v.enterpriseName },
                { header: t("vouchers.col.available"), numeric: true, cell: (v) => formatFen(v.availableFen, locale) },
                { header: t("vouchers.col.held"), numeric: true, cell: (v) => formatFen(v.heldFen, locale) },
                { header: t("vouchers.col.redeemed"), numeric: true, cell: (v) => formatFen(v.redeemedFen, locale) },
                {
                  header: t("vouchers.col.state"),
                  className: "voucher-state",
                  cell: (v) => <IssuedVoucherState voucher={v} failure={failure?.voucherId === v.voucherId ? failure : null} busy={busy} />,
                },
              ]}
            />
          )}
          {vouchers.length >= ISSUED_LIMIT ? <p className="field__hint">{t("vouchers.issued.limited", { count: ISSUED_LIMIT })}</p> : null}
        </>
      )}
    </section>
  );
}

/** A voucher's state, why and when it was revoked, and for an active one the revoke form (reason required). */
function IssuedVoucherState({
  voucher: v,
  failure,
  busy,
}: {
  voucher: IssuedRow;
  failure: { error: Message | null; reasonError: string | null } | null;
  busy: boolean;
}) {
  const t = useT();
  const locale = useLocale();
  return (
    <>
      <span className={v.state === "active" ? "tag tag--voucher" : "tag"}>{t(`vouchers.state.${v.state}`)}</span>
      {v.revokedAt && v.revocationReason ? (
        <>
          <br />
          <small className="kpi__label">{t("vouchers.revoke.revokedOn", { date: formatDate(v.revokedAt, locale), reason: v.revocationReason })}</small>
        </>
      ) : null}
      {failure?.error ? (
        <p className="field__error" role="alert">
          {t(failure.error.key, failure.error.params)}
        </p>
      ) : null}
      {v.state === "active" ? (
        <RowActionForm
          summary={t("vouchers.revoke.open")}
          submitLabel={t("vouchers.revoke.submit")}
          open={Boolean(failure)}
          busy={busy}
          hint={t("vouchers.revoke.warning")}
        >
          <input type="hidden" name="intent" value="revoke" />
          <input type="hidden" name="voucherId" value={v.voucherId} />
          <TextField
            id={`reason-${v.voucherId}`}
            name="reason"
            label={t("vouchers.revoke.reason")}
            placeholder={t("vouchers.revoke.reasonPlaceholder")}
            maxLength={200}
            required
            error={failure?.reasonError ? t(failure.reasonError) : null}
          />
        </RowActionForm>
      ) : null}
    </>
  );
}
