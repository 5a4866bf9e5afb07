import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { RESULT_STATUSES, type ResultStatus } from "../../db/schema";
import { PageHead } from "~/components/page-head";
import { formatDate, messageText } from "~/components/catalogue/format";
import { PriceList } from "~/components/catalogue/result-preview";
import { StatusBadge } from "~/components/catalogue/status-badge";
import "~/components/catalogue/catalogue.css";
import { getDb } from "~/db.server";
import { hasMessage, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import {
  CatalogueError,
  EDITABLE_STATUSES,
  OWN_RESULTS_PAGE_SIZE,
  actionsFrom,
  httpStatusOf,
  isInPublicity,
  isStale,
  listInstitutionResults,
  publicityEndsAt,
  reconfirmDueSoon,
  reconfirmResult,
  staleAt,
  transition,
} from "~/services/catalogue/lifecycle";
import { requireUser } from "~/session.server";
import { StatusTabs } from "~/components/status-tabs";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("catalogue.mine.title")} · ${t("app.name")}` }];
};

const FILTERS = [...RESULT_STATUSES, "stale"] as const;
type Filter = (typeof FILTERS)[number];
const querySchema = z.object({
  status: z.enum(FILTERS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const url = new URL(request.url);
  const query = querySchema.parse(Object.fromEntries(url.searchParams));
  const now = new Date();
  const list = await listInstitutionResults(await getDb(), user.organisationId, { status: query.status ?? null, page: query.page, now });
  return {
    filter: query.status ?? null,
    page: query.page ?? 1,
    pages: Math.max(1, Math.ceil(list.total / OWN_RESULTS_PAGE_SIZE)),
    total: list.total,
    counts: list.counts,
    rows: list.rows.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      field: r.field,
      trl: r.trl,
      modes: r.modes,
      rejection_reason: r.rejection_reason,
      confirmed_at: (r.confirmed_at ?? r.listed_at)?.toISOString() ?? null,
      stale: isStale(r, now),
      dueSoon: reconfirmDueSoon(r, now),
      staleAt: staleAt(r)?.toISOString() ?? null,
      publicityEndsAt: isInPublicity(r, now) ? (publicityEndsAt(r)?.toISOString() ?? null) : null,
      editable: EDITABLE_STATUSES.includes(r.status),
      actions: actionsFrom(r.status).filter((a) => a === "submit" || a === "withdraw" || a === "reopen"),
      reconfirmable: r.status === "listed" || r.status === "reserved",
    })),
  };
}

const INTENTS = ["reconfirm", "submit", "withdraw", "reopen"] as const;
const DONE: Record<(typeof INTENTS)[number], string> = { reconfirm: "reconfirmed", submit: "submitted", withdraw: "withdrawn", reopen: "reopened" };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const form = await request.formData();
  const intent = z.enum(INTENTS).safeParse(form.get("intent"));
  const id = Number(form.get("id"));
  if (!intent.success || !Number.isSafeInteger(id) || id <= 0) throw new Response("Bad request", { status: 400 });
  const db = await getDb();
  try {
    if (intent.data === "reconfirm") await reconfirmResult(db, user, id);
    else await transition(db, user, id, intent.data);
  } catch (error) {
    if (!(error instanceof CatalogueError)) throw error;
    if (error.kind === "forbidden" || error.kind === "not_found") throw new Response(error.kind, { status: httpStatusOf(error) });
    return data({ formError: { key: error.key, params: error.params }, id }, { status: httpStatusOf(error) });
  }
  // Back to the same filter and page, with a note of what happened.
  const back = new URL(request.url);
  back.searchParams.delete("index");
  back.searchParams.set("done", DONE[intent.data]);
  return redirect(`${back.pathname}?${back.searchParams}`);
}

function ResultStatusTabs({ counts, filter }: { counts: Record<Filter, number>; filter: Filter | null }) {
  const t = useT();
  const total = RESULT_STATUSES.reduce((n, s) => n + counts[s], 0);
  const tabs: { key: Filter | null; count: number }[] = [
    { key: null, count: total },
    ...FILTERS.filter((f) => counts[f] > 0 || f === filter).map((f) => ({ key: f, count: counts[f] })),
  ];
  return (
    <nav aria-label={t("catalogue.mine.filter")}>
      <StatusTabs current={filter} tabs={tabs.map((tab) => ({ key: tab.key, label: t(`catalogue.status.${tab.key ?? "all"}`), count: tab.count }))} />
    </nav>
  );
}

export default function MyResults() {
  const { rows, counts, filter, page, pages, total } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const done = search.get("done");
  const doneKey = done && hasMessage(`catalogue.done.${done}`) ? `catalogue.done.${done}` : null;
  const busy = navigation.state !== "idle";
  const pageLink = (p: number) => {
    const next = new URLSearchParams(search);
    next.delete("done");
    next.set("page", String(p));
    return `?${next}`;
  };

  return (
    <>
      <PageHead
        title={t("catalogue.mine.title")}
        intro={t("catalogue.mine.intro")}
        actions={
          <>
            <Link to="/institution/results/new" className="button">
              {t("catalogue.mine.new")}
            </Link>
            <Link to="/institution/results/import" className="button button--ghost">
              {t("catalogue.mine.import")}
            </Link>
          </>
        }
      />

      {doneKey ? (
        <p className="flash" role="status">
          {t(doneKey)}
        </p>
      ) : null}
      {actionData?.formError ? (
        <p className="form-error" role="alert">
          {messageText(t, actionData.formError)}
        </p>
      ) : null}
      {counts.stale > 0 && filter !== "stale" ? (
        <p className="notice" role="status">
          {t("catalogue.mine.staleNotice", { count: counts.stale })} <Link to="?status=stale">{t("catalogue.status.stale")} →</Link>
        </p>
      ) : null}

      <ResultStatusTabs counts={counts} filter={filter} />

      {rows.length === 0 ? (
        <p className="empty">{filter ? t("catalogue.mine.emptyFilter") : t("catalogue.mine.empty")}</p>
      ) : (
        <ul className="result-rows">
          {rows.map((r) => (
            <li key={r.id} className="result-row">
              <div>
                <h2 className="result-row__title">
                  <Link to={`/institution/results/${r.id}/edit`}>{r.title}</Link>
                </h2>
                <p className="result-row__meta">
                  {t(`field.${r.field}`)} · TRL {r.trl} {t(`trl.${r.trl}`)} · #{r.id}
                </p>
                {r.status === "rejected" && r.rejection_reason ? (
                  <p className="result-row__note result-row__note--danger">{t("catalogue.mine.rejectedBecause", { reason: r.rejection_reason })}</p>
                ) : null}
              </div>
              <div>
                <span className="result-row__label">{t("catalogue.mine.col.status")}</span>
                <StatusBadge status={r.status as ResultStatus} /> {r.stale ? <StatusBadge status="stale" /> : null}
                {r.publicityEndsAt ? (
                  <p className="result-row__note result-row__note--warn">{t("catalogue.mine.publicityUntil", { date: formatDate(r.publicityEndsAt, locale) })}</p>
                ) : null}
                <span className="result-row__label">{t("catalogue.mine.col.price")}</span>
                <PriceList modes={r.modes} />
              </div>
              <div>
                <span className="result-row__label">{t("catalogue.mine.col.confirmed")}</span>
                <span title={t("catalogue.mine.col.confirmed")}>{r.confirmed_at ? formatDate(r.confirmed_at, locale) : t("catalogue.mine.never")}</span>
                {r.stale ? <p className="result-row__note result-row__note--danger">{t("catalogue.mine.stale")}</p> : null}
                {r.dueSoon && r.staleAt ? (
                  <p className="result-row__note result-row__note--warn">{t("catalogue.mine.dueSoon", { date: formatDate(r.staleAt, locale) })}</p>
                ) : null}
              </div>
              <div className="result-row__actions">
                {r.reconfirmable ? (
                  <Form method="post">
                    <input type="hidden" name="id" value={r.id} />
                    <button type="submit" name="intent" value="reconfirm" className={r.stale || r.dueSoon ? "button" : "button button--ghost"} disabled={busy}>
                      {t("catalogue.action.reconfirm")}
                    </button>
                  </Form>
                ) : null}
                <Link to={`/institution/results/${r.id}/edit`} className="button button--ghost">
                  {r.editable ? t("catalogue.action.edit") : t("catalogue.action.view")}
                </Link>
                {r.actions.map((a) => (
                  <Form key={a} method="post">
                    <input type="hidden" name="id" value={r.id} />
                    <button
                      type="submit"
                      name="intent"
                      value={a}
                      className="button button--ghost"
                      disabled={busy}
                      onClick={a === "withdraw" ? (e) => window.confirm(t("catalogue.action.withdraw.confirm")) || e.preventDefault() : undefined}
                    >
                      {t(`catalogue.action.${a}`)}
                    </button>
                  </Form>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 ? (
        <nav className="pager" aria-label={t("catalogue.mine.page", { page, pages, total })}>
          {page > 1 ? <Link to={pageLink(page - 1)}>← {t("catalogue.mine.prev")}</Link> : null}
          <span>{t("catalogue.mine.page", { page, pages, total })}</span>
          {page < pages ? <Link to={pageLink(page + 1)}>{t("catalogue.mine.next")} →</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
