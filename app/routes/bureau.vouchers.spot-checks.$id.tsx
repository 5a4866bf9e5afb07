import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { formatFen, type Locale, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { disallowVoucherPart, getSpotCheck, reviewSpotCheckItem, type DisallowField, type ReviewField } from "~/services/vouchers";
import type { FieldErrors, Message } from "~/services/accounts/types";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";
import { SelectField, TextField } from "~/components/form";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { RowActionForm } from "~/components/row-action";
import { ReviewProgress } from "~/components/vouchers";
import { messageText } from "~/components/checkout/format";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.spot.title")} · ${t("app.name")}` }];
};

function checkId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Response("Not found", { status: 404 });
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const check = await getSpotCheck(await getDb(), user.organisationId, checkId(params.id));
  if (!check) throw new Response("Not found", { status: 404 });
  return {
    ...check,
    drawnAt: check.drawnAt.toISOString(),
    items: check.items.map((i) => ({
      ...i,
      paidAt: i.paidAt?.toISOString() ?? null,
      reviewedAt: i.reviewedAt?.toISOString() ?? null,
      disallowed: i.disallowed ? { ...i.disallowed, at: i.disallowed.at.toISOString() } : null,
    })),
  };
}

interface ActionError {
  orderId: number;
  /** which form: the review, or the disallowance (核减) of an irregular purchase */
  intent: "review" | "disallow";
  fieldErrors: FieldErrors<ReviewField | DisallowField>;
  error: Message | null;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const id = checkId(params.id);
  const form = await request.formData();
  const orderId = Number(form.get("orderId"));
  const actor = { userId: user.id, organisationId: user.organisationId };
  if (form.get("intent") === "disallow") {
    const result = await disallowVoucherPart(await getDb(), actor, { spotCheckId: id, orderId, reason: form.get("reason"), amount: form.get("amount") });
    if (!result.ok) return data<ActionError>({ orderId, intent: "disallow", fieldErrors: result.fieldErrors, error: result.formError ?? null }, { status: 400 });
    return redirect(`/bureau/vouchers/spot-checks/${id}?disallowed=${orderId}#order-${orderId}`);
  }
  const result = await reviewSpotCheckItem(await getDb(), actor, {
    spotCheckId: id,
    orderId,
    outcome: form.get("outcome"),
    finding: form.get("finding") ?? undefined,
  });
  if (!result.ok) return data<ActionError>({ orderId, intent: "review", fieldErrors: result.fieldErrors, error: result.formError ?? null }, { status: 400 });
  return redirect(`/bureau/vouchers/spot-checks/${id}?reviewed=${orderId}#order-${orderId}`);
}

function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

type Item = ReturnType<typeof useLoaderData<typeof loader>>["items"][number];

export default function SpotCheck() {
  const check = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() ?? null;
  const busy = useNavigation().state === "submitting";
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const suspected = check.items.filter((i) => i.drawnBecause === "suspected").length;

  return (
    <div>
      <p>
        <Link to="/bureau/vouchers/spot-checks">← {t("vouchers.spot.title")}</Link>
      </p>
      <PageHead
        title={t("vouchers.spot.name", { id: check.id })}
        intro={t("vouchers.spot.detailIntro", {
          programme: check.programmeName,
          from: check.from,
          to: check.to,
          population: check.population,
          drawn: check.drawn,
          suspected,
        })}
      />
      {search.get("drawn") ? (
        <p className="notice" role="status">
          {t("vouchers.spot.drawnDone", { drawn: check.drawn })}
        </p>
      ) : null}
      {search.get("reviewed") ? (
        <p className="notice" role="status">
          {t("vouchers.spot.reviewedDone")}
        </p>
      ) : null}
      {search.get("disallowed") ? (
        <p className="notice" role="status">
          {t("vouchers.spot.disallowedDone")}
        </p>
      ) : null}

      <section className="kpis" aria-label={t("vouchers.spot.summary")}>
        <Kpi label={t("vouchers.spot.col.drawn")} value={check.drawn} meta={t("vouchers.spot.ofPopulation", { population: check.population })} />
        <Kpi label={t("vouchers.spot.col.progress")} value={<ReviewProgress reviewed={check.reviewed} drawn={check.drawn} />} />
        <Kpi label={t("vouchers.spot.col.irregular")} value={check.irregular} />
      </section>

      <section className="panel panel--spaced" aria-labelledby="items">
        <h2 id="items">{t("vouchers.spot.items")}</h2>
        <DataTable
          stackOnPhone
          rows={check.items}
          rowKey={(i) => i.orderId}
          columns={[
            {
              header: t("vouchers.spot.col.purchase"),
              className: "spot-purchase",
              cell: (i) => (
                <span id={`order-${i.orderId}`}>
                  {i.resultTitle}
                  <br />
                  <small className="kpi__label">
                    {i.contractNo ?? t("vouchers.spot.orderNo", { id: i.orderId })}
                    {i.paidAt ? ` · ${formatDate(i.paidAt, locale)}` : ""}
                  </small>
                  <br />
                  <small>
                    {i.enterpriseName} ↔ {i.institutionName}
                  </small>
                </span>
              ),
            },
            {
              header: t("vouchers.spot.col.amounts"),
              numeric: true,
              cell: (i) => (
                <>
                  {formatFen(i.priceFen, locale)}
                  <br />
                  <small className="kpi__label">{t("vouchers.spot.voucherPart", { amount: formatFen(i.voucherPartFen, locale) })}</small>
                </>
              ),
            },
            {
              header: t("vouchers.spot.col.why"),
              cell: (i) => <span className={i.drawnBecause === "suspected" ? "tag tag--alert" : "tag"}>{t(`vouchers.spot.because.${i.drawnBecause}`)}</span>,
            },
            {
              header: t("vouchers.spot.col.outcome"),
              className: "voucher-state",
              cell: (i) => <Outcome item={i} programmeId={check.programmeId} failure={failure?.orderId === i.orderId ? failure : null} busy={busy} />,
            },
          ]}
        />
        <p className="field__hint">{t("vouchers.spot.seedNote", { seed: check.seed, size: check.sampleSize })}</p>
      </section>
    </div>
  );
}

