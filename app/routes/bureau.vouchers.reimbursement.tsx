import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import { PageHead } from "~/components/page-head";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { formatFen, type Locale, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import {
  createReimbursementBatch,
  listBatches,
  markBatchPaid,
  REIMBURSEMENT_DUE_DAYS,
  reimbursementOverview,
  reimbursementTimeliness,
  reimbursementWait,
} from "~/services/vouchers";
import { Kpi } from "~/components/kpi";
import { payeeAccountStates } from "~/services/payouts/payee-account";
import { ReimbursementWait } from "~/components/vouchers";
import { requireUser } from "~/session.server";
import { ScrollArea } from "~/components/scroll-area";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.reimbursement.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const db = await getDb();
  const [owed, batches, timeliness] = await Promise.all([
    reimbursementOverview(db, user.organisationId),
    listBatches(db, user.organisationId),
    reimbursementTimeliness(db, user.organisationId),
  ]);
  // Group the owed lines by programme: a batch is made per programme.
  const now = new Date();
  const payees = await payeeAccountStates(db, [...new Set(owed.map((r) => r.institutionId))], now);
  type Line = (typeof owed)[number] & { wait: ReturnType<typeof reimbursementWait>; payee: "missing" | "changed" | "ok" };
  const programmes = new Map<number, { programmeId: number; name: string; year: number; owedFen: number; overdue: number; lines: Line[] }>();
  for (const row of owed) {
    const entry = programmes.get(row.programmeId) ?? {
      programmeId: row.programmeId,
      name: row.programmeName,
      year: row.programmeYear,
      owedFen: 0,
      overdue: 0,
      lines: [],
    };
    const wait = reimbursementWait(row.waitingSince, now);
    entry.owedFen += row.owedFen;
    if (wait?.overdue) entry.overdue += 1;
    const payee = payees.get(row.institutionId);
    entry.lines.push({ ...row, wait, payee: !payee ? "missing" : payee.recentlyChanged ? "changed" : "ok" });
    programmes.set(row.programmeId, entry);
  }
  const waits = [...programmes.values()].flatMap((p) => p.lines.map((l) => l.wait?.days ?? 0));
  return {
    dueDays: REIMBURSEMENT_DUE_DAYS,
    timeliness,
    longestWaitDays: waits.length > 0 ? Math.max(...waits) : 0,
    programmes: [...programmes.values()],
    batches: batches.map((b) => ({ ...b, createdAt: b.createdAt.toISOString(), paidAt: b.paidAt?.toISOString() ?? null })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const actor = { userId: user.id, organisationId: user.organisationId };
  const form = await request.formData();
  const db = await getDb();
  if (form.get("intent") === "batch") {
    const programmeId = Number(form.get("programmeId"));
    // The institutions ticked in the programme's list; one found irregular by a spot check starts unticked (暂缓兑付).
    const institutionIds = form.getAll("institutionId").map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
    if (institutionIds.length === 0) return data({ target: `programme-${programmeId}`, error: "vouchers.reimbursement.noneChosen" }, { status: 400 });
    const result = await createReimbursementBatch(db, actor, { programmeId, institutionIds });
    if (!result.ok)
      return data({ target: `programme-${programmeId}`, error: result.formError?.key ?? "vouchers.error.generic" }, { status: 400 });
    return redirect(`/bureau/vouchers/reimbursement?batch=${result.batchId}`);
  }
  if (form.get("intent") === "paid") {
    const batchId = Number(form.get("batchId"));
    const result = await markBatchPaid(db, actor, { batchId, paymentReference: form.get("paymentReference") });
    if (!result.ok) {
      return data(
        { target: `batch-${batchId}`, error: result.fieldErrors.paymentReference ?? result.formError?.key ?? "vouchers.error.generic" },
        { status: 400 },
      );
    }
    return redirect(`/bureau/vouchers/reimbursement?paid=${batchId}`);
  }
  throw new Response("Bad request", { status: 400 });
}

function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

export default function Reimbursement() {
  const { programmes, batches, dueDays, timeliness, longestWaitDays } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state === "submitting";
  const errorFor = (target: string) =>
    actionData?.target === target ? (
      <p className="field__error" role="alert" id={`${target}-error`}>
        {t(actionData.error)}
      </p>
    ) : null;

  return (
    <div>
      <p>
        <Link to="/bureau/vouchers">← {t("vouchers.bureau.title")}</Link>
      </p>
      <PageHead
        title={t("vouchers.reimbursement.title")}
        intro={t("vouchers.reimbursement.intro")}
      />
      {search.get("batch") ? (
        <p className="notice" role="status">
          {t("vouchers.reimbursement.batchMade")}
        </p>
      ) : null}
      {search.get("paid") ? (
        <p className="notice" role="status">
          {t("vouchers.reimbursement.paidDone")}
        </p>
      ) : null}

      <section className="kpis" aria-label={t("vouchers.reimbursement.speed")}>
        <Kpi
          label={t("vouchers.reimbursement.averageDays")}
          value={timeliness.averageDays === null ? "—" : t("vouchers.reimbursement.waitDays", { days: timeliness.averageDays })}
          meta={t("vouchers.reimbursement.averageMeta", { count: timeliness.purchases, longest: timeliness.longestDays ?? 0 })}
        />
        <Kpi
          label={t("vouchers.reimbursement.longestWait")}
          value={t("vouchers.reimbursement.waitDays", { days: longestWaitDays })}
          meta={t("vouchers.reimbursement.dueMeta", { days: dueDays })}
        />
      </section>

      <section className="panel panel--spaced" aria-labelledby="owed">
        <h2 id="owed">{t("vouchers.reimbursement.owed")}</h2>
        {programmes.length === 0 ? (
          <p className="empty">{t("vouchers.reimbursement.nothing")}</p>
        ) : (
          programmes.map((p) => (
            <Form method="post" key={p.programmeId} className="panel--spaced">
              <input type="hidden" name="intent" value="batch" />
              <input type="hidden" name="programmeId" value={p.programmeId} />
              <div className="panel__head">
                <h3>
                  {p.name} · {t("vouchers.reimbursement.owedTotal", { amount: formatFen(p.owedFen, locale) })}
                </h3>
                <button type="submit" className="button" disabled={busy || p.owedFen === 0}>
                  {t("vouchers.reimbursement.makeBatch")}
                </button>
              </div>
              {errorFor(`programme-${p.programmeId}`)}
              {p.overdue > 0 ? <p className="field__hint">{t("vouchers.reimbursement.overdueHint", { count: p.overdue, days: dueDays })}</p> : null}
              {p.lines.some((l) => l.irregularFindings > 0 && l.owedFen > 0) ? (
                <p className="field__hint">{t("vouchers.reimbursement.heldHint")}</p>
              ) : null}
              <ScrollArea>
                <table className="data">
                  <thead>
                    <tr>
                      <th scope="col">{t("vouchers.reimbursement.colInclude")}</th>
                      <th scope="col">{t("vouchers.col.institution")}</th>
                      <th scope="col" className="num">
                        {t("vouchers.reimbursement.colOwed")}
                      </th>
                      <th scope="col">{t("vouchers.reimbursement.colWaiting")}</th>
                      <th scope="col" className="num">
                        {t("vouchers.reimbursement.colInPayment")}
                      </th>
                      <th scope="col" className="num">
                        {t("vouchers.reimbursement.colPaid")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.lines.map((l) => (
                      <tr key={l.institutionId}>
                        <td>
                          {l.owedFen > 0 ? (
                            <input
                              type="checkbox"
                              name="institutionId"
                              value={l.institutionId}
                              defaultChecked={l.irregularFindings === 0}
                              aria-label={t("vouchers.reimbursement.include", { name: l.institutionName })}
                            />
                          ) : null}
                        </td>
                        <td>
                          {l.institutionName}
                          {l.irregularFindings > 0 ? (
                            <>
                              {" "}
                              <span className="tag tag--alert">{t("vouchers.reimbursement.irregular", { count: l.irregularFindings })}</span>
                            </>
                          ) : null}
                          {l.payee !== "ok" && l.owedFen > 0 ? (
                            <>
                              {" "}
                              <span className="tag tag--alert">{t(`payee.tag.${l.payee}`)}</span>
                            </>
                          ) : null}
                          {l.uninvoiced > 0 ? (
                            <>
                              {" "}
                              <span className="tag">{t("vouchers.reimbursement.uninvoiced", { count: l.uninvoiced })}</span>
                            </>
                          ) : null}
                          {l.disallowedFen > 0 ? (
                            <>
                              {" "}
                              <span className="tag">{t("vouchers.reimbursement.disallowed", { amount: formatFen(l.disallowedFen, locale) })}</span>
                            </>
                          ) : null}
                        </td>
                        <td className="num">{formatFen(l.owedFen, locale)}</td>
                        <td className="nowrap">
                          <ReimbursementWait wait={l.wait} />
                        </td>
                        <td className="num">{formatFen(l.inPaymentFen, locale)}</td>
                        <td className="num">{formatFen(l.paidFen, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollArea>
            </Form>
          ))
        )}
      </section>

      <section className="panel panel--spaced" aria-labelledby="batches">
        <h2 id="batches">{t("vouchers.reimbursement.batches")}</h2>
        {batches.length === 0 ? (
          <p className="empty">{t("vouchers.reimbursement.noBatches")}</p>
        ) : (
          <ScrollArea>
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{t("vouchers.reimbursement.colBatch")}</th>
                  <th scope="col">{t("vouchers.col.programme")}</th>
                  <th scope="col">{t("vouchers.reimbursement.colLines")}</th>
                  <th scope="col" className="num">
                    {t("vouchers.col.amount")}
                  </th>
                  <th scope="col">{t("vouchers.col.status")}</th>
                </tr>
              </thead>
              <tbody>
                {batches.map((b) => {
                  const target = `batch-${b.id}`;
                  return (
                    <tr key={b.id}>
                      <td>
                        <span className="mono">{b.reference}</span>
                        <br />
                        <small className="kpi__label">{formatDate(b.createdAt, locale)}</small>
                        <br />
                        <a href={`/bureau/vouchers/reimbursement/${b.id}.csv`} download title={t("vouchers.reimbursement.paymentListHint")}>
                          {t("vouchers.reimbursement.paymentList")}
                        </a>
                      </td>
                      <td>{b.programmeName}</td>
                      <td>
                        {b.lines.map((l) => (
                          <div key={l.institutionId}>
                            {l.institutionName} {formatFen(l.amountFen, locale)}
                          </div>
                        ))}
                      </td>
                      <td className="num">{formatFen(b.totalFen, locale)}</td>
                      <td>
                        <span className={`status status--${b.status}`}>{t(`vouchers.batchStatus.${b.status}`)}</span>
                        {b.status === "paid" ? (
                          <>
                            <br />
                            <small className="kpi__label">
                              {b.paidAt ? formatDate(b.paidAt, locale) : ""} · <span className="mono">{b.paymentReference}</span>
                            </small>
                          </>
                        ) : (
                          <Form method="post" className="voucher-reject">
                            <input type="hidden" name="intent" value="paid" />
                            <input type="hidden" name="batchId" value={b.id} />
                            <label className="visually-hidden" htmlFor={`${target}-ref`}>
                              {t("vouchers.reimbursement.paymentReference")}
                            </label>
                            <input
                              id={`${target}-ref`}
                              name="paymentReference"
                              maxLength={100}
                              placeholder={t("vouchers.reimbursement.paymentReference")}
                              aria-invalid={actionData?.target === target ? true : undefined}
                              aria-describedby={actionData?.target === target ? `${target}-error` : undefined}
                            />
                            <button type="submit" className="button button--ghost" disabled={busy}>
                              {t("vouchers.reimbursement.markPaid")}
                            </button>
                            {errorFor(target)}
                          </Form>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </ScrollArea>
        )}
      </section>
    </div>
  );
}
