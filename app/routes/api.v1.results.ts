import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { parseResultSearchQuery, searchResults } from "~/services/catalogue/search";
import { getSearchEngine } from "~/services/catalogue/search-engine.server";

// GET /api/v1/results — public search over listed results (issue 3, item 8). Prices in the query are yuan; prices in
// the answer are integer fen. A bad parameter is a 400 naming it; engine trouble degrades to a database listing.
export async function loader({ request }: LoaderFunctionArgs) {
  const parsed = parseResultSearchQuery(new URL(request.url).searchParams);
  if (!parsed.ok) {
    return Response.json({ error: "invalid_parameter", parameter: parsed.parameter, message: parsed.message }, { status: 400 });
  }
  const db = await getDb();
  const page = await searchResults(db, await getSearchEngine(), parsed.params);
  return Response.json(
    {
      hits: page.hits.map((h) => ({
        id: h.id,
        title: h.title,
        title_en: h.title_en,
        field: h.field,
        trl: h.trl,
        modes: h.modes,
        institution: h.institution,
        listed_at: h.listed_at,
      })),
      total: page.total,
      facets: { field: page.facets.field, mode: page.facets.modes, trl: page.facets.trl },
      took_ms: page.took_ms,
      page: page.page,
      per_page: page.per_page,
      degraded: page.degraded,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}
