import { z } from "zod";
import type { FieldErrors } from "../accounts/types";
import { idFrom } from "../accounts/validation";
import { parseYuanToFen } from "../contracts/money";

// Form parsing for the voucher pages. Every message is an i18n key in app/i18n/messages/vouchers.ts.

export { formError } from "../accounts/types";
export { idFrom } from "../accounts/validation";

export function requiredText(max: number) {
  return z.string({ error: "vouchers.error.required" }).trim().min(1, "vouchers.error.required").max(max, "vouchers.error.tooLong");
}

/** Yuan as typed ("12000", "12000.5") → integer fen > 0, by string arithmetic. */
export const yuanAmount = z.string({ error: "vouchers.error.required" }).transform((text, ctx) => {
  const parsed = parseYuanToFen(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: `vouchers.error.amount.${parsed.problem}` });
    return z.NEVER;
  }
  if (parsed.fen <= 0) {
    ctx.addIssue({ code: "custom", message: "vouchers.error.amount.notPositive" });
    return z.NEVER;
  }
  return parsed.fen;
});

/** A percentage with at most two decimals ("50", "33.33") → basis points 1..10000. */
export const percentAsBps = z.string({ error: "vouchers.error.required" }).transform((text, ctx) => {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) {
    ctx.addIssue({ code: "custom", message: text.trim() === "" ? "vouchers.error.required" : "vouchers.error.percent" });
    return z.NEVER;
  }
  const bps = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  if (bps < 1 || bps > 10_000) {
    ctx.addIssue({ code: "custom", message: "vouchers.error.percent" });
    return z.NEVER;
  }
  return bps;
});

/** A calendar date 'YYYY-MM-DD' that exists. */
export const calendarDate = z
  .string({ error: "vouchers.error.required" })
  .trim()
  .min(1, "vouchers.error.required")
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), "vouchers.error.date");

export const positiveId = z.coerce
  .number({ error: "vouchers.error.required" })
  .int("vouchers.error.required")
  .positive("vouchers.error.required");

/** A form value that must be an id (see idFrom), refused with `message` (an i18n key) otherwise. */
export function idField(message: string) {
  return z.unknown().transform((value, ctx) => {
    const id = idFrom(value);
    if (id === null) {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return id;
  });
}

/** The first problem of each top-level field, as field → i18n key. */
export function fieldErrorsFrom<F extends string>(error: z.ZodError): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form") as F;
    errors[field] ??= issue.message;
  }
  return errors;
}


const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Today's date in China (UTC+8, no daylight saving), 'YYYY-MM-DD': programme windows are Chinese calendar days. */
export function chinaDate(now: Date): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The last day (China time) a voucher can be used: its expiry is the first moment of the day after. */
export function lastValidDay(expiresAt: Date): string {
  return chinaDate(new Date(expiresAt.getTime() - 1));
}

/** The moment a programme's last valid day ends: midnight after valid_to, China time. */
export function endOfChinaDay(date: string): Date {
  return new Date(new Date(`${date}T00:00:00+08:00`).getTime() + 24 * 60 * 60 * 1000);
}
