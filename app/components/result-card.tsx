import { Link } from "@remix-run/react";
import { formatFen } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import type { FieldCode, TransferMode } from "../../db/schema";

/** What a card shows; the home page and any list of public results fill it. */
export interface ResultCardData {
  id: number;
  title: string;
  title_en: string | null;
  summary: string;
  field: FieldCode;
  trl: number;
  voucher_eligible: boolean;
  institution: string;
  modes: { mode: TransferMode; price_fen: number | null }[];
}

/** The lowest fixed price among the modes, or null when every mode is negotiable. */
function lowestPrice(modes: ResultCardData["modes"]): number | null {
  const prices = modes.map((m) => m.price_fen).filter((p): p is number => p !== null);
  return prices.length ? Math.min(...prices) : null;
}

export function ResultCard({ result }: { result: ResultCardData }) {
  const t = useT();
  const locale = useLocale();
  const price = lowestPrice(result.modes);
  const title = locale === "en" && result.title_en ? result.title_en : result.title;
  return (
    <article className="result-card">
      <div className="result-card__tags">
        <span className={`tag tag--field tag--${result.field}`}>{t(`field.${result.field}`)}</span>
        <span className="tag" title={t(`trl.${result.trl}`)}>
          TRL {result.trl} · {t(`trl.${result.trl}`)}
        </span>
        {result.voucher_eligible && <span className="tag tag--voucher">{t("result.voucherEligible")}</span>}
      </div>
      <h3 className="result-card__title">
        <Link to={`/results/${result.id}`}>{title}</Link>
      </h3>
      <p className="result-card__summary">{result.summary}</p>
      <footer className="result-card__footer">
        <span className="result-card__institution">{result.institution}</span>
        <span className="result-card__price">
          {price === null ? t("result.negotiable") : `${formatFen(price, locale)} ${locale === "en" ? "from" : "起"}`}
        </span>
      </footer>
      <p className="result-card__modes">{result.modes.map((m) => t(`mode.${m.mode}`)).join(" · ")}</p>
    </article>
  );
}