/** A drawn purchase's review: the form while pending; then the outcome, and for an irregular one what to do next. */
function Outcome({ item: i, programmeId, failure, busy }: { item: Item; programmeId: number; failure: ActionError | null; busy: boolean }) {
  const t = useT();
  const locale = useLocale();
  if (i.outcome !== "pending") {
    return (
      <>
        <span className={i.outcome === "irregular" ? "tag tag--alert" : "tag tag--voucher"}>{t(`vouchers.spot.outcome.${i.outcome}`)}</span>
        {i.finding ? (
          <>
            <br />
            <small>{i.finding}</small>
          </>
        ) : null}
        <br />
        <small className="kpi__label">{t("vouchers.spot.reviewedBy", { name: i.reviewedBy ?? "", date: i.reviewedAt ? formatDate(i.reviewedAt, locale) : "" })}</small>
        {i.disallowed ? (
          <>
            <br />
            <span className="tag tag--alert">{t("vouchers.spot.disallowed", { amount: formatFen(i.disallowed.amountFen, locale) })}</span>
            <br />
            <small className="kpi__label">
              {t("vouchers.spot.disallowedBy", { name: i.disallowed.by, date: formatDate(i.disallowed.at, locale), reason: i.disallowed.reason })}
            </small>
          </>
        ) : i.outcome === "irregular" ? (
          <RowActionForm
            summary={t("vouchers.spot.disallow")}
            submitLabel={t("vouchers.spot.disallowSubmit")}
            open={failure?.intent === "disallow"}
            busy={busy}
            hint={t("vouchers.spot.disallowHint", { amount: formatFen(i.voucherPartFen, locale) })}
            error={failure?.intent === "disallow" && failure.error ? messageText(t, locale, failure.error) : null}
          >
            <input type="hidden" name="intent" value="disallow" />
            <input type="hidden" name="orderId" value={i.orderId} />
            <TextField
              id={`disallow-${i.orderId}`}
              name="reason"
              label={t("vouchers.spot.field.reason")}
              defaultValue={i.finding ?? ""}
              maxLength={200}
              required
              error={failure?.intent === "disallow" && failure.fieldErrors.reason ? t(failure.fieldErrors.reason) : null}
            />
            <TextField
              id={`disallow-amount-${i.orderId}`}
              name="amount"
              label={t("vouchers.spot.field.amount")}
              hint={t("vouchers.spot.field.amount.hint", { amount: formatFen(i.voucherPartFen, locale) })}
              inputMode="decimal"
              optional
              error={failure?.intent === "disallow" && failure.fieldErrors.amount ? t(failure.fieldErrors.amount) : null}
            />
          </RowActionForm>
        ) : null}
        {i.outcome === "irregular" ? (
          <ul className="signal-list">
            {i.vouchers.map(({ serial, revoked }) => (
              <li key={serial}>
                {revoked ? (
                  t("vouchers.spot.voucherRevoked", { serial })
                ) : (
                  <Link to={`/bureau/vouchers/${programmeId}?q=${encodeURIComponent(serial)}`}>{t("vouchers.spot.revokeLink", { serial })}</Link>
                )}
              </li>
            ))}
            <li>
              <Link to="/bureau/vouchers/related-parties">{t("vouchers.spot.relatedLink")}</Link>
            </li>
          </ul>
        ) : null}
      </>
    );
  }
  return (
    <RowActionForm
      summary={t("vouchers.spot.review")}
      submitLabel={t("vouchers.spot.reviewSubmit")}
      open={Boolean(failure)}
      busy={busy}
      error={failure?.error ? t(failure.error.key, failure.error.params) : null}
    >
      <input type="hidden" name="orderId" value={i.orderId} />
      <SelectField
        id={`outcome-${i.orderId}`}
        name="outcome"
        label={t("vouchers.spot.field.outcome")}
        options={(["compliant", "irregular"] as const).map((o) => ({ value: o, label: t(`vouchers.spot.outcome.${o}`) }))}
        required
        error={failure?.fieldErrors.outcome ? t(failure.fieldErrors.outcome) : null}
      />
      <TextField
        id={`finding-${i.orderId}`}
        name="finding"
        label={t("vouchers.spot.field.finding")}
        hint={t("vouchers.spot.findingHint")}
        maxLength={200}
        error={failure?.fieldErrors.finding ? t(failure.fieldErrors.finding) : null}
      />
    </RowActionForm>
  );
}
