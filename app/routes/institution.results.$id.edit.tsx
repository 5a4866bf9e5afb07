import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { formatDate, formatDateTime, messageText } from "~/components/catalogue/format";
import { ResultForm } from "~/components/catalogue/result-form";
import { ResultPreview } from "~/components/catalogue/result-preview";
import "~/components/catalogue/catalogue.css";
import { getDb } from "~/db.server";
import { hasMessage, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import {
  CatalogueError,
  EDITABLE_STATUSES,
  actionsFrom,
  getOwnResult,
  httpStatusOf,
  isInPublicity,
  isStale,
  publicityEndsAt,
  reconfirmDueSoon,
  reconfirmResult,
  resultHistory,
  staleAt,
  transition,
  updateResult,
} from "~/services/catalogue/lifecycle";
import { formValuesOf, parseResultForm } from "~/services/catalogue/listing-input";
import { previewOf } from "~/services/catalogue/review";
import { priceReferences } from "~/services/contracts/price-references";
import { requireUser } from "~/session.server";

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${loaded?.result.title ?? t("catalogue.edit.title")} · ${t("app.name")}` }];
};

function resultId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Response("Not found", { status: 404 });
  return id;
}

/** Forbidden and not-found become error pages; other refusals are shown on the form. */
function refusal(error: unknown) {
  if (!(error instanceof CatalogueError)) throw error;
  if (error.kind === "forbidden" || error.kind === "not_found") throw new Response(error.kind, { status: httpStatusOf(error) });
  return { key: error.key, params: error.params };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const id = resultId(params.id);
  const db = await getDb();
  let detail;
  try {
    detail = await getOwnResult(db, user, id);
  } catch (error) {
    if (error instanceof CatalogueError) throw new Response(error.kind, { status: httpStatusOf(error) });
    throw error;
  }
  const now = new Date();
  const [history, priceRefs] = await Promise.all([resultHistory(db, id), priceReferences(db)]);
  return {
    priceRefs,
    result: previewOf(detail),
    editable: EDITABLE_STATUSES.includes(detail.status),
    values: formValuesOf(detail),
    actions: actionsFrom(detail.status).filter((a) => a === "withdraw" || a === "reopen"),
    reconfirmable: detail.status === "listed" || detail.status === "reserved",
    stale: isStale(detail, now),
    dueSoon: reconfirmDueSoon(detail, now),
    staleAt: staleAt(detail)?.toISOString() ?? null,
    publicityEndsAt: isInPublicity(detail, now) ? (publicityEndsAt(detail)?.toISOString() ?? null) : null,
    history: history.map((h) => ({ ...h, at: h.at.toISOString() })),
  };
}

const INTENTS = ["save", "submit", "withdraw", "reopen", "reconfirm"] as const;

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const id = resultId(params.id);
  const form = await request.formData();
  const intent = z.enum(INTENTS).safeParse(form.get("intent"));
  if (!intent.success) throw new Response("Bad request", { status: 400 });
  const db = await getDb();

  if (intent.data === "save" || intent.data === "submit") {
    const parsed = parseResultForm(form);
    if (!parsed.result.ok) return data({ fieldErrors: parsed.fieldErrors, values: parsed.values, formError: null }, { status: 400 });
    try {
      await updateResult(db, user, id, parsed.result.value, { submit: intent.data === "submit" });
    } catch (error) {
      const formError = refusal(error);
      return data({ fieldErrors: {}, values: parsed.values, formError }, { status: 409 });
    }
    return redirect(`/institution/results/${id}/edit?done=${intent.data === "submit" ? "submitted" : "saved"}`);
  }

  try {
    if (intent.data === "reconfirm") await reconfirmResult(db, user, id);
    else await transition(db, user, id, intent.data);
  } catch (error) {
    const formError = refusal(error);
    return data({ fieldErrors: {}, values: null, formError }, { status: 409 });
  }
  const done = { withdraw: "withdrawn", reopen: "reopened", reconfirm: "reconfirmed" }[intent.data];
  return redirect(`/institution/results/${id}/edit?done=${done}`);
}

export default function EditResult() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const { result } = loaded;
  const done = search.get("done");
  const doneKey = done && hasMessage(`catalogue.done.${done}`) ? `catalogue.done.${done}` : null;
  const busy = navigation.state !== "idle";

  const lifecycleButtons = (
    <>
      {loaded.reconfirmable ? (
        <button type="submit" name="intent" value="reconfirm" className="button" disabled={busy}>
          {t("catalogue.action.reconfirm")}
        </button>
      ) : null}
      {loaded.actions.map((a) => (
        <button
          key={a}
          type="submit"
          name="intent"
          value={a}
          className="button button--ghost"
          disabled={busy}
          onClick={a === "withdraw" ? (e) => window.confirm(t("catalogue.action.withdraw.confirm")) || e.preventDefault() : undefined}
        >
          {t(`catalogue.action.${a}`)}
        </button>
      ))}
    </>
  );

  return (
    <div className={loaded.editable ? "form-card form-card--wide" : undefined}>
      <p>
        <Link to="/institution/results">← {t("catalogue.mine.title")}</Link>
      </p>
      {doneKey ? (
        <p className="flash" role="status">
          {t(doneKey)}
        </p>
      ) : null}
      {actionData?.formError && !loaded.editable ? (
        <p className="form-error" role="alert">
          {messageText(t, actionData.formError)}
        </p>
      ) : null}
      {result.status === "rejected" && result.rejection_reason ? (
        <p className="notice" role="status">
          {t("catalogue.edit.rejected", { reason: result.rejection_reason })}
        </p>
      ) : null}
      {loaded.stale ? <p className="notice">{t("catalogue.mine.stale")}</p> : null}
      {loaded.dueSoon && loaded.staleAt ? <p className="notice">{t("catalogue.mine.dueSoon", { date: formatDate(loaded.staleAt, locale) })}</p> : null}
      {loaded.publicityEndsAt ? <p className="notice">{t("catalogue.mine.publicityUntil", { date: formatDate(loaded.publicityEndsAt, locale) })}</p> : null}

      {loaded.editable ? (
        <>
          <h1>{t("catalogue.edit.title")}</h1>
          <ResultForm
            values={actionData?.values ?? loaded.values}
            fieldErrors={actionData?.fieldErrors ?? {}}
            formError={actionData?.formError}
            focusKey={actionData}
            busy={busy}
            priceRefs={loaded.priceRefs}
          />
          {loaded.actions.length > 0 ? (
            <Form method="post" className="form-actions">
              {lifecycleButtons}
            </Form>
          ) : null}
        </>
      ) : (
        <div className="two-col">
          <ResultPreview result={result} />
          <aside className="side-card">
            <p>{t("catalogue.edit.readonly", { status: t(`catalogue.status.${result.status}`) })}</p>
            {result.listed_at ? (
              <dl className="side-dates">
                <dt>{t("result.listedAt")}</dt>
                <dd>{formatDate(result.listed_at, locale)}</dd>
                <dt>{t("catalogue.mine.col.confirmed")}</dt>
                <dd>{formatDate(result.confirmed_at ?? result.listed_at, locale)}</dd>
              </dl>
            ) : null}
            {loaded.reconfirmable || loaded.actions.length > 0 ? (
              <Form method="post" className="form-actions">
                {lifecycleButtons}
              </Form>
            ) : null}
            <History history={loaded.history} />
          </aside>
        </div>
      )}
      {loaded.editable ? <History history={loaded.history} /> : null}
    </div>
  );
}

function History({ history }: { history: { id: number; action: string; actor: string | null; at: string; reason: string | null }[] }) {
  const t = useT();
  const locale = useLocale();
  if (history.length === 0) return null;
  return (
    <section>
      <h2 className="form-section">{t("catalogue.edit.history")}</h2>
      <ol className="history">
        {history.map((h) => (
          <li key={h.id}>
            <time dateTime={h.at}>{formatDateTime(h.at, locale)}</time>
            {t(`catalogue.history.${h.action}`)} · {h.actor ?? t("catalogue.history.system")}
            {h.reason ? <div>{h.reason}</div> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
