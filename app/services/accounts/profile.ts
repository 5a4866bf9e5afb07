import type { Kysely } from "kysely";
import { z } from "zod";
import type { DB } from "../../../db/schema";
import type { PasswordChangeField } from "./account-fields";
import { LOGIN_LIMITS, lockedUntil } from "./authenticate";
import { hashPassword, verifyPassword } from "./passwords";
import { deleteUserSessions } from "./sessions";
import { formError, type Rejected } from "./types";
import { fieldErrorsFrom, newPasswordSchema, PASSWORD_MAX_LENGTH, requiredText } from "./validation";

// The signed-in user's own account: their name and their password.

const passwordChangeSchema = z
  .object({
    currentPassword: z
      .string({ error: "auth.error.required" })
      .min(1, "auth.error.required")
      .max(PASSWORD_MAX_LENGTH, "auth.error.passwordTooLong"),
    newPassword: newPasswordSchema,
    confirmPassword: z.string({ error: "auth.error.required" }).min(1, "auth.error.required"),
  })
  .superRefine((v, ctx) => {
    if (v.newPassword !== v.confirmPassword) {
      ctx.addIssue({ code: "custom", path: ["confirmPassword"], message: "account.error.passwordMismatch" });
    } else if (v.newPassword === v.currentPassword) {
      ctx.addIssue({ code: "custom", path: ["newPassword"], message: "account.error.passwordUnchanged" });
    }
  });

export type PasswordChangeResult = { ok: true; otherSessionsEnded: number } | Rejected<PasswordChangeField>;

/**
 * Sets a new password after checking the current one, and ends the user's other sessions (a password is changed
 * because it may be known to someone else). A wrong current password counts as a failed log-in, so a borrowed session
 * cannot be used to guess it faster than the log-in page allows.
 */
export async function changePassword(
  db: Kysely<DB>,
  user: { id: number; email: string },
  input: Partial<Record<PasswordChangeField, unknown>>,
  options: { sessionToken: string | null; ip?: string | null; now?: Date },
): Promise<PasswordChangeResult> {
  const now = options.now ?? new Date();
  const parsed = passwordChangeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<PasswordChangeField>(parsed.error) };
  const { currentPassword, newPassword } = parsed.data;

  const until = await lockedUntil(db, "email", user.email, LOGIN_LIMITS.perEmail, now);
  if (until) {
    const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
    return formError("auth.error.tooManyAttempts", { minutes });
  }
  const row = await db.selectFrom("users").select("password_hash").where("id", "=", user.id).executeTakeFirstOrThrow();
  if (!(await verifyPassword(row.password_hash, currentPassword))) {
    await db
      .insertInto("login_attempts")
      .values({ email: user.email, ip: options.ip?.trim() || "unknown", succeeded: false, attempted_at: now })
      .execute();
    return { ok: false, fieldErrors: { currentPassword: "account.error.currentPasswordWrong" } };
  }

  const passwordHash = await hashPassword(newPassword);
  const otherSessionsEnded = await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("users")
      .set({ password_hash: passwordHash, must_change_password: false, password_changed_at: now })
      .where("id", "=", user.id)
      .execute();
    const ended = await deleteUserSessions(trx, user.id, options.sessionToken);
    await trx
      .insertInto("audit_log")
      .values({ actor_user_id: user.id, action: "account.password_change", subject_type: "user", subject_id: String(user.id), detail: { otherSessionsEnded: ended } })
      .execute();
    return ended;
  });
  return { ok: true, otherSessionsEnded };
}

const profileSchema = z.object({ displayName: requiredText(50) });
export type ProfileField = keyof z.input<typeof profileSchema>;

/** Changes the name colleagues and counterparties see. */
export async function updateProfile(
  db: Kysely<DB>,
  user: { id: number },
  input: Partial<Record<ProfileField, unknown>>,
): Promise<{ ok: true } | Rejected<ProfileField>> {
  const parsed = profileSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<ProfileField>(parsed.error) };
  await db.updateTable("users").set({ display_name: parsed.data.displayName }).where("id", "=", user.id).execute();
  return { ok: true };
}

/** Ends every session of the user but the one making the request; returns how many. */
export async function endOtherSessions(db: Kysely<DB>, user: { id: number }, sessionToken: string | null): Promise<number> {
  return deleteUserSessions(db, user.id, sessionToken);
}
