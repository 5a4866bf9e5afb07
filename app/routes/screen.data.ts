import { loadScreenData } from "~/components/storefront/screen-data.server";
import { getDb } from "~/db.server";

// GET /screen/data — what the big screen polls. Aggregates and public listings only; never cached, it is the live feed.
export async function loader() {
  const data = await loadScreenData(await getDb());
  return Response.json(data, { headers: { "Cache-Control": "no-store" } });
}
