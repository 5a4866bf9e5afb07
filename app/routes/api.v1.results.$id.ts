import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { getPublicResult } from "~/services/catalogue/listings";

// GET /api/v1/results/:id — one public (listed, not stale) result with everything a buyer needs; prices in fen.
export async function loader({ params }: LoaderFunctionArgs) {
  const raw = params.id ?? "";
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    return Response.json({ error: "invalid_parameter", parameter: "id", message: "must be a positive whole number" }, { status: 400 });
  }
  const result = await getPublicResult(await getDb(), id);
  if (!result) return Response.json({ error: "not_found", message: `no listed result ${id}` }, { status: 404 });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
}
