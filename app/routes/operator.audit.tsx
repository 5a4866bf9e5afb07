import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
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
  return [{ title: `${t("audit.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const page = await auditPage(await getDb(), new URL(request.url).searchParams);
  const wire = { ...page, entries: page.entries.map((e) => ({ ...e, at: e.at.toISOString() })) };
  return page.invalid ? data(wire, { status: 400 }) : wire;
}

/** The operator's own pages for a record, where there is one. */
function subjectHref(type: string, id: string): string | null {
  if (type === "order") return `/operator/orders/${id}`;
  if (type === "technology_result") return `/results/${id}`;
  return null;
}

export default function OperatorAudit() {
  const page = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div>
      <PageHead title={t("audit.title")} intro={t("audit.intro")} />
      <AuditLog {...page} path="/operator/audit" exportPath="/operator/audit.csv" showOrganisation subjectHref={subjectHref} />
    </div>
  );
}
