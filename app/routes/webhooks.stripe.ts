import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { env } from "~/env.server";
import { getStripe } from "~/services/payments/stripe";
import { handleStripeWebhook } from "~/services/payments/webhook";

// POST /webhooks/stripe — Stripe's event deliveries. The body is read once, as text, and handed over untouched: the
// signature covers those exact bytes, so nothing may parse or re-serialise it first.
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
  const rawBody = await request.text();
  const result = await handleStripeWebhook(
    await getDb(),
    { rawBody, signature: request.headers.get("stripe-signature") },
    { secret: env().STRIPE_WEBHOOK_SECRET, stripe: getStripe()?.client ?? null },
  );
  return Response.json(result.body, { status: result.status, headers: { "Cache-Control": "no-store" } });
}
