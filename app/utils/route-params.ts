/** A route's numeric id parameter ("/orders/42"), or a 404 response thrown for anything else. */
export function idParam(raw: string | undefined): number {
  const id = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
  if (id <= 0) throw new Response("Not found", { status: 404 });
  return id;
}
