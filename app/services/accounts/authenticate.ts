import type { Kysely } from "kysely";
import { z } from "zod";
import type { DB } from "../../../db/schema";
import { hashPassword, verifyPassword } from "./passwords";
import type { Rejected, SessionUser } from "./types";
import { sessionUserColumns } from "./users";
import { emailSchema, fieldErrorsFrom, PASSWORD_MAX_LENGTH } from "./validation";

/**
 * Failed log-ins allowed inside a sliding window before further attempts are refused without checking the password:
 * per e-mail (guessing one account's password) and per client address (trying many accounts from one machine).
 */
export const LOGIN_LIMITS = { windowMinutes: 15, perEmail: 5, perIp: 20 } as const;

/** Log-in attempts are kept this long, for looking into abuse, then deleted (pruneLoginAttempts, run by the sweeper). */
export const LOGIN_ATTEMPTS_KEEP_DAYS = 30;

/** Deletes log-in attempts older than LOGIN_ATTEMPTS_KEEP_DAYS; returns how many. */
export async function pruneLoginAttempts(db: Kysely<DB>, now: Date = new Date()): Promise<number> {
  const before = new Date(now.getTime() - LOGIN_ATTEMPTS_KEEP_DAYS * 86_400_000);
  const deleted = await db.deleteFrom("login_attempts").where("attempted_at", "<", before).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

const loginSchema = z.object({
  email: emailSchema,
  // No minimum length at log-in: only the sign-up cap, which no stored password exceeds.
  password: z
    .string({ error: "auth.error.required" })
    .min(1, "auth.error.required")
    .max(PASSWORD_MAX_LENGTH, "auth.error.passwordTooLong"),
});
export type LoginField = keyof z.input<typeof loginSchema>;

export interface AuthenticateInput {
  email?: unknown;
  password?: unknown;
  /** The client's address; null when the server cannot tell (then only the per-e-mail limit applies). */
  ip?: string | null;
  now?: Date;
}

export type AuthenticateResult =
  | { ok: true; user: SessionUser }
  | (Rejected<LoginField> & { reason: "invalid_input" | "invalid_credentials" | "rate_limited" | "disabled" });

const UNKNOWN_IP = "unknown";

// Verifying against a real hash when the e-mail is unknown keeps the response time the same either way, so timing
// does not reveal which addresses have accounts.
let dummyHash: Promise<string> | undefined;
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword("no-such-user-placeholder");
  return dummyHash;
}

/**
 * The moment the oldest failure that still counts leaves the window, or null when fewer than `limit` failures count.
 * Failures followed by a success for the same e-mail no longer count against that e-mail.
 */
export async function lockedUntil(db: Kysely<DB>, by: "email" | "ip", value: string, limit: number, now: Date): Promise<Date | null> {
  const windowMs = LOGIN_LIMITS.windowMinutes * 60_000;
  let query = db
    .selectFrom("login_attempts as a")
    .select("a.attempted_at")
    .where(`a.${by}`, "=", value)
    .where("a.succeeded", "=", false)
    .where("a.attempted_at", ">", new Date(now.getTime() - windowMs))
    .where("a.attempted_at", "<=", now);
  if (by === "email") {
    query = query.where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("login_attempts as s")
            .select("s.id")
            .where("s.email", "=", value)
            .where("s.succeeded", "=", true)
            .whereRef("s.attempted_at", ">=", "a.attempted_at")
            .where("s.attempted_at", "<=", now),
        ),
      ),
    );
  }
  // With n ≥ limit counted failures, the window frees up when the limit-th most recent one drops out of it.
  const row = await query.orderBy("a.attempted_at", "desc").offset(limit - 1).limit(1).executeTakeFirst();
  return row ? new Date(row.attempted_at.getTime() + windowMs) : null;
}

/**
 * Checks an e-mail and password. Wrong e-mail and wrong password get the same generic error and both count toward the
 * rate limit; once limited, attempts are refused before the password is looked at, even a correct one.
 */
export async function authenticate(db: Kysely<DB>, input: AuthenticateInput): Promise<AuthenticateResult> {
  const now = input.now ?? new Date();
  const parsed = loginSchema.safeParse({ email: input.email, password: input.password });
  if (!parsed.success) {
    return { ok: false, reason: "invalid_input", fieldErrors: fieldErrorsFrom<LoginField>(parsed.error) };
  }
  const { email, password } = parsed.data;
  const ip = input.ip?.trim() || UNKNOWN_IP;

  const [emailLock, ipLock] = await Promise.all([
    lockedUntil(db, "email", email, LOGIN_LIMITS.perEmail, now),
    ip === UNKNOWN_IP ? null : lockedUntil(db, "ip", ip, LOGIN_LIMITS.perIp, now),
  ]);
  const until = [emailLock, ipLock].reduce<Date | null>((a, b) => (b && (!a || b > a) ? b : a), null);
  if (until) {
    const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
    return { ok: false, reason: "rate_limited", fieldErrors: {}, formError: { key: "auth.error.tooManyAttempts", params: { minutes } } };
  }

  const row = await db
    .selectFrom("users")
    .innerJoin("organisations", "organisations.id", "users.organisation_id")
    .select([...sessionUserColumns(), "users.password_hash as passwordHash", "users.disabled_at as disabledAt"])
    .where("users.email", "=", email)
    .executeTakeFirst();
  const valid = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), password);
  const succeeded = valid && row !== undefined && row.disabledAt === null;

  await db.insertInto("login_attempts").values({ email, ip, succeeded, attempted_at: now }).execute();
  if (!valid || !row) {
    return { ok: false, reason: "invalid_credentials", fieldErrors: {}, formError: { key: "auth.error.invalidCredentials" } };
  }
  // Said only to someone who knows the password: it tells them whom to ask, and tells a guesser nothing.
  if (!succeeded) return { ok: false, reason: "disabled", fieldErrors: {}, formError: { key: "auth.error.accountDisabled" } };
  await db.updateTable("users").set({ last_login_at: now }).where("id", "=", row.id).execute();
  const { passwordHash: _hash, disabledAt: _disabled, ...user } = row;
  return { ok: true, user };
}
