import type { FieldCode, IpType, ResultStatus, TransferMode } from "../../../db/schema";
import { formatFen } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { formatDateTime } from "./format";
import { StatusBadge } from "./status-badge";
import { ScrollArea } from "../scroll-area";
import "./catalogue.css";

/** What the preview shows: a result as its owner and the bureau see it, the description already rendered to safe HTML. */
export interface PreviewData {
  title: string;
  title_en: string | null;
  summary: string;
  descriptionHtml: string;
  field: FieldCode;
  trl: number;
  keywords: string[];
  ip: { type: IpType; number: string | null; status: string }[];
  modes: { mode: TransferMode; price_fen: number | null }[];
  inventors: string[];
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  region: string | null;
  state_funded: boolean;
  voucher_eligible: boolean;
  institution: string;
  status: ResultStatus;
  submitted_at: string | null;
}

export function PriceList({ modes }: { modes: PreviewData["modes"] }) {
  const t = useT();
  const locale = useLocale();
  if (modes.length === 0) return <span>{t("catalogue.noModes")}</span>;
  return (
    <ul className="price-list">
      {modes.map((m) => (
        <li key={m.mode}>
          <span>{t(`mode.${m.mode}`)}</span>
          <span className="price">{m.price_fen === null ? t("catalogue.negotiable") : formatFen(m.price_fen, locale)}</span>
        </li>
      ))}
    </ul>
  );
}

export function ResultPreview({ result }: { result: PreviewData }) {
  const t = useT();
  const locale = useLocale();
  const negotiable = result.modes.some((m) => m.price_fen === null);
  const contact = [result.contact_name, result.contact_phone, result.contact_email].filter(Boolean).join(" · ");
  return (
    <article className="preview">
      <div className="result-card__tags">
        <StatusBadge status={result.status} />{" "}
        <span className={`tag tag--field tag--${result.field}`}>{t(`field.${result.field}`)}</span>
        <span className="tag">
          TRL {result.trl} · {t(`trl.${result.trl}`)}
        </span>
        {result.voucher_eligible ? <span className="tag tag--voucher">{t("catalogue.preview.voucher")}</span> : null}
      </div>
      <h1>{result.title}</h1>
      {result.title_en ? (
        <p className="preview__en" lang="en">
          {result.title_en}
        </p>
      ) : null}
      <p className="preview__summary">{result.summary}</p>

      <dl>
        <dt>{t("catalogue.preview.institution")}</dt>
        <dd>{result.institution}</dd>
        {result.submitted_at ? (
          <>
            <dt>{t("catalogue.review.col.submitted")}</dt>
            <dd>{formatDateTime(result.submitted_at, locale)}</dd>
          </>
        ) : null}
        <dt>{t("catalogue.preview.inventors")}</dt>
        <dd>{result.inventors.length ? result.inventors.join("、") : "—"}</dd>
        <dt>{t("catalogue.preview.contact")}</dt>
        <dd>{contact || "—"}</dd>
        <dt>{t("catalogue.preview.region")}</dt>
        <dd>{result.region ? t(`region.${result.region}`) : "—"}</dd>
        <dt>{t("catalogue.preview.keywords")}</dt>
        <dd>{result.keywords.length ? result.keywords.join("、") : "—"}</dd>
        <dt>{t("catalogue.preview.stateFunded")}</dt>
        <dd>
          {result.state_funded ? t("catalogue.preview.yes") : t("catalogue.preview.no")}
          {result.state_funded && negotiable ? t("text.aside", { text: t("catalogue.preview.publicity") }) : null}
        </dd>
      </dl>

      <h2 className="form-section">{t("catalogue.section.modes")}</h2>
      <PriceList modes={result.modes} />

      <h2 className="form-section">{t("catalogue.section.ip")}</h2>
      {result.ip.length === 0 ? (
        <p className="field__hint">{t("catalogue.preview.noIp")}</p>
      ) : (
        <ScrollArea>
          <table className="data">
            <thead>
              <tr>
                <th>{t("catalogue.field.ipType")}</th>
                <th>{t("catalogue.field.ipNumber")}</th>
                <th>{t("catalogue.field.ipStatus")}</th>
              </tr>
            </thead>
            <tbody>
              {result.ip.map((item, i) => (
                <tr key={i}>
                  <td>{t(`catalogue.ipType.${item.type}`)}</td>
                  <td className="mono">{item.number ?? "—"}</td>
                  <td>{t(`catalogue.ipStatus.${item.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}

      <h2 className="form-section">{t("catalogue.field.description")}</h2>
      {result.descriptionHtml ? (
        // Rendered on the server by services/catalogue/markdown.ts: HTML in the source is escaped, links are restricted.
        <div className="markdown" dangerouslySetInnerHTML={{ __html: result.descriptionHtml }} />
      ) : (
        <p className="field__hint">{t("catalogue.preview.noDescription")}</p>
      )}
    </article>
  );
}
