import { z } from "zod";
import type { FieldErrors } from "./types";

// Every message below is an i18n key (app/i18n/messages/auth.ts): services never format text for a locale.

export const PASSWORD_MIN_LENGTH = 10;
// argon2 hashes any length, but an unbounded password is a cheap way to make the server work hard.
export const PASSWORD_MAX_LENGTH = 200;

/** A required text field: missing, non-string or blank after trimming all read as "required". */
export function requiredText(max: number, tooLongKey = "auth.error.tooLong") {
  return z.string({ error: "auth.error.required" }).trim().min(1, "auth.error.required").max(max, tooLongKey);
}

/** E-mail addresses are stored lower-case (the users table checks it), so look-ups and uniqueness ignore case. */
export const emailSchema = z
  .string({ error: "auth.error.required" })
  .trim()
  .toLowerCase()
  .min(1, "auth.error.required")
  .max(254, "auth.error.emailInvalid")
  .pipe(z.email({ error: "auth.error.emailInvalid" }));

export const newPasswordSchema = z
  .string({ error: "auth.error.required" })
  .min(1, "auth.error.required")
  .min(PASSWORD_MIN_LENGTH, "auth.error.passwordTooShort")
  .max(PASSWORD_MAX_LENGTH, "auth.error.passwordTooLong");

/** The first problem of each top-level field, as field → i18n key. */
export function fieldErrorsFrom<F extends string>(error: z.ZodError): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form") as F;
    errors[field] ??= issue.message;
  }
  return errors;
}

/** The constraint a PostgreSQL unique violation (SQLSTATE 23505) hit, or null for any other error. */
export function uniqueViolation(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, constraint_name: constraint } = error as { code?: unknown; constraint_name?: unknown };
  return code === "23505" && typeof constraint === "string" ? constraint : null;
}

/** An id as a form or a caller passes it: a positive whole number, or its decimal text; null for anything else. */
export function idFrom(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d{1,15}$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
