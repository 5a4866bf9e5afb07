import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
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
  return [{ title: `${t("audit.orgTitle")} · ${t("app.name")}` }];
};

// What an organisation's people did, for its administrators.
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  if (!user.isOrgAdmin) throw new Response("Forbidden", { status: 403 });
  const parsed = parseAuditFilters(new URL(request.url).searchParams);
  if (!parsed.ok) {
    const empty = { area: null, actor: null, subject: null, from: null, to: null, before: null };
    return data({ role: user.role, filters: empty, entries: [], nextBefore: null, invalid: { parameter: parsed.parameter, message: parsed.message } }, { status: 400 });
  }
  const { entries, nextBefore } = await listAuditLog(await getDb(), parsed.filters, { organisationId: user.organisationId });
  return { role: user.role, filters: parsed.filters, entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })), nextBefore, invalid: null };
}

export default function OrganisationActivity() {
  const { role, filters, entries, nextBefore, invalid } = useLoaderData<typeof loader>();
  const t = useT();
  // An institution's own listings open in its editor; other records have no page of their own for the organisation.
  const subjectHref = (type: string, id: string) => (role === "institution" && type === "technology_result" ? `/institution/results/${id}/edit` : null);
  return (
    <div>
      <p>
        <Link to="/account/members">← {t("account.members.title")}</Link>
      </p>
      <PageHead title={t("audit.orgTitle")} intro={t("audit.orgIntro")} />
      {invalid ? (
        <p className="notice" role="alert">
          {t("audit.filter.invalid", { label: hasMessage(`audit.filter.${invalid.parameter}`) ? t(`audit.filter.${invalid.parameter}`) : invalid.parameter })}
        </p>
      ) : null}
      <AuditLog entries={entries} filters={filters} nextBefore={nextBefore} path="/account/activity" showOrganisation={false} subjectHref={subjectHref} />
    </div>
  );
}
