import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ResultCard } from "~/components/result-card";
import { getDb } from "~/db.server";
import { useLocale, useT } from "~/i18n/context";
import { countListedResults, newestListedResults } from "~/services/catalogue/newest";

export async function loader(_: LoaderFunctionArgs) {
  const db = await getDb();
  const [newest, listed] = await Promise.all([newestListedResults(db, 12), countListedResults(db)]);
  return { newest, listed };
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
