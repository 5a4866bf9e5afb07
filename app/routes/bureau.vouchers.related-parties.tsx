import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { formatFen, type Locale, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import {
  listRelatedParties,
  recordRelatedParty,
  relatedPartyChoices,
  removeRelatedParty,
  suspectedRelatedParties,
  type PairVoucherOrders,
  type RelatedPartyField,
} from "~/services/vouchers";
import type { FieldErrors, Message } from "~/services/accounts/types";
import { RELATIONS } from "../../db/schema";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";
import { ErrorSummary, SelectField, TextField } from "~/components/form";
import { PageHead } from "~/components/page-head";
import { RowActionForm } from "~/components/row-action";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.related.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  const db = await getDb();
  const [suspected, recorded, choices] = await Promise.all([suspectedRelatedParties(db), listRelatedParties(db), relatedPartyChoices(db)]);
  return { suspected, recorded: recorded.map((r) => ({ ...r, recordedAt: r.recordedAt.toISOString() })), choices };
}

interface ActionError {
  /** which form failed: "new" (the record form), "pair-<e>-<i>" (a suspected pair's), "remove-<id>" */
  target: string;
  fieldErrors: FieldErrors<RelatedPartyField>;
  error: Message | null;
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const actor = { userId: user.id, organisationId: user.organisationId };
  const form = await request.formData();
  const db = await getDb();
  const intent = form.get("intent");
  if (intent === "record") {
    const target = String(form.get("target") ?? "new");
    const result = await recordRelatedParty(db, actor, {
      enterpriseId: form.get("enterpriseId"),
      institutionId: form.get("institutionId"),
      relation: form.get("relation"),
      note: form.get("note") ?? undefined,
    });
    if (!result.ok) return data<ActionError>({ target, fieldErrors: result.fieldErrors, error: result.formError ?? null }, { status: 400 });
    return redirect(`/bureau/vouchers/related-parties?recorded=${form.get("relation") === "none" ? "none" : "related"}`);
  }
  if (intent === "remove") {
    const id = String(form.get("id"));
    const result = await removeRelatedParty(db, actor, { id });
    if (!result.ok) return data<ActionError>({ target: `remove-${id}`, fieldErrors: {}, error: result.formError ?? null }, { status: 400 });
    return redirect("/bureau/vouchers/related-parties?removed=1");
  }
  throw new Response("Bad request", { status: 400 });
}

function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

