import { Link } from "@remix-run/react";
import { formatFen, hasMessage } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import type { ResultHit } from "~/services/catalogue/search";
import { formatDate } from "~/components/catalogue/format";
import { Highlighted } from "./highlighted";

/** One search result: what a buyer needs to decide whether to open it, with the matched words marked. */
export function SearchHit({ hit }: { hit: ResultHit }) {
  const t = useT();
  const locale = useLocale();
  const english = locale === "en" && hit.title_en !== null;
  const region = hit.region && hasMessage(`region.${hit.region}`) ? t(`region.${hit.region}`) : hit.region;
  return (
    <article className="hit">
      <div className="hit__tags">
        <span className={`tag tag--field tag--${hit.field}`}>{t(`field.${hit.field}`)}</span>
        <span className="tag" title={t(`trl.${hit.trl}`)}>
          TRL {hit.trl} · {t(`trl.${hit.trl}`)}
        </span>
        {hit.voucher_eligible ? <span className="tag tag--voucher">{t("result.voucherEligible")}</span> : null}
        {hit.in_publicity ? <span className="tag tag--publicity">{t("storefront.publicity.tag")}</span> : null}
      </div>
      <h3 className="hit__title">
        <Link to={`/results/${hit.id}`}>
          <Highlighted segments={english ? hit.highlight.title_en : hit.highlight.title} fallback={english ? hit.title_en ?? "" : hit.title} />
        </Link>
      </h3>
      {hit.title_en ? (
        <p className="hit__alt" lang={english ? "zh-CN" : "en"}>
          <Highlighted segments={english ? hit.highlight.title : hit.highlight.title_en} fallback={english ? hit.title : hit.title_en} />
        </p>
      ) : null}
      <p className="hit__summary">
        <Highlighted segments={hit.highlight.summary} fallback={hit.summary} />
      </p>
      <ul className="hit__modes" aria-label={t("storefront.hit.modes")}>
        {hit.modes.map((m) => (
          <li key={m.mode}>
            <span>{t(`mode.${m.mode}`)}</span>
            <strong>{m.price_fen === null ? t("result.negotiable") : formatFen(m.price_fen, locale)}</strong>
          </li>
        ))}
      </ul>
      <p className="hit__meta">
        <span>{hit.institution}</span>
        {region ? <span>{region}</span> : null}
        <span>{t("storefront.hit.listed", { date: formatDate(hit.listed_at, locale) })}</span>
      </p>
    </article>
  );
}
