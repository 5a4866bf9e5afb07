import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { CONTRACT_SOURCES, CONTRACT_TYPES, FIELD_CODES, SELLER_TYPES } from "../../db/schema";
import chartsStylesheet from "~/components/charts/charts.css?url";
import { PageHead } from "~/components/page-head";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { isIsoDate } from "~/services/contracts/calendar";
import { listContracts } from "~/services/contracts/registry";
import { requireUser } from "~/session.server";
import { ScrollArea } from "~/components/scroll-area";
import { DateRangeFields } from "~/components/date-range-fields";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: chartsStylesheet }];

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("contracts.title")} · ${t("app.name")}` }];
};

const PER_PAGE = 50;
const date = z.string().refine(isIsoDate).optional().catch(undefined);

// Filters come from the query string; a value that makes no sense is dropped rather than refused, so a hand-edited
// URL still shows a list.
const filtersSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  type: z.enum(CONTRACT_TYPES).optional().catch(undefined),
  field: z.enum(FIELD_CODES).optional().catch(undefined),
  seller_type: z.enum(SELLER_TYPES).optional().catch(undefined),
  status: z.enum(["registered", "voided"]).optional().catch(undefined),
  source: z.enum(CONTRACT_SOURCES).optional().catch(undefined),
  from: date,
  to: date,
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  const f = filtersSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { rows, total } = await listContracts(
    await getDb(),
    { q: f.q || undefined, type: f.type, field: f.field, sellerType: f.seller_type, status: f.status, source: f.source, from: f.from, to: f.to },
    { page: f.page, perPage: PER_PAGE },
  );
  return { filters: f, rows, total, pages: Math.max(1, Math.ceil(total / PER_PAGE)) };
}

function FilterSelect({ name, label, value, options }: { name: string; label: string; value?: string; options: { value: string; label: string }[] }) {
  const t = useT();
  return (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      <select id={`filter-${name}`} name={name} defaultValue={value ?? ""}>
        <option value="">{t("contracts.filter.all")}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export default function ContractRegistry() {
  const { filters, rows, total, pages } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const pageLink = (page: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== "" && k !== "page") params.set(k, String(v));
    params.set("page", String(page));
    return `?${params}`;
  };

  return (
    <div>
      <PageHead
        title={t("contracts.title")}
        intro={t("contracts.intro")}
        actions={
          <>
            <Link className="button" to="/bureau/contracts/new">
              {t("contracts.register")}
            </Link>
            <Link className="button button--ghost" to="/bureau/contracts/import">
              {t("contracts.import")}
            </Link>
            <Link className="button button--ghost" to="/bureau/dashboard">
              {t("nav.dashboard")}
            </Link>
          </>
        }
      />

      <Form method="get" className="filters" aria-label={t("contracts.filter")}>
        <div className="field filters__q">
          <label htmlFor="filter-q">{t("contracts.filter.q")}</label>
          <input id="filter-q" type="search" name="q" defaultValue={filters.q ?? ""} maxLength={100} />
        </div>
        <FilterSelect name="type" label={t("contracts.col.type")} value={filters.type} options={CONTRACT_TYPES.map((v) => ({ value: v, label: t(`contracts.type.${v}`) }))} />
        <FilterSelect name="field" label={t("contracts.col.field")} value={filters.field} options={FIELD_CODES.map((v) => ({ value: v, label: t(`field.${v}`) }))} />
        <FilterSelect
          name="seller_type"
          label={t("contracts.col.seller_type")}
          value={filters.seller_type}
          options={SELLER_TYPES.map((v) => ({ value: v, label: t(`contracts.sellerType.${v}`) }))}
        />
        <FilterSelect
          name="status"
          label={t("contracts.col.status")}
          value={filters.status}
          options={(["registered", "voided"] as const).map((v) => ({ value: v, label: t(`contracts.status.${v}`) }))}
        />
        <FilterSelect name="source" label={t("contracts.col.source")} value={filters.source} options={CONTRACT_SOURCES.map((v) => ({ value: v, label: t(`contracts.source.${v}`) }))} />
        <DateRangeFields idPrefix="filter" from={filters.from} to={filters.to} labels={{ from: t("contracts.filter.from"), to: t("contracts.filter.to") }} />
        <div className="filters__actions">
          <button type="submit" className="button">
            {t("contracts.filter")}
          </button>
          <Link to="/bureau/contracts">{t("contracts.filter.reset")}</Link>
        </div>
      </Form>

      <p>{t("contracts.count", { count: total.toLocaleString(locale) })}</p>
      {rows.length === 0 ? (
        <p className="empty">{t("contracts.empty")}</p>
      ) : (
        <ScrollArea>
          <table className="data">
            <thead>
              <tr>
                <th scope="col">{t("contracts.col.contract_no")}</th>
                <th scope="col">{t("contracts.col.certificate_no")}</th>
                <th scope="col">{t("contracts.col.signed_on")}</th>
                <th scope="col">{t("contracts.col.type")}</th>
                <th scope="col">{t("contracts.col.field")}</th>
                <th scope="col">{t("contracts.col.seller")}</th>
                <th scope="col">{t("contracts.col.buyer")}</th>
                <th scope="col" className="num">
                  {t("contracts.col.amount")}
                </th>
                <th scope="col" className="num">
                  {t("contracts.col.technical_income")}
                </th>
                <th scope="col">{t("contracts.col.status")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id} className={c.status === "voided" ? "is-voided" : undefined}>
                  <td className="nowrap">
                    <Link to={`/bureau/contracts/${c.id}`}>{c.contract_no}</Link>
                  </td>
                  <td className="mono">{c.certificate_no}</td>
                  <td className="nowrap">{c.signed_on}</td>
                  <td>{t(`contracts.type.${c.type}`)}</td>
                  <td>{t(`field.${c.field}`)}</td>
                  <td>
                    {c.seller}
                    <br />
                    <small className="kpi__label">{t(`contracts.sellerType.${c.seller_type}`)}</small>
                  </td>
                  <td>
                    {c.buyer}
                    <br />
                    <small className="kpi__label">{c.buyer_region}</small>
                  </td>
                  <td className="num nowrap">{formatFen(c.amount_fen, locale)}</td>
                  <td className="num nowrap">{formatFen(c.technical_income_fen, locale)}</td>
                  <td>
                    <span className={`status status--${c.status}`}>{t(`contracts.status.${c.status}`)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
      {pages > 1 ? (
        <nav className="pager" aria-label={t("contracts.page", { page: filters.page, pages })}>
          {filters.page > 1 ? <Link to={pageLink(filters.page - 1)}>← {t("contracts.prev")}</Link> : null}
          <span>{t("contracts.page", { page: filters.page, pages })}</span>
          {filters.page < pages ? <Link to={pageLink(filters.page + 1)}>{t("contracts.next")} →</Link> : null}
        </nav>
      ) : null}
    </div>
  );
}
