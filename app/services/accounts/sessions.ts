import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import type { SessionUser } from "./types";
import { sessionUserColumns } from "./users";

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

// 32 random bytes in base64url: 43 characters, no padding.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function isSessionToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** sessions.id is the SHA-256 of the token: the table alone cannot be replayed as cookies. */
export function sessionId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface CreateSessionOptions {
  /** The token of the session being replaced (rotation at log-in): it is deleted in the same transaction. */
  replaces?: string | null;
  userAgent?: string | null;
  now?: Date;
}

/** Starts a session for a user and returns the token for the cookie; the database keeps only its hash. */
export async function createSession(
  db: Kysely<DB>,
  userId: number,
  options: CreateSessionOptions = {},
): Promise<{ token: string; expiresAt: Date }> {
  const now = options.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.transaction().execute(async (trx) => {
    if (options.replaces && isSessionToken(options.replaces)) {
      await trx.deleteFrom("sessions").where("id", "=", sessionId(options.replaces)).execute();
    }
    // Housekeeping: the user's expired sessions are never read again.
    await trx.deleteFrom("sessions").where("user_id", "=", userId).where("expires_at", "<=", now).execute();
    await trx
      .insertInto("sessions")
      .values({
        id: sessionId(token),
        user_id: userId,
        created_at: now,
        expires_at: expiresAt,
        user_agent: options.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
  });
  return { token, expiresAt };
}

/** The user behind a token, or null for a malformed, unknown, revoked or expired one. */
export async function resolveSession(db: Kysely<DB>, token: string, now: Date = new Date()): Promise<SessionUser | null> {
  if (!isSessionToken(token)) return null;
  const row = await db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .innerJoin("organisations", "organisations.id", "users.organisation_id")
    .select(sessionUserColumns())
    .where("sessions.id", "=", sessionId(token))
    .where("sessions.expires_at", ">", now)
    .where("users.disabled_at", "is", null)
    .executeTakeFirst();
  return row ?? null;
}

/** Revokes one session (log-out). */
export async function deleteSession(db: Kysely<DB>, token: string): Promise<void> {
  if (!isSessionToken(token)) return;
  await db.deleteFrom("sessions").where("id", "=", sessionId(token)).execute();
}

/** Revokes every session of a user (e.g. when an account is disabled), or every one but the token's own. */
export async function deleteUserSessions(db: Kysely<DB>, userId: number, keepToken?: string | null): Promise<number> {
  let query = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (keepToken && isSessionToken(keepToken)) query = query.where("id", "<>", sessionId(keepToken));
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface SignedInDevice {
  createdAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  current: boolean;
}

/** A user's live sessions, newest first, the token's own marked. */
export async function listUserSessions(db: Kysely<DB>, userId: number, currentToken: string | null, now: Date = new Date()): Promise<SignedInDevice[]> {
  const current = currentToken && isSessionToken(currentToken) ? sessionId(currentToken) : null;
  const rows = await db
    .selectFrom("sessions")
    .select(["id", "created_at", "expires_at", "user_agent"])
    .where("user_id", "=", userId)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => ({ createdAt: r.created_at, expiresAt: r.expires_at, userAgent: r.user_agent, current: r.id === current }));
}
