import { redirect } from "@remix-run/node";
import type { OrganisationKind } from "../db/schema";
import { getDb } from "./db.server";
import { createSession, deleteSession, resolveSession, SESSION_TTL_MS } from "./services/accounts/sessions";
import type { SessionUser } from "./services/accounts/types";

// The session cookie carries only a random token; the sessions table holds its SHA-256 (services/accounts/sessions.ts),
// so a session can be revoked by deleting its row and nothing in the cookie needs signing.
export const SESSION_COOKIE = "__session";

/** The session token the request carries, if any. */
export function readSessionToken(request: Request): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** Secure only over https, so the cookie also works on plain http://localhost. */
function sessionCookie(request: Request, value: string, expires: Date): string {
  const maxAge = Math.max(0, Math.ceil((expires.getTime() - Date.now()) / 1000));
  const parts = [`${SESSION_COOKIE}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`, `Expires=${expires.toUTCString()}`];
  if (new URL(request.url).protocol === "https:") parts.push("Secure");
  return parts.join("; ");
}

// The root loader and the page's loader both ask for the user within one request: look the session up once.
const resolved = new WeakMap<Request, Promise<SessionUser | null>>();

export function getSessionUser(request: Request): Promise<SessionUser | null> {
  let user = resolved.get(request);
  if (!user) {
    const token = readSessionToken(request);
    user = token ? getDb().then((db) => resolveSession(db, token)) : Promise.resolve(null);
    resolved.set(request, user);
  }
  return user;
}

/** Where a user whose first password someone else chose is sent before anything else. */
export const ACCOUNT_PATH = "/account";

/**
 * The signed-in user, or: no user → redirect to /login?redirectTo=<this page>; a user of another role → 403; a user
 * who still has a first password someone else chose → redirect to the account page to set their own.
 * `roles` lists the organisation kinds allowed; absent, any signed-in user passes.
 */
export async function requireUser(request: Request, roles?: readonly OrganisationKind[]): Promise<SessionUser> {
  const user = await getSessionUser(request);
  const url = new URL(request.url);
  if (!user) throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
  if (user.mustChangePassword && url.pathname !== ACCOUNT_PATH) {
    throw redirect(`${ACCOUNT_PATH}?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
  }
  if (roles && !roles.includes(user.role)) throw new Response("Forbidden", { status: 403 });
  return user;
}

/**
 * Starts a session for a user who just proved who they are and returns the Set-Cookie header. The session the
 * request came with (if any) is deleted: a new token at every log-in, so a token planted before log-in is worthless.
 */
export async function createUserSession(request: Request, userId: number): Promise<string> {
  const db = await getDb();
  const { token, expiresAt } = await createSession(db, userId, {
    replaces: readSessionToken(request),
    userAgent: request.headers.get("User-Agent"),
  });
  resolved.delete(request);
  return sessionCookie(request, token, expiresAt);
}

/** Deletes the request's session and returns the Set-Cookie header that clears the cookie. */
export async function destroyUserSession(request: Request): Promise<string> {
  const token = readSessionToken(request);
  if (token) await deleteSession(await getDb(), token);
  resolved.delete(request);
  return sessionCookie(request, "", new Date(0));
}

export { SESSION_TTL_MS };
