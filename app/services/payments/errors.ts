// Errors of the payments service. `kind` says what the caller can do about it:
// - invalid_input: our own bad argument (names the field); nothing was sent to Stripe.
// - rejected: Stripe refused the request (its code and parameter are kept); retrying the same request will not help.
// - idempotency_conflict: the order's idempotency key was used with different parameters (the order changed).
// - not_configured: Stripe is off, or the key is wrong or lacks the permission.
// - unavailable: network trouble, rate limit or Stripe's own error; safe to retry later with the same key.
export type PaymentsErrorKind = "invalid_input" | "rejected" | "idempotency_conflict" | "not_configured" | "unavailable";

export class PaymentsError extends Error {
  readonly field?: string;
  readonly stripeCode?: string;
  readonly requestId?: string;

  constructor(
    readonly kind: PaymentsErrorKind,
    message: string,
    details: { field?: string; stripeCode?: string; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = "PaymentsError";
    this.field = details.field;
    this.stripeCode = details.stripeCode;
    this.requestId = details.requestId;
  }
}
