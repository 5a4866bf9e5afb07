import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import type { SessionUser } from "./types";

/** The columns that make a SessionUser, for queries joining users to organisations. */
export function sessionUserColumns() {
  return [
    "users.id as id",
    "users.email as email",
    "users.display_name as displayName",
    "users.organisation_id as organisationId",
    "organisations.name as organisationName",
    "organisations.kind as role",
    "users.is_org_admin as isOrgAdmin",
    "users.must_change_password as mustChangePassword",
  ] as const;
}

export async function findSessionUser(db: Kysely<DB>, userId: number): Promise<SessionUser | null> {
  const row = await db
    .selectFrom("users")
    .innerJoin("organisations", "organisations.id", "users.organisation_id")
    .select(sessionUserColumns())
    .where("users.id", "=", userId)
    .executeTakeFirst();
  return row ?? null;
}

export async function emailTaken(db: Kysely<DB>, email: string): Promise<boolean> {
  const row = await db.selectFrom("users").select("id").where("email", "=", email.toLowerCase()).executeTakeFirst();
  return row !== undefined;
}

/**
 * Inserts a user with an already computed argon2id hash (see passwords.ts). For bulk callers such as the seed, which
 * can hash one demo password once; everything else goes through signUp or createStaffUser, which validate first.
 */
export async function insertUser(
  db: Kysely<DB>,
  user: { organisationId: number; email: string; displayName: string; passwordHash: string; mustChangePassword?: boolean },
): Promise<number> {
  const row = await db
    .insertInto("users")
    .values({
      organisation_id: user.organisationId,
      email: user.email.trim().toLowerCase(),
      display_name: user.displayName,
      password_hash: user.passwordHash,
      must_change_password: user.mustChangePassword ?? false,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
