import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/styles/account.css";
import { AuditLog } from "~/components/audit-log";
import { PageHead } from "~/components/page-head";
import { getDb } from "~/db.server";
import { hasMessage, metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { listAuditLog, parseAuditFilters } from "~/services/audit/log";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("audit.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const parsed = parseAuditFilters(new URL(request.url).searchParams);
  if (!parsed.ok) {
    const empty = { area: null, actor: null, subject: null, from: null, to: null, before: null };
    return data({ filters: empty, entries: [], nextBefore: null, invalid: { parameter: parsed.parameter, message: parsed.message } }, { status: 400 });
  }
  const { entries, nextBefore } = await listAuditLog(await getDb(), parsed.filters);
  return { filters: parsed.filters, entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })), nextBefore, invalid: null };
}

/** The operator's own pages for a record, where there is one. */
function subjectHref(type: string, id: string): string | null {
  if (type === "order") return `/operator/orders/${id}`;
  if (type === "technology_result") return `/results/${id}`;
  return null;
}

export default function OperatorAudit() {
  const { filters, entries, nextBefore, invalid } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div>
      <PageHead title={t("audit.title")} intro={t("audit.intro")} />
      {invalid ? (
        <p className="notice" role="alert">
          {t("audit.filter.invalid", { label: hasMessage(`audit.filter.${invalid.parameter}`) ? t(`audit.filter.${invalid.parameter}`) : invalid.parameter })}
        </p>
      ) : null}
      <AuditLog entries={entries} filters={filters} nextBefore={nextBefore} path="/operator/audit" showOrganisation subjectHref={subjectHref} />
    </div>
  );
}
