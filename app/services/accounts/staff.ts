import type { Kysely } from "kysely";
import { z } from "zod";
import type { DB } from "../../../db/schema";
import { hashPassword } from "./passwords";
import type { Rejected, SessionUser } from "./types";
import { findSessionUser, insertUser } from "./users";
import { emailSchema, fieldErrorsFrom, newPasswordSchema, requiredText, uniqueViolation } from "./validation";

export const STAFF_ROLES = ["bureau", "operator"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** The organisation a staff user joins when none is named. */
export const DEFAULT_STAFF_ORGANISATION: Record<StaffRole, string> = {
  bureau: "洛阳市科学技术局",
  operator: "洛阳科技大市场运营有限公司",
};

const staffSchema = z.object({
  role: z.enum(STAFF_ROLES, { error: "auth.error.roleInvalid" }),
  email: emailSchema,
  displayName: requiredText(50),
  password: newPasswordSchema,
  organisationName: z.preprocess(
    (v) => (v === null || (typeof v === "string" && v.trim() === "") ? undefined : v),
    requiredText(100).optional(),
  ),
});
export type StaffField = keyof z.input<typeof staffSchema>;
export type StaffUserInput = Partial<Record<StaffField, unknown>>;

export type StaffUserResult =
  | { ok: true; user: SessionUser; organisationCreated: boolean }
  | Rejected<StaffField>;

/**
 * Creates a bureau or operator user (these roles cannot sign up). The organisation is found by kind and name, or
 * created, so several staff users of one bureau share it.
 */
export async function createStaffUser(db: Kysely<DB>, input: StaffUserInput): Promise<StaffUserResult> {
  const parsed = staffSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<StaffField>(parsed.error) };
  const { role, email, displayName, password } = parsed.data;
  const organisationName = parsed.data.organisationName ?? DEFAULT_STAFF_ORGANISATION[role];

  const existing = await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
  if (existing) return { ok: false, fieldErrors: { email: "auth.error.emailTaken" } };

  const passwordHash = await hashPassword(password);
  try {
    const { userId, organisationCreated } = await db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom("organisations")
        .select("id")
        .where("kind", "=", role)
        .where("name", "=", organisationName)
        .orderBy("id")
        .executeTakeFirst();
      const organisationId =
        found?.id ??
        (await trx.insertInto("organisations").values({ kind: role, name: organisationName }).returning("id").executeTakeFirstOrThrow()).id;
      const id = await insertUser(trx, { organisationId, email, displayName, passwordHash });
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: null,
          action: "account.staff_created",
          subject_type: "user",
          subject_id: String(id),
          detail: { role, organisationId },
        })
        .execute();
      return { userId: id, organisationCreated: !found };
    });
    const user = await findSessionUser(db, userId);
    if (!user) throw new Error(`user ${userId} vanished right after creation`);
    return { ok: true, user, organisationCreated };
  } catch (error) {
    if (uniqueViolation(error) === "users_email_key") return { ok: false, fieldErrors: { email: "auth.error.emailTaken" } };
    throw error;
  }
}
