import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { getLocale } from "~/locale.server";
import { exportTable, isExportTable } from "~/services/stats/export";
import { parseRangeParams, rangePresets } from "~/services/stats/params";
import { requireUser } from "~/session.server";

// CSV download of one dashboard table for a range: /bureau/dashboard/export/<table>?from=…&to=…
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const table = params.table ?? "";
  if (!isExportTable(table)) throw new Response(`unknown table "${table}"`, { status: 404 });
  const parsed = parseRangeParams(new URL(request.url).searchParams, rangePresets()[0].range);
  if (!parsed.ok) return new Response(`${parsed.parameter}: ${parsed.message}\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const csv = await exportTable(await getDb(), table, parsed.range, await getLocale(request), { bureauId: user.organisationId });
  return new Response(csv.body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${csv.filename}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
