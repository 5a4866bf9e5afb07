import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { formatDateTime, messageText } from "~/components/catalogue/format";
import { ResultPreview } from "~/components/catalogue/result-preview";
import "~/components/catalogue/catalogue.css";
import { ErrorSummary, TextAreaField } from "~/components/form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { CatalogueError, getResultDetail, httpStatusOf, resultHistory } from "~/services/catalogue/lifecycle";
import { LIMITS } from "~/services/catalogue/listing-input";
import { approveResult, parseDecision, previewOf, rejectResult } from "~/services/catalogue/review";
import { requireUser } from "~/session.server";

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${loaded?.result.title ?? t("catalogue.review.title")} · ${t("catalogue.review.title")} · ${t("app.name")}` }];
};

function resultId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Response("Not found", { status: 404 });
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  const id = resultId(params.id);
  const db = await getDb();
  const detail = await getResultDetail(db, id);
  if (!detail) throw new Response("Not found", { status: 404 });
  const history = await resultHistory(db, id);
  return { result: previewOf(detail), history: history.map((h) => ({ ...h, at: h.at.toISOString() })) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const id = resultId(params.id);
  const form = await request.formData();
  const reason = typeof form.get("reason") === "string" ? String(form.get("reason")) : "";
  const decision = parseDecision(form);
  const refuse = (error: CatalogueError) => {
    if (error.kind === "forbidden" || error.kind === "not_found") throw new Response(error.kind, { status: httpStatusOf(error) });
    return data({ error: { key: error.key, params: error.params }, field: error.field ?? null, reason }, { status: httpStatusOf(error) });
  };
  if (!decision.ok) return refuse(decision.error);
  try {
    if (decision.decision === "approve") await approveResult(await getDb(), user, id);
    else await rejectResult(await getDb(), user, id, decision.reason);
  } catch (error) {
    if (error instanceof CatalogueError) return refuse(error);
    throw error;
  }
  return redirect(`/bureau/review?done=${decision.decision === "approve" ? "approved" : "rejected"}`);
}

export default function ReviewResult() {
  const { result, history } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state !== "idle";
  const pending = result.status === "pending_review";
  const reasonError = actionData?.field === "reason" ? messageText(t, actionData.error) : null;
  const formError = actionData && actionData.field !== "reason" ? messageText(t, actionData.error) : null;

  return (
    <>
      <p>
        <Link to="/bureau/review">← {t("catalogue.review.back")}</Link>
      </p>
      <div className="two-col">
        <ResultPreview result={result} />
        <aside className="side-card">
          <h2>{t("catalogue.review.decision")}</h2>
          {pending ? (
            <>
              <ErrorSummary
                focusKey={actionData}
                formError={formError}
                items={reasonError ? [{ name: "reason", label: t("catalogue.field.reason"), message: reasonError }] : []}
              />
              <p className="field__hint">{t("catalogue.review.checklist")}</p>
              <Form method="post" className="decision-form">
                <input type="hidden" name="decision" value="approve" />
                <button type="submit" className="button" disabled={busy}>
                  {t("catalogue.action.approve")}
                </button>
              </Form>
              <Form method="post" noValidate className="decision-form">
                <input type="hidden" name="decision" value="reject" />
                <TextAreaField
                  name="reason"
                  label={t("catalogue.field.reason")}
                  hint={t("catalogue.field.reason.hint")}
                  required
                  rows={4}
                  maxLength={LIMITS.reason}
                  defaultValue={actionData?.reason ?? ""}
                  error={reasonError}
                />
                <button type="submit" className="button button--ghost" disabled={busy}>
                  {t("catalogue.action.reject")}
                </button>
              </Form>
            </>
          ) : (
            <p className="notice">{t("catalogue.review.notPending", { status: t(`catalogue.status.${result.status}`) })}</p>
          )}
          {history.length > 0 ? (
            <>
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
            </>
          ) : null}
        </aside>
      </div>
    </>
  );
}