export default function RelatedParties() {
  const { suspected, recorded, choices } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state === "submitting";
  const failureOf = (target: string) => (actionData?.target === target ? actionData : null);
  const decisionOptions = RELATIONS.map((r) => ({ value: r, label: t(`vouchers.related.relation.${r}`) }));
  const relationOptions = decisionOptions.filter((o) => o.value !== "none");
  const newFailure = failureOf("new");

  return (
    <div>
      <p>
        <Link to="/bureau/vouchers">← {t("vouchers.bureau.title")}</Link>
      </p>
      <PageHead title={t("vouchers.related.title")} intro={t("vouchers.related.intro")} />
      {search.get("recorded") ? (
        <p className="notice" role="status">
          {t(search.get("recorded") === "none" ? "vouchers.related.clearedDone" : "vouchers.related.recordedDone")}
        </p>
      ) : null}
      {search.get("removed") ? (
        <p className="notice" role="status">
          {t("vouchers.related.removedDone")}
        </p>
      ) : null}

      <section className="panel panel--spaced" aria-labelledby="suspected">
        <h2 id="suspected">{t("vouchers.related.suspected", { count: suspected.length })}</h2>
        <p className="field__hint">{t("vouchers.related.suspectedHint")}</p>
        {suspected.length === 0 ? (
          <p className="empty">{t("vouchers.related.suspectedNone")}</p>
        ) : (
          <DataTable
            stackOnPhone
            rows={suspected}
            rowKey={(s) => `${s.enterpriseId}-${s.institutionId}`}
            columns={[
              { header: t("vouchers.related.col.pair"), className: "name-cell", cell: (s) => <Pair enterprise={s.enterpriseName} institution={s.institutionName} /> },
              {
                header: t("vouchers.related.col.signals"),
                cell: (s) => (
                  <ul className="signal-list">
                    {s.signals.map((g) => (
                      <li key={`${g.signal}-${g.value}`}>{t(`vouchers.related.signal.${g.signal}`, { value: g.value })}</li>
                    ))}
                  </ul>
                ),
              },
              { header: t("vouchers.related.col.voucherOrders"), cell: (s) => <VoucherOrders orders={s} /> },
              {
                header: t("vouchers.related.col.decide"),
                className: "voucher-state",
                cell: (s) => {
                  const target = `pair-${s.enterpriseId}-${s.institutionId}`;
                  const failure = failureOf(target);
                  return (
                    <RowActionForm
                      summary={t("vouchers.related.decide")}
                      submitLabel={t("vouchers.related.submit")}
                      open={Boolean(failure)}
                      busy={busy}
                      error={failure?.error ? t(failure.error.key, failure.error.params) : null}
                    >
                      <input type="hidden" name="intent" value="record" />
                      <input type="hidden" name="target" value={target} />
                      <input type="hidden" name="enterpriseId" value={s.enterpriseId} />
                      <input type="hidden" name="institutionId" value={s.institutionId} />
                      <SelectField
                        id={`${target}-relation`}
                        name="relation"
                        label={t("vouchers.related.field.finding")}
                        options={decisionOptions}
                        placeholder={t("vouchers.related.choose")}
                        required
                        error={failure?.fieldErrors.relation ? t(failure.fieldErrors.relation) : null}
                      />
                      <TextField
                        id={`${target}-note`}
                        name="note"
                        label={t("vouchers.related.field.note")}
                        hint={t("vouchers.related.decideHint")}
                        maxLength={200}
                        error={failure?.fieldErrors.note ? t(failure.fieldErrors.note) : null}
                      />
                    </RowActionForm>
                  );
                },
              },
            ]}
          />
        )}
      </section>

      <section className="panel panel--spaced" aria-labelledby="record">
        <h2 id="record">{t("vouchers.related.new")}</h2>
        <Form method="post" className="form-card related-form" noValidate>
          <input type="hidden" name="intent" value="record" />
          <input type="hidden" name="target" value="new" />
          <ErrorSummary
            focusKey={newFailure}
            formError={newFailure?.error ? t(newFailure.error.key, newFailure.error.params) : null}
            items={(["enterpriseId", "institutionId", "relation", "note"] as const).flatMap((name) => {
              const message = newFailure?.fieldErrors[name];
              return message ? [{ name, label: t(`vouchers.related.field.${name}`), message: t(message) }] : [];
            })}
          />
          <SelectField
            name="enterpriseId"
            label={t("vouchers.related.field.enterpriseId")}
            hint={t("vouchers.related.enterpriseHint")}
            options={choices.enterprises.map((e) => ({ value: String(e.id), label: e.name }))}
            placeholder={t("vouchers.related.choose")}
            required
            error={newFailure?.fieldErrors.enterpriseId ? t(newFailure.fieldErrors.enterpriseId) : null}
          />
          <SelectField
            name="institutionId"
            label={t("vouchers.related.field.institutionId")}
            options={choices.institutions.map((i) => ({ value: String(i.id), label: i.name }))}
            placeholder={t("vouchers.related.choose")}
            required
            error={newFailure?.fieldErrors.institutionId ? t(newFailure.fieldErrors.institutionId) : null}
          />
          <SelectField
            name="relation"
            label={t("vouchers.related.field.relation")}
            options={relationOptions}
            placeholder={t("vouchers.related.choose")}
            required
            error={newFailure?.fieldErrors.relation ? t(newFailure.fieldErrors.relation) : null}
          />
          <TextField
            name="note"
            label={t("vouchers.related.field.note")}
            placeholder={t("vouchers.related.notePlaceholder")}
            optional
            maxLength={200}
            error={newFailure?.fieldErrors.note ? t(newFailure.fieldErrors.note) : null}
          />
          <div className="form-actions">
            <button type="submit" className="button" disabled={busy}>
              {t("vouchers.related.submit")}
            </button>
          </div>
        </Form>
      </section>

      <section className="panel panel--spaced" aria-labelledby="recorded">
        <h2 id="recorded">{t("vouchers.related.recorded", { count: recorded.length })}</h2>
        <p className="field__hint">{t("vouchers.related.recordedHint")}</p>
        {recorded.length === 0 ? (
          <p className="empty">{t("vouchers.related.recordedNone")}</p>
        ) : (
          <DataTable
            stackOnPhone
            rows={recorded}
            rowKey={(r) => r.id}
            columns={[
              { header: t("vouchers.related.col.pair"), className: "name-cell", cell: (r) => <Pair enterprise={r.enterpriseName} institution={r.institutionName} /> },
              {
                header: t("vouchers.related.field.relation"),
                cell: (r) => (
                  <>
                    <span className={r.relation === "none" ? "tag" : "tag tag--alert"}>{t(`vouchers.related.relation.${r.relation}`)}</span>
                    {r.note ? (
                      <>
                        <br />
                        <small className="kpi__label">{r.note}</small>
                      </>
                    ) : null}
                  </>
                ),
              },
              { header: t("vouchers.related.col.voucherOrders"), cell: (r) => <VoucherOrders orders={r} /> },
              {
                header: t("vouchers.related.col.recorded"),
                className: "voucher-state",
                cell: (r) => {
                  const failure = failureOf(`remove-${r.id}`);
                  return (
                    <>
                      <small className="kpi__label">{t("vouchers.related.recordedBy", { name: r.recordedBy, date: formatDate(r.recordedAt, locale) })}</small>
                      {failure?.error ? (
                        <p className="field__error" role="alert">
                          {t(failure.error.key, failure.error.params)}
                        </p>
                      ) : null}
                      <RowActionForm summary={t("vouchers.related.remove")} submitLabel={t("vouchers.related.removeSubmit")} busy={busy} hint={t("vouchers.related.removeWarning")}>
                        <input type="hidden" name="intent" value="remove" />
                        <input type="hidden" name="id" value={r.id} />
                      </RowActionForm>
                    </>
                  );
                },
              },
            ]}
          />
        )}
      </section>
    </div>
  );
}

function Pair({ enterprise, institution }: { enterprise: string; institution: string }) {
  return (
    <>
      {enterprise}
      <br />
      <small className="kpi__label">↔ {institution}</small>
    </>
  );
}

function VoucherOrders({ orders }: { orders: PairVoucherOrders }) {
  const t = useT();
  const locale = useLocale();
  if (orders.completedOrders === 0 && orders.pendingOrders === 0) return <span className="kpi__label">{t("vouchers.related.noVoucherOrders")}</span>;
  return (
    <>
      {t("vouchers.related.completedLine", { count: orders.completedOrders, amount: formatFen(orders.completedVoucherFen, locale) })}
      {orders.pendingOrders > 0 ? (
        <>
          <br />
          <span className="tag tag--alert">{t("vouchers.related.pendingLine", { count: orders.pendingOrders })}</span>
        </>
      ) : null}
    </>
  );
}
