import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { FIELD_CODES } from "../../db/schema";
import { FacetPanel } from "~/components/storefront/facet-panel";
import { FilterChips, chipsOf } from "~/components/storefront/filter-chips";
import { Pagination } from "~/components/storefront/pagination";
import { canonicalQuery, formQuery, normalizeQuery, resultsHref } from "~/components/storefront/query";
import { SearchHit } from "~/components/storefront/search-hit";
import { getDb } from "~/db.server";
import { DEFAULT_LOCALE, translator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import {
  DEFAULT_PER_PAGE,
  MAX_PAGE,
  MAX_QUERY_LENGTH,
  SORTS,
  defaultSearchParams,
  parseResultSearchQuery,
  searchResults,
  type ResultSearchParams,
  type SearchFacets,
} from "~/services/catalogue/search";
import { getSearchEngine } from "~/services/catalogue/search-engine.server";
import type { FacetAttribute } from "../../search/types";
import storefrontCss from "~/styles/storefront.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: storefrontCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const t = translator(DEFAULT_LOCALE);
  const q = data?.q;
  return [{ title: q ? `${t("storefront.search.titleFor", { q })} · ${t("app.name")}` : `${t("nav.results")} · ${t("app.name")}` }];
};

/**
 * The page never refuses a URL: an HTML form's encoding is normalised first, then each parameter the search service
 * still refuses is dropped (an over-long q is cut) and named in a notice, and the rest of the query is honoured.
 */
function parseForPage(search: URLSearchParams): { params: ResultSearchParams; ignored: string[] } {
  const query = normalizeQuery(search);
  const ignored: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const parsed = parseResultSearchQuery(query);
    if (parsed.ok) return { params: parsed.params, ignored };
    if (!ignored.includes(parsed.parameter)) ignored.push(parsed.parameter);
    const q = query.get("q");
    if (parsed.parameter === "q" && q !== null && q.length > MAX_QUERY_LENGTH && query.getAll("q").length === 1) {
      query.set("q", q.slice(0, MAX_QUERY_LENGTH));
    } else if (query.has(parsed.parameter)) {
      query.delete(parsed.parameter);
    } else break;
  }
  return { params: defaultSearchParams(), ignored };
}

/** For each facet, the parameters that filter on it: its counts are taken with those cleared (disjunctive facets). */
const FACET_FILTERS: { facet: FacetAttribute; active: (p: ResultSearchParams) => boolean; clear: Partial<ResultSearchParams> }[] = [
  { facet: "field", active: (p) => p.field.length > 0, clear: { field: [] } },
  { facet: "trl_band", active: (p) => p.trl_min !== null || p.trl_max !== null, clear: { trl_min: null, trl_max: null } },
  { facet: "modes", active: (p) => p.mode !== null, clear: { mode: null } },
  { facet: "ip_types", active: (p) => p.ip_type.length > 0, clear: { ip_type: [] } },
  { facet: "institution", active: (p) => p.institution !== null, clear: { institution: null } },
  { facet: "region", active: (p) => p.region !== null, clear: { region: null } },
  { facet: "price_bands", active: (p) => p.price_min !== null || p.price_max !== null, clear: { price_min: null, price_max: null } },
  { facet: "voucher_eligible", active: (p) => p.voucher, clear: { voucher: false } },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const { params, ignored } = parseForPage(new URL(request.url).searchParams);
  const [db, engine] = await Promise.all([getDb(), getSearchEngine()]);
  const page = await searchResults(db, engine, params);

  let facets: SearchFacets | null = null;
  if (!page.degraded) {
    facets = { ...page.facets };
    // A ticked facet would otherwise list only itself: count each active group as if it were not applied.
    const active = FACET_FILTERS.filter((f) => f.active(params));
    const others = await Promise.all(
      active.map((f) => searchResults(db, engine, { ...params, ...f.clear, page: 1, per_page: 1, sort: "newest" })),
    );
    active.forEach((f, i) => {
      if (!others[i].degraded) facets![f.facet] = others[i].facets[f.facet];
    });
  }
  const institutionName =
    typeof params.institution === "number" ? page.hits.find((h) => h.institution_id === params.institution)?.institution ?? null : null;

  return {
    query: canonicalQuery(params, DEFAULT_PER_PAGE),
    q: params.q,
    sort: params.sort,
    hits: page.hits,
    total: page.total,
    page: page.page,
    pages: Math.min(MAX_PAGE, Math.ceil(page.total / page.per_page)),
    took_ms: page.took_ms,
    degraded: page.degraded,
    facets,
    ignored,
    institutionName,
    // Sent rather than imported: the search service is server code and must stay out of the browser bundle.
    sorts: SORTS,
    maxQueryLength: MAX_QUERY_LENGTH,
  };
}

const WIDE = "(min-width: 900px)";

