import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { PageHead } from "~/components/page-head";
import { formatDateTime } from "~/components/catalogue/format";
import "~/components/catalogue/catalogue.css";
import { getDb } from "~/db.server";
import { hasMessage, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { QUEUE_PAGE_SIZE, recentDecisions, reviewQueue } from "~/services/catalogue/review";
import { requireUser } from "~/session.server";
import { ScrollArea } from "~/components/scroll-area";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("catalogue.review.title")} · ${t("app.name")}` }];
};

const DAY_MS = 86_400_000;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  const page = z.coerce.number().int().min(1).max(100_000).catch(1).parse(new URL(request.url).searchParams.get("page") ?? 1);
  const db = await getDb();
  const [queue, decisions] = await Promise.all([reviewQueue(db, { page }), recentDecisions(db, 20)]);
  const now = Date.now();
  return {
    page,
    pages: Math.max(1, Math.ceil(queue.total / QUEUE_PAGE_SIZE)),
    total: queue.total,
    items: queue.items.map((i) => ({
      ...i,
      submitted_at: i.submitted_at?.toISOString() ?? null,
      waitingDays: i.submitted_at ? Math.floor((now - i.submitted_at.getTime()) / DAY_MS) : null,
    })),
    decisions: decisions.map((d) => ({ ...d, at: d.at.toISOString() })),
  };
}

export default function ReviewQueue() {
  const { items, decisions, total, page, pages } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const done = search.get("done");
  const doneKey = done && hasMessage(`catalogue.done.${done}`) ? `catalogue.done.${done}` : null;

  return (
    <>
      <PageHead
        title={t("catalogue.review.title")}
        intro={t("catalogue.review.intro")}
        aside={
          <p>
            <strong>{t("catalogue.review.waiting", { count: total })}</strong>
          </p>
        }
      />
      {doneKey ? (
        <p className="flash" role="status">
          {t(doneKey)}
        </p>
      ) : null}

      {items.length === 0 ? (
        <p className="empty">{t("catalogue.review.empty")}</p>
      ) : (
        <ScrollArea>
          <table className="data">
            <thead>
              <tr>
                <th scope="col">{t("catalogue.mine.col.result")}</th>
                <th scope="col">{t("catalogue.review.col.institution")}</th>
                <th scope="col">{t("catalogue.review.col.field")}</th>
                <th scope="col" className="num">
                  TRL
                </th>
                <th scope="col">{t("catalogue.review.col.submitted")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id}>
                  <td>
                    <Link to={`/bureau/review/${i.id}`}>{i.title}</Link>
                    {i.resubmitted ? (
                      <>
                        {" "}
                        <span className="status-badge status-badge--pending_review">{t("catalogue.review.resubmitted")}</span>
                      </>
                    ) : null}
                    {i.state_funded ? (
                      <>
                        {" "}
                        <span className="tag">{t("catalogue.preview.stateFunded")}</span>
                      </>
                    ) : null}
                  </td>
                  <td>{i.institution}</td>
                  <td>{t(`field.${i.field}`)}</td>
                  <td className="num">{i.trl}</td>
                  <td>
                    {formatDateTime(i.submitted_at, locale)}
                    {i.waitingDays !== null && i.waitingDays > 0 ? <small> · {t("catalogue.review.waitingDays", { days: i.waitingDays })}</small> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
      {pages > 1 ? (
        <nav className="pager" aria-label={t("catalogue.mine.page", { page, pages, total })}>
          {page > 1 ? <Link to={`?page=${page - 1}`}>← {t("catalogue.mine.prev")}</Link> : null}
          <span>{t("catalogue.mine.page", { page, pages, total })}</span>
          {page < pages ? <Link to={`?page=${page + 1}`}>{t("catalogue.mine.next")} →</Link> : null}
        </nav>
      ) : null}

      <h2 className="form-section">{t("catalogue.review.recent")}</h2>
      {decisions.length === 0 ? (
        <p className="field__hint">{t("catalogue.review.recentEmpty")}</p>
      ) : (
        <ol className="history">
          {decisions.map((d, i) => (
            <li key={`${d.resultId}-${i}`}>
              <time dateTime={d.at}>{formatDateTime(d.at, locale)}</time>
              <span className={`status-badge status-badge--${d.action === "approve" ? "listed" : "rejected"}`}>
                {t(`catalogue.history.result.${d.action}`)}
              </span>{" "}
              <Link to={`/bureau/review/${d.resultId}`}>{d.title}</Link>
              {d.reviewer ? <> · {d.reviewer}</> : null}
              {d.reason ? <div className="field__hint">{d.reason}</div> : null}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
