import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "~/db.server";
import { countListedResults, newestListedResults } from "~/services/catalogue/newest";

const params = z.object({ per_page: z.coerce.number().int().min(1).max(100).default(20) });

// Foundation version: newest listed results; the catalogue issue adds search, filters and facets.
export async function loader({ request }: LoaderFunctionArgs) {
  const parsed = params.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return Response.json({ error: "invalid_parameter", parameter: String(issue.path[0]), message: issue.message }, { status: 400 });
  }
  const db = await getDb();
  const [hits, total] = await Promise.all([newestListedResults(db, parsed.data.per_page), countListedResults(db)]);
  return Response.json({
    hits: hits.map(({ id, title, title_en, field, trl, modes, institution, listed_at }) => ({
      id,
      title,
      title_en,
      field,
      trl,
      modes,
      institution,
      listed_at,
    })),
    total,
  });
}
