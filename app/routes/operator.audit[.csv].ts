import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { hasMessage, translator } from "~/i18n";
import { getLocale } from "~/locale.server";
import { toCsv } from "~/services/contracts/csv";
import { AUDIT_EXPORT_MAX, auditExport, parseAuditFilters } from "~/services/audit/log";
import { requireUser } from "~/session.server";

// The audit log as CSV for an inspection (UTF-8 with a BOM), with the page's filters: /operator/audit.csv?area=…
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const parsed = parseAuditFilters(new URL(request.url).searchParams);
  if (!parsed.ok) {
    return new Response(`${parsed.parameter}: ${parsed.message}\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const t = translator(await getLocale(request));
  const { entries, truncated } = await auditExport(await getDb(), parsed.filters);
  const rows = [
    [t("audit.col.at"), t("audit.col.actor"), "e-mail", t("account.organisation"), t("audit.col.action"), "action", "subject", "id", t("audit.col.detail")],
    ...entries.map((e) => [
      e.at.toISOString(),
      e.actor?.name ?? t("audit.system"),
      e.actor?.email ?? "",
      e.actor?.organisationName ?? "",
      hasMessage(`audit.action.${e.action}`) ? t(`audit.action.${e.action}`) : e.action,
      e.action,
      e.subjectType,
      e.subjectId,
      JSON.stringify(e.detail),
    ]),
  ];
  if (truncated) rows.push([t("audit.exportTruncated", { max: AUDIT_EXPORT_MAX })]);
  return new Response(toCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-log.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
