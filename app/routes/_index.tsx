import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { ResultCard } from "~/components/result-card";
import { getDb } from "~/db.server";
import { useLocale, useT } from "~/i18n/context";
import { newestPublicResults } from "~/components/storefront/newest-public.server";
import storefrontCss from "~/styles/storefront.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: storefrontCss }];

// The home page shows exactly what the storefront shows (listed and not stale).
export async function loader(_: LoaderFunctionArgs) {
  const { rows, total } = await newestPublicResults(await getDb(), 12);
  const newest = rows.map((r) => ({
    id: r.id,
    title: r.title,
    title_en: r.title_en,
    summary: r.summary,
    field: r.field,
    trl: r.trl,
    voucher_eligible: r.voucher_eligible,
    institution: r.institution,
    modes: r.modes,
  }));
  return { newest, listed: total };
}

export default function Home() {
  const { newest, listed } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <>
      <section className="hero">
        <div className="hero__text">
          <h1>{t("home.hero.title")}</h1>
          <p>{t("home.hero.body")}</p>
          <Form method="get" action="/results" className="hero__search" role="search">
            <label htmlFor="home-q" className="sr-only">
              {t("storefront.search.label")}
            </label>
            <input id="home-q" type="search" name="q" placeholder={t("storefront.search.placeholderShort")} enterKeyHint="search" />
            <button type="submit" className="button">
              {t("storefront.search.submit")}
            </button>
          </Form>
        </div>
        <p className="hero__stat">
          <strong>{listed.toLocaleString(locale)}</strong>
          <span>{t("home.stats.listed")}</span>
        </p>
      </section>
      <section aria-labelledby="newest-heading">
        <div className="section-head">
          <h2 id="newest-heading">{t("home.newest")}</h2>
          <Link to="/results">{t("home.browseAll")} →</Link>
        </div>
        {newest.length === 0 ? (
          <p className="empty">{t("home.empty")}</p>
        ) : (
          <div className="card-grid">
            {newest.map((r) => (
              <ResultCard key={r.id} result={r} />
            ))}
          </div>
        )}
      </section>
    </>
  );
}
