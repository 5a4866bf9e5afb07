// Refusals of the checkout. `key` is an i18n key (app/i18n/messages/checkout.ts, or vouchers.error.* passed through
// from the voucher service); `field` names the form field or input property at fault. A CheckoutError means nothing
// was written: every checkout function runs in one database transaction and throws before it commits.

export type CheckoutErrorKind = "not_found" | "invalid" | "conflict" | "forbidden";

export class CheckoutError extends Error {
  constructor(
    readonly kind: CheckoutErrorKind,
    readonly key: string,
    readonly params: Record<string, string | number> = {},
    readonly field?: string,
  ) {
    super(`${kind}: ${field ? `${field}: ` : ""}${key}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ""}`);
    this.name = "CheckoutError";
  }
}

/** HTTP status for a refusal, for routes and the webhook. */
export function checkoutHttpStatus(error: CheckoutError): number {
  return { not_found: 404, forbidden: 403, conflict: 409, invalid: 400 }[error.kind];
}

/** The constraint a PostgreSQL error names (unique 23505, check 23514), or null. */
export function violatedConstraint(error: unknown): { code: string; constraint: string } | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, constraint_name: constraint } = error as { code?: unknown; constraint_name?: unknown };
  return typeof code === "string" && typeof constraint === "string" ? { code, constraint } : null;
}