export default function ResultsSearchPage() {
  const data = useLoaderData<typeof loader>();
  const { query, q, hits, total, page, pages, degraded, facets, ignored, institutionName, sorts, maxQueryLength } = data;
  const t = useT();
  const locale = useLocale();
  const submit = useSubmit();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  const qRef = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [hydrated, setHydrated] = useState(false);
  const [facetsOpen, setFacetsOpen] = useState(false);
  // The query just submitted, shown by the controls until the navigation settles (so a ticked box stays ticked).
  const [asked, setAsked] = useState<string | null>(null);

  // While the next results load, the controls already show what was asked for.
  const pending = navigation.state === "loading" && navigation.location.pathname === "/results";
  const view =
    asked !== null
      ? new URLSearchParams(asked)
      : pending
        ? normalizeQuery(new URLSearchParams(navigation.location.search))
        : new URLSearchParams(query);

  useEffect(() => {
    if (navigation.state === "idle") setAsked(null);
  }, [navigation.state, query]);

  useEffect(() => {
    setHydrated(true);
    // The filter drawer starts closed (phones); on a wide screen it is a sidebar, so open it.
    if (window.matchMedia(WIDE).matches) setFacetsOpen(true);
    return () => clearTimeout(timer.current);
  }, []);

  // Back/forward: the box shows the query of the page being shown, unless the user is typing in it.
  useEffect(() => {
    if (qRef.current && document.activeElement !== qRef.current) qRef.current.value = q;
  }, [q]);

  const go = useCallback(
    (replace: boolean) => {
      clearTimeout(timer.current);
      const form = formRef.current;
      if (!form) return;
      const next = formQuery(form);
      setAsked(next.toString());
      submit(next, { method: "get", action: "/results", replace, preventScrollReset: true });
    },
    [submit],
  );

  const onType = () => {
    clearTimeout(timer.current);
    // One history entry per search, not per keystroke: refining a search replaces it.
    const refining = q !== "";
    timer.current = setTimeout(() => go(refining), 300);
  };
  const onFilter = (_event: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => go(false);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    go(false);
  };

  const activeFilters = chipsOf(query, t, (y) => y, institutionName).filter((c) => c.key !== "q").length;
  const perPage = view.get("per_page");

  return (
    <div className="sf-search">
      <Form method="get" action="/results" ref={formRef} onSubmit={onSubmit} className="sf-search__form" role="search">
        <div className="sf-search__bar">
          <h1 className="sf-search__title">{t("nav.results")}</h1>
          <div className="sf-search__box">
            <label htmlFor="sf-q" className="sr-only">
              {t("storefront.search.label")}
            </label>
            <input
              ref={qRef}
              id="sf-q"
              type="search"
              name="q"
              defaultValue={q}
              placeholder={t("storefront.search.placeholder")}
              maxLength={maxQueryLength}
              autoComplete="off"
              enterKeyHint="search"
              onChange={onType}
            />
            <button type="submit" className="button">
              {t("storefront.search.submit")}
            </button>
          </div>
          <p className="sf-search__hint">{t("storefront.search.hint")}</p>
        </div>

        <details className="facets" open={facetsOpen} onToggle={(e) => setFacetsOpen(e.currentTarget.open)}>
          <summary className="facets__summary">
            <span>{t("storefront.facet.title")}</span>
            {activeFilters > 0 ? <span className="facets__badge">{activeFilters}</span> : null}
          </summary>
          <FacetPanel view={view} facets={facets} onChange={onFilter} institutionName={institutionName} />
          {perPage ? <input type="hidden" name="per_page" value={perPage} /> : null}
          {hydrated ? null : (
            <button type="submit" className="button facets__apply">
              {t("storefront.facet.apply")}
            </button>
          )}
        </details>

        <section className={`sf-results${pending ? " is-pending" : ""}`} aria-labelledby="sf-count" aria-busy={pending}>
          <div className="sf-results__toolbar">
            <p id="sf-count" className="sf-results__count" aria-live="polite">
              {q ? t("storefront.search.countFor", { q, count: total.toLocaleString(locale) }) : t("storefront.search.count", { count: total.toLocaleString(locale) })}
              {degraded ? null : <span className="sf-results__took">{t("storefront.search.took", { ms: Math.max(1, Math.round(data.took_ms)) })}</span>}
            </p>
            <label className="sf-sort">
              <span>{t("storefront.sort.label")}</span>
              <select name="sort" value={view.get("sort") ?? "relevance"} onChange={onFilter}>
                {sorts.map((s) => (
                  <option key={s} value={s}>
                    {t(`storefront.sort.${s}`)}
                  </option>
                ))}
              </select>
            </label>
          </div>

          {degraded ? (
            <p className="notice sf-notice" role="status">
              {t("storefront.search.degraded")}
            </p>
          ) : null}
          {ignored.length > 0 ? (
            <p className="notice sf-notice" role="status">
              {t("storefront.search.ignored", { params: ignored.join("、") })}
            </p>
          ) : null}

          <FilterChips query={query} institutionName={institutionName} />

          {hits.length > 0 ? (
            <ol className="sf-hits">
              {hits.map((hit) => (
                <li key={hit.id}>
                  <SearchHit hit={hit} />
                </li>
              ))}
            </ol>
          ) : total > 0 ? (
            <div className="sf-empty">
              <p>{t("storefront.empty.pastEnd")}</p>
              <Link to={resultsHref(query, { page: String(pages) })} className="button">
                {t("storefront.empty.lastPage", { page: pages })}
              </Link>
            </div>
          ) : (
            <EmptyState q={q} filtered={activeFilters > 0} />
          )}

          <Pagination query={query} page={page} pages={pages} />
        </section>
      </Form>
    </div>
  );
}

function EmptyState({ q, filtered }: { q: string; filtered: boolean }) {
  const t = useT();
  return (
    <div className="sf-empty">
      <h2>{q ? t("storefront.empty.titleFor", { q }) : t("storefront.empty.title")}</h2>
      <ul className="sf-empty__tips">
        {q ? <li>{t("storefront.empty.tipWords")}</li> : null}
        {q ? <li>{t("storefront.empty.tipPatent")}</li> : null}
        {filtered ? <li>{t("storefront.empty.tipFilters")}</li> : null}
      </ul>
      <p className="sf-empty__browse">{t("storefront.empty.browseField")}</p>
      <ul className="sf-empty__fields">
        {FIELD_CODES.map((f) => (
          <li key={f}>
            <Link to={`/results?field=${f}`} className="chip chip--plain">
              {t(`field.${f}`)}
            </Link>
          </li>
        ))}
      </ul>
      <Link to="/results" className="button button--ghost">
        {t("storefront.empty.all")}
      </Link>
    </div>
  );
}
