import { Form, Link } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { hasMessage, type Locale } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { AUDIT_AREAS } from "~/services/audit/areas";
import { DateRangeFields } from "./date-range-fields";

/** An audit entry as a loader sends it. */
export interface AuditRow {
  id: number;
  at: string;
  action: string;
  subjectType: string;
  subjectId: string;
  actor: { id: number; name: string; email: string; organisationName: string } | null;
  detail: Record<string, unknown>;
}

export interface AuditFilterValues {
  area: string | null;
  actor: string | null;
  subject: string | null;
  from: string | null;
  to: string | null;
  before: number | null;
}

function formatTime(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "medium", timeZone: "Asia/Shanghai" }).format(new Date(iso));
}

/** A detail value as a short line: strings as they are, anything else as JSON, long ones cut. */
function detailLine(key: string, value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `${key}: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`;
}

/**
 * The audit log as a filter form, a table (newest first) and a link to older entries. `subjectHref` links a record to
 * the page where this reader can open it, where there is one.
 */
export function AuditLog({
  entries,
  filters,
  nextBefore,
  invalid,
  path,
  exportPath,
  showOrganisation,
  subjectHref,
}: {
  entries: readonly AuditRow[];
  filters: AuditFilterValues;
  nextBefore: number | null;
  /** the filter the query string got wrong, if any */
  invalid: { parameter: string } | null;
  /** the page's own address, for the filter form and the paging links */
  path: string;
  /** where the same filters download as CSV, if they do */
  exportPath?: string;
  showOrganisation: boolean;
  subjectHref: (type: string, id: string) => string | null;
}) {
  const t = useT();
  const locale = useLocale();
  /** An address with this page's filters (not its page), plus `extra`. */
  const query = (extra: Record<string, string>, base = path) => {
    const params = new URLSearchParams();
    for (const key of ["area", "actor", "subject", "from", "to"] as const) {
      const value = filters[key];
      if (value) params.set(key, value);
    }
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    const text = params.toString();
    return text ? `${base}?${text}` : base;
  };
  const filtered = Boolean(filters.area || filters.actor || filters.subject || filters.from || filters.to);

  return (
    <>
      {invalid ? (
        <p className="notice" role="alert">
          {t("audit.filter.invalid", { label: hasMessage(`audit.filter.${invalid.parameter}`) ? t(`audit.filter.${invalid.parameter}`) : invalid.parameter })}
        </p>
      ) : null}
      <Form method="get" className="filters" role="search">
        <div className="field">
          <label htmlFor="audit-area">{t("audit.filter.area")}</label>
          <select id="audit-area" name="area" defaultValue={filters.area ?? ""}>
            <option value="">{t("audit.filter.anyArea")}</option>
            {AUDIT_AREAS.map((a) => (
              <option key={a} value={a}>
                {t(`audit.area.${a}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-actor">{t("audit.filter.actor")}</label>
          <input id="audit-actor" type="search" name="actor" defaultValue={filters.actor ?? ""} placeholder={t("audit.filter.actorPlaceholder")} maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="audit-subject">{t("audit.filter.subject")}</label>
          <input id="audit-subject" name="subject" inputMode="numeric" defaultValue={filters.subject ?? ""} maxLength={40} />
        </div>
        <DateRangeFields idPrefix="audit" from={filters.from} to={filters.to} labels={{ from: t("audit.filter.from"), to: t("audit.filter.to") }} />
        <div className="filters__actions">
          <button type="submit" className="button">
            {t("audit.filter.submit")}
          </button>
          {filtered ? <Link to={path}>{t("audit.filter.clear")}</Link> : null}
          {exportPath ? (
            <a href={query({}, exportPath)} download>
              {t("audit.export")}
            </a>
          ) : null}
        </div>
      </Form>

      {entries.length === 0 ? (
        <p className="empty">{t("audit.none")}</p>
      ) : (
        <DataTable
          stackOnPhone
          rows={entries}
          rowKey={(e) => e.id}
          columns={[
            { header: t("audit.col.at"), className: "nowrap", cell: (e) => formatTime(e.at, locale) },
            {
              header: t("audit.col.actor"),
              cell: (e) =>
                e.actor ? (
                  <>
                    {e.actor.name}
                    <br />
                    <small className="kpi__label">{showOrganisation ? e.actor.organisationName : e.actor.email}</small>
                  </>
                ) : (
                  <span className="kpi__label">{t("audit.system")}</span>
                ),
            },
            {
              header: t("audit.col.action"),
              cell: (e) => (hasMessage(`audit.action.${e.action}`) ? t(`audit.action.${e.action}`) : <code>{e.action}</code>),
            },
            {
              header: t("audit.col.subject"),
              className: "nowrap",
              cell: (e) => {
                const label = hasMessage(`audit.subject.${e.subjectType}`) ? t(`audit.subject.${e.subjectType}`, { id: e.subjectId }) : `${e.subjectType} #${e.subjectId}`;
                const href = subjectHref(e.subjectType, e.subjectId);
                return href ? <Link to={href}>{label}</Link> : label;
              },
            },
            {
              header: t("audit.col.detail"),
              cell: (e) => (
                <ul className="audit-detail">
                  {Object.entries(e.detail).map(([k, v]) => (
                    <li key={k}>{detailLine(k, v)}</li>
                  ))}
                </ul>
              ),
            },
          ]}
        />
      )}
      <p className="audit-pager">
        {filters.before ? <Link to={query({})}>{t("audit.newest")}</Link> : null}
        {nextBefore ? <Link to={query({ before: String(nextBefore) })}>{t("audit.older")}</Link> : null}
      </p>
    </>
  );
}
