import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatDate } from "~/components/catalogue/format";
import { MaturityBar } from "~/components/storefront/maturity-bar";
import { PriceTable, type ModeOffer, type PurchaseBlock } from "~/components/storefront/price-table";
import { getDb } from "~/db.server";
import { DEFAULT_LOCALE, formatFen, hasMessage, translator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { getSessionUser } from "~/session.server";
import { getResultDetail, isInPublicity, isStale, lastConfirmedAt, publicityEndsAt } from "~/services/catalogue/lifecycle";
import { renderMarkdown } from "~/services/catalogue/markdown";
import { CONTRACT_TYPE_BY_MODE } from "~/services/checkout/rules";
import { priceReferences } from "~/services/contracts/price-references";
import { bpsShareFen } from "~/services/ledger/money";
import { chinaDate, listProgrammes } from "~/services/vouchers";
import storefrontCss from "~/styles/storefront.css?url";
import { ScrollArea } from "~/components/scroll-area";
import { PriceReferenceList } from "~/components/price-references";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: storefrontCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const t = translator(DEFAULT_LOCALE);
  if (!data) return [{ title: `${t("error.notFound.title")} · ${t("app.name")}` }];
  return [
    { title: `${data.result.title} · ${t("app.name")}` },
    { name: "description", content: data.result.summary.slice(0, 160) },
    // Previews of unlisted results must never be indexed.
    ...(data.visibility === "preview" ? [{ name: "robots", content: "noindex" }] : []),
  ];
};

function notFound(): Response {
  return new Response("Not Found", { status: 404 });
}

