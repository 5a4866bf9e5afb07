import { Link } from "@remix-run/react";
import { useT } from "~/i18n/context";
import { resultsHref } from "./query";

/** Page numbers to show: the first, the last, and two either side of the current page, with gaps as null. */
export function pageWindow(page: number, pages: number): (number | null)[] {
  const wanted = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 1 && p <= pages));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (typeof last === "number" && p - last > 1) out.push(null);
    out.push(p);
  }
  return out;
}

/** Plain links (they work without JavaScript and keep every filter of the current query). */
export function Pagination({ query, page, pages }: { query: string; page: number; pages: number }) {
  const t = useT();
  if (pages <= 1) return null;
  const href = (p: number) => resultsHref(query, { page: p === 1 ? null : String(p) });
  return (
    <nav className="pagination" aria-label={t("storefront.pagination.label")}>
      {page > 1 ? (
        <Link to={href(page - 1)} rel="prev" className="pagination__step">
          ‹ {t("storefront.pagination.prev")}
        </Link>
      ) : (
        <span className="pagination__step is-disabled" aria-hidden="true" aria-disabled="true">
          ‹ {t("storefront.pagination.prev")}
        </span>
      )}
      <ol className="pagination__pages">
        {pageWindow(page, pages).map((p, i) =>
          p === null ? (
            <li key={`gap-${i}`} className="pagination__gap" aria-hidden="true">
              …
            </li>
          ) : (
            <li key={p}>
              {p === page ? (
                <span className="pagination__page is-current" aria-current="page">
                  {p}
                </span>
              ) : (
                <Link to={href(p)} className="pagination__page" aria-label={t("storefront.pagination.page", { page: p })}>
                  {p}
                </Link>
              )}
            </li>
          ),
        )}
      </ol>
      {page < pages ? (
        <Link to={href(page + 1)} rel="next" className="pagination__step">
          {t("storefront.pagination.next")} ›
        </Link>
      ) : (
        <span className="pagination__step is-disabled" aria-hidden="true" aria-disabled="true">
          {t("storefront.pagination.next")} ›
        </span>
      )}
    </nav>
  );
}
