import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/styles/account.css";
import { AuditLog } from "~/components/audit-log";
import { PageHead } from "~/components/page-head";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { auditPage } from "~/services/audit/log";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("audit.orgTitle")} · ${t("app.name")}` }];
};

// What an organisation's people did, for its administrators.
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  if (!user.isOrgAdmin) throw new Response("Forbidden", { status: 403 });
  const page = await auditPage(await getDb(), new URL(request.url).searchParams, { organisationId: user.organisationId });
  const wire = { ...page, role: user.role, entries: page.entries.map((e) => ({ ...e, at: e.at.toISOString() })) };
  return page.invalid ? data(wire, { status: 400 }) : wire;
}

export default function OrganisationActivity() {
  const { role, ...page } = useLoaderData<typeof loader>();
  const t = useT();
  // An institution's own listings open in its editor; other records have no page of their own for the organisation.
  const subjectHref = (type: string, id: string) => (role === "institution" && type === "technology_result" ? `/institution/results/${id}/edit` : null);
  return (
    <div>
      <p>
        <Link to="/account/members">← {t("account.members.title")}</Link>
      </p>
      <PageHead title={t("audit.orgTitle")} intro={t("audit.orgIntro")} />
      <AuditLog {...page} path="/account/activity" showOrganisation={false} subjectHref={subjectHref} />
    </div>
  );
}