/**
 * One result for a buyer. The public sees it while it is on the market (listed or reserved, and not stale); anything
 * else answers 404 exactly like an unknown id. Its owner institution and the bureau may open it in any status, as a
 * preview with a banner, and nothing can be bought from a preview.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const raw = params.id ?? "";
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw notFound();
  const db = await getDb();
  const [detail, user] = await Promise.all([getResultDetail(db, id), getSessionUser(request)]);
  if (!detail) throw notFound();

  const now = new Date();
  const stale = isStale(detail, now);
  const onMarket = (detail.status === "listed" || detail.status === "reserved") && !stale;
  const viewer =
    user?.role === "bureau" ? "bureau" : user?.role === "institution" && user.organisationId === detail.institution_id ? "owner" : "public";
  if (!onMarket && viewer === "public") throw notFound();

  const publicityEnd = publicityEndsAt(detail);
  const inPublicity = isInPublicity(detail, now);
  const block: PurchaseBlock = !onMarket
    ? { reason: "preview" }
    : detail.status === "reserved"
      ? { reason: "reserved" }
      : user && user.role !== "enterprise"
        ? { reason: "role" }
        : inPublicity && publicityEnd
          ? { reason: "publicity", until: publicityEnd.toISOString() }
          : null;

  // The voucher a buyer could use: the open programme valid today (the newest if several). Its coverage ratio applies
  // to the price, rounded down to the fen as the ledger does, and never beyond what one enterprise may use in a year.
  let voucher: { kind: "not_eligible" } | { kind: "no_programme" } | { kind: "programme"; programme: VoucherProgrammeView } = {
    kind: "not_eligible",
  };
  let offers: ModeOffer[] = detail.modes.map((m) => ({ ...m, voucher_max_fen: null, voucher_covered: false }));
  if (detail.voucher_eligible) {
    const today = chinaDate(now);
    const programme = (await listProgrammes(db)).find((p) => p.status === "open" && p.validFrom <= today && today <= p.validTo);
    if (!programme) voucher = { kind: "no_programme" };
    else {
      voucher = {
        kind: "programme",
        programme: {
          name: programme.name,
          coverage_bps: programme.coverageBps,
          yearly_cap_fen: programme.yearlyCapFen,
          remaining_budget_fen: programme.remainingBudgetFen,
          valid_to: programme.validTo,
        },
      };
      offers = detail.modes.map((m) => {
        const covered = programme.qualifyingModes.includes(m.mode);
        return {
          ...m,
          voucher_covered: covered,
          voucher_max_fen: covered && m.price_fen !== null ? Math.min(bpsShareFen(m.price_fen, programme.coverageBps), programme.yearlyCapFen) : null,
        };
      });
    }
  }

  // What contracts of this field and of the listing's kinds were signed for lately: a yardstick for its prices.
  const types = new Set(detail.modes.map((m) => CONTRACT_TYPE_BY_MODE[m.mode]));
  const priceRefs = (await priceReferences(db, detail.field)).filter((r) => types.has(r.type));

  // Phone and e-mail only for signed-in users (and previews): a public page full of researchers' numbers is a
  // harvesting target; the contact name and the inquiry button are enough to start.
  const showContact = user !== null;
  const confirmed = lastConfirmedAt(detail);
  return {
    viewer,
    visibility: onMarket ? ("public" as const) : ("preview" as const),
    stale,
    block,
    offers,
    voucher,
    priceRefs,
    result: {
      id: detail.id,
      status: detail.status,
      title: detail.title,
      title_en: detail.title_en,
      summary: detail.summary,
      descriptionHtml: renderMarkdown(detail.description),
      field: detail.field,
      keywords: detail.keywords,
      trl: detail.trl,
      ip: detail.ip,
      inventors: detail.inventors,
      institution: { id: detail.institution_id, name: detail.institution },
      region: detail.region,
      state_funded: detail.state_funded,
      voucher_eligible: detail.voucher_eligible,
      listed_at: detail.listed_at?.toISOString() ?? null,
      confirmed_at: confirmed?.toISOString() ?? null,
      in_publicity: inPublicity,
      publicity_ends_at: publicityEnd?.toISOString() ?? null,
      contact: {
        name: detail.contact_name,
        phone: showContact ? detail.contact_phone : null,
        email: showContact ? detail.contact_email : null,
        hidden: !showContact && Boolean(detail.contact_phone || detail.contact_email),
      },
    },
  };
}

interface VoucherProgrammeView {
  name: string;
  coverage_bps: number;
  yearly_cap_fen: number;
  remaining_budget_fen: number;
  valid_to: string;
}

function percent(bps: number): string {
  return (bps / 100).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
}

function PreviewBanner() {
  const { result, viewer, stale } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div className="sf-banner sf-banner--preview" role="status">
      <strong>{t("storefront.preview.title")}</strong>
      <span>
        {stale
          ? t("storefront.preview.stale")
          : t("storefront.preview.status", { status: t(`catalogue.status.${result.status}`) })}
      </span>
      {viewer === "owner" ? (
        <Link to={`/institution/results/${result.id}/edit`}>{t("storefront.preview.manage")}</Link>
      ) : result.status === "pending_review" ? (
        <Link to={`/bureau/review/${result.id}`}>{t("storefront.preview.review")}</Link>
      ) : null}
    </div>
  );
}

function VoucherBox() {
  const { voucher, offers } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  if (voucher.kind === "not_eligible") return <p className="sf-voucher sf-voucher--none">{t("storefront.voucher.notEligible")}</p>;
  if (voucher.kind === "no_programme") return <p className="sf-voucher sf-voucher--none">{t("storefront.voucher.noProgramme")}</p>;
  const p = voucher.programme;
  const best = Math.max(0, ...offers.map((o) => o.voucher_max_fen ?? 0));
  return (
    <div className="sf-voucher">
      <p className="sf-voucher__headline">
        {t("storefront.voucher.headline", { percent: percent(p.coverage_bps) })}
        {best > 0 ? <span>{t("storefront.voucher.best", { amount: formatFen(best, locale) })}</span> : null}
      </p>
      <p className="sf-voucher__detail">
        {t("storefront.voucher.detail", {
          name: p.name,
          percent: percent(p.coverage_bps),
          cap: formatFen(p.yearly_cap_fen, locale),
          date: formatDate(`${p.valid_to}T12:00:00+08:00`, locale),
        })}
      </p>
      <p className="sf-voucher__detail">
        {p.remaining_budget_fen > 0
          ? t("storefront.voucher.budgetLeft", { amount: formatFen(p.remaining_budget_fen, locale) })
          : t("storefront.voucher.budgetGone")}{" "}
        <Link to="/enterprise/vouchers">{t("storefront.voucher.apply")}</Link>
      </p>
    </div>
  );
}

/** 成交参考: the last year's registered contracts of this field, per kind the listing offers. */
function PriceReferences() {
  const { priceRefs } = useLoaderData<typeof loader>();
  const t = useT();
  if (priceRefs.length === 0) return null;
  return (
    <div className="sf-price-refs">
      <h3>{t("storefront.priceRefs.title")}</h3>
      <PriceReferenceList refs={priceRefs} lineKey="storefront.priceRefs.line" />
      <p className="sf-price-refs__note">{t("storefront.priceRefs.note")}</p>
    </div>
  );
}

