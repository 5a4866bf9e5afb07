import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { type Locale, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { chinaDate, drawSpotCheck, listProgrammes, listSpotChecks, MAX_SAMPLE, type SpotCheckField } from "~/services/vouchers";
import type { FieldErrors, Message } from "~/services/accounts/types";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";
import { ErrorSummary, SelectField, TextField } from "~/components/form";
import { PageHead } from "~/components/page-head";
import { ReviewProgress } from "~/components/vouchers";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.spot.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const db = await getDb();
  const [programmes, checks] = await Promise.all([listProgrammes(db, { bureauId: user.organisationId }), listSpotChecks(db, user.organisationId)]);
  const now = new Date();
  return {
    programmes: programmes.map((p) => ({ id: p.id, name: p.name })),
    checks: checks.map((c) => ({ ...c, drawnAt: c.drawnAt.toISOString() })),
    // The last three months, a quarter's review.
    defaults: { from: chinaDate(new Date(now.getTime() - 91 * 86_400_000)), to: chinaDate(now) },
    maxSample: MAX_SAMPLE,
  };
}

interface ActionError {
  fieldErrors: FieldErrors<SpotCheckField>;
  error: Message | null;
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const form = await request.formData();
  const result = await drawSpotCheck(await getDb(), { userId: user.id, organisationId: user.organisationId }, {
    programmeId: form.get("programmeId"),
    from: form.get("from"),
    to: form.get("to"),
    sampleSize: form.get("sampleSize"),
  });
  if (!result.ok) return data<ActionError>({ fieldErrors: result.fieldErrors, error: result.formError ?? null }, { status: 400 });
  return redirect(`/bureau/vouchers/spot-checks/${result.spotCheckId}?drawn=1`);
}

function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

const FIELDS = ["programmeId", "from", "to", "sampleSize"] as const;

export default function SpotChecks() {
  const { programmes, checks, defaults, maxSample } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() ?? null;
  const busy = useNavigation().state === "submitting";
  const t = useT();
  const locale = useLocale();
  const errorOf = (name: SpotCheckField) => (failure?.fieldErrors[name] ? t(failure.fieldErrors[name], { max: maxSample }) : null);

  return (
    <div>
      <p>
        <Link to="/bureau/vouchers">← {t("vouchers.bureau.title")}</Link>
      </p>
      <PageHead title={t("vouchers.spot.title")} intro={t("vouchers.spot.intro")} />

      <section className="panel panel--spaced" aria-labelledby="draw">
        <h2 id="draw">{t("vouchers.spot.draw")}</h2>
        <Form method="post" className="form-card related-form" noValidate>
          <ErrorSummary
            focusKey={failure}
            formError={failure?.error ? t(failure.error.key, failure.error.params) : null}
            items={FIELDS.flatMap((name) => {
              const message = errorOf(name);
              return message ? [{ name, label: t(`vouchers.spot.field.${name}`), message }] : [];
            })}
          />
          <SelectField
            name="programmeId"
            label={t("vouchers.spot.field.programmeId")}
            options={programmes.map((p) => ({ value: String(p.id), label: p.name }))}
            defaultValue={programmes.length === 1 ? String(programmes[0].id) : undefined}
            placeholder={programmes.length === 1 ? undefined : t("vouchers.related.choose")}
            required
            error={errorOf("programmeId")}
          />
          <div className="field-row">
            <TextField name="from" type="date" label={t("vouchers.spot.field.from")} defaultValue={defaults.from} required error={errorOf("from")} />
            <TextField name="to" type="date" label={t("vouchers.spot.field.to")} defaultValue={defaults.to} required error={errorOf("to")} />
          </div>
          <TextField
            name="sampleSize"
            label={t("vouchers.spot.field.sampleSize")}
            hint={t("vouchers.spot.sampleHint", { max: maxSample })}
            inputMode="numeric"
            defaultValue="10"
            required
            error={errorOf("sampleSize")}
          />
          <div className="form-actions">
            <button type="submit" className="button" disabled={busy || programmes.length === 0}>
              {t("vouchers.spot.drawSubmit")}
            </button>
          </div>
        </Form>
      </section>

      <section className="panel panel--spaced" aria-labelledby="checks">
        <h2 id="checks">{t("vouchers.spot.checks", { count: checks.length })}</h2>
        {checks.length === 0 ? (
          <p className="empty">{t("vouchers.spot.none")}</p>
        ) : (
          <DataTable
            rows={checks}
            rowKey={(c) => c.id}
            columns={[
              {
                header: t("vouchers.spot.col.check"),
                cell: (c) => (
                  <>
                    <Link to={`/bureau/vouchers/spot-checks/${c.id}`}>{t("vouchers.spot.name", { id: c.id })}</Link>
                    <br />
                    <small className="kpi__label">{c.programmeName}</small>
                  </>
                ),
              },
              { header: t("vouchers.spot.col.period"), className: "nowrap", cell: (c) => `${c.from} – ${c.to}` },
              { header: t("vouchers.spot.col.drawn"), cell: (c) => t("vouchers.spot.drawnOf", { drawn: c.drawn, population: c.population }) },
              { header: t("vouchers.spot.col.progress"), cell: (c) => <ReviewProgress reviewed={c.reviewed} drawn={c.drawn} /> },
              {
                header: t("vouchers.spot.col.irregular"),
                numeric: true,
                cell: (c) => (c.irregular > 0 ? <span className="tag tag--alert">{c.irregular}</span> : 0),
              },
              { header: t("vouchers.spot.col.drawnBy"), cell: (c) => t("vouchers.spot.drawnBy", { name: c.drawnBy, date: formatDate(c.drawnAt, locale) }) },
            ]}
          />
        )}
      </section>
    </div>
  );
}