export default function ResultDetailPage() {
  const { result, visibility, block, offers, voucher } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const region = result.region ? (hasMessage(`region.${result.region}`) ? t(`region.${result.region}`) : result.region) : null;
  const contact = result.contact;
  return (
    <div className="sf-detail">
      <nav className="sf-crumbs" aria-label={t("storefront.crumbs")}>
        <Link to="/results">{t("nav.results")}</Link>
        <span aria-hidden="true">›</span>
        <Link to={`/results?field=${result.field}`}>{t(`field.${result.field}`)}</Link>
      </nav>
      {visibility === "preview" ? <PreviewBanner /> : null}
      {result.status === "reserved" && visibility === "public" ? (
        <div className="sf-banner" role="status">
          {t("storefront.reserved")}
        </div>
      ) : null}

      <header className="sf-detail__head">
        <div className="hit__tags">
          <span className={`tag tag--field tag--${result.field}`}>{t(`field.${result.field}`)}</span>
          <span className="tag">
            TRL {result.trl} · {t(`trl.${result.trl}`)}
          </span>
          {result.voucher_eligible ? <span className="tag tag--voucher">{t("result.voucherEligible")}</span> : null}
          {result.in_publicity ? <span className="tag tag--publicity">{t("storefront.publicity.tag")}</span> : null}
        </div>
        <h1 className="sf-detail__title">{result.title}</h1>
        {result.title_en ? (
          <p className="sf-detail__en" lang="en">
            {result.title_en}
          </p>
        ) : null}
        <p className="sf-detail__summary">{result.summary}</p>
        <p className="sf-detail__meta">
          <span>{result.institution.name}</span>
          {region ? <span>{region}</span> : null}
          {result.listed_at ? <span>{t("storefront.detail.listedOn", { date: formatDate(result.listed_at, locale) })}</span> : null}
          {result.confirmed_at ? (
            <span className="sf-detail__confirmed">{t("storefront.detail.confirmedOn", { date: formatDate(result.confirmed_at, locale) })}</span>
          ) : null}
        </p>
      </header>

      {result.in_publicity && result.publicity_ends_at ? (
        <div className="sf-banner sf-banner--publicity" role="note">
          <strong>{t("storefront.publicity.title")}</strong>
          <span>{t("storefront.publicity.body", { date: formatDate(result.publicity_ends_at, locale) })}</span>
        </div>
      ) : null}

      <div className="sf-detail__grid">
        <div className="sf-detail__main">
          <section aria-labelledby="prices" className="sf-section">
            <h2 id="prices">{t("storefront.detail.prices")}</h2>
            <PriceTable
              resultId={result.id}
              offers={offers}
              showVoucher={voucher.kind === "programme"}
              voucherPercent={voucher.kind === "programme" ? percent(voucher.programme.coverage_bps) : null}
              block={block}
            />
            <VoucherBox />
            <PriceReferences />
          </section>

          <section aria-labelledby="maturity" className="sf-section">
            <h2 id="maturity">
              {t("result.trl")}
              <span className="sf-section__aside">
                TRL {result.trl} · {t(`trl.${result.trl}`)}
              </span>
            </h2>
            <MaturityBar trl={result.trl} />
          </section>

          <section aria-labelledby="ip" className="sf-section">
            <h2 id="ip">{t("storefront.detail.ip")}</h2>
            {result.ip.length === 0 ? (
              <p className="muted">{t("storefront.detail.noIp")}</p>
            ) : (
              <ScrollArea>
                <table className="data">
                  <thead>
                    <tr>
                      <th scope="col">{t("catalogue.field.ipType")}</th>
                      <th scope="col">{t("catalogue.field.ipNumber")}</th>
                      <th scope="col">{t("catalogue.field.ipStatus")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.ip.map((item, i) => (
                      <tr key={i}>
                        <td>{t(`catalogue.ipType.${item.type}`)}</td>
                        <td className="mono">{item.number ?? "—"}</td>
                        <td>
                          <span className={`ip-status ip-status--${item.status}`}>
                            {hasMessage(`catalogue.ipStatus.${item.status}`) ? t(`catalogue.ipStatus.${item.status}`) : item.status}
                          </span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollArea>
            )}
          </section>
          <section aria-labelledby="description" className="sf-section">
            <h2 id="description">{t("storefront.detail.description")}</h2>
            {result.descriptionHtml ? (
              // services/catalogue/markdown.ts renders with raw HTML disabled and links restricted: safe to insert.
              <div className="markdown" dangerouslySetInnerHTML={{ __html: result.descriptionHtml }} />
            ) : (
              <p className="muted">{t("storefront.detail.noDescription")}</p>
            )}
          </section>

        </div>

        <aside className="sf-detail__side" aria-label={t("storefront.detail.facts")}>
          <dl className="sf-facts">
            <dt>{t("catalogue.preview.institution")}</dt>
            <dd>
              <Link to={`/results?institution=${encodeURIComponent(result.institution.name)}`}>{result.institution.name}</Link>
            </dd>
            {region ? (
              <>
                <dt>{t("catalogue.preview.region")}</dt>
                <dd>{region}</dd>
              </>
            ) : null}
            <dt>{t("catalogue.preview.inventors")}</dt>
            <dd>{result.inventors.length ? result.inventors.join("、") : "—"}</dd>
            <dt>{t("catalogue.preview.keywords")}</dt>
            <dd>
              {result.keywords.length ? (
                <ul className="sf-keywords">
                  {result.keywords.map((k) => (
                    <li key={k}>
                      <Link to={`/results?q=${encodeURIComponent(k)}`}>{k}</Link>
                    </li>
                  ))}
                </ul>
              ) : (
                "—"
              )}
            </dd>
            <dt>{t("catalogue.preview.stateFunded")}</dt>
            <dd>{result.state_funded ? t("catalogue.preview.yes") : t("catalogue.preview.no")}</dd>
            <dt>{t("storefront.detail.lastConfirmed")}</dt>
            <dd>{result.confirmed_at ? formatDate(result.confirmed_at, locale) : "—"}</dd>
          </dl>
          <div className="sf-contact">
            <h2>{t("catalogue.preview.contact")}</h2>
            <p>{contact.name ?? t("storefront.detail.contactInstitution", { name: result.institution.name })}</p>
            {contact.phone ? (
              <p>
                <a href={`tel:${contact.phone.replace(/[^\d+]/g, "")}`}>{contact.phone}</a>
              </p>
            ) : null}
            {contact.email ? (
              <p>
                <a href={`mailto:${contact.email}`}>{contact.email}</a>
              </p>
            ) : null}
            {contact.hidden ? (
              <p className="muted">
                <Link to={`/login?redirectTo=${encodeURIComponent(`/results/${result.id}`)}`}>{t("nav.login")}</Link>
                {t("storefront.detail.contactLogin")}
              </p>
            ) : null}
          </div>
        </aside>
      </div>
    </div>
  );
}
