import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import type { DB } from "../../../db/schema";
import { MEMBER_CHANGES, type MemberChange, type NewMemberField } from "./account-fields";
import { hashPassword } from "./passwords";
import { deleteUserSessions } from "./sessions";
import { formError, type Rejected } from "./types";
import { insertUser } from "./users";
import { emailSchema, fieldErrorsFrom, idFrom, newPasswordSchema, requiredText, uniqueViolation } from "./validation";

// An organisation's accounts (docs/decisions/0016). Its administrators add colleagues, switch accounts off and on,
// give a colleague a new first password, and pass the administrator role on. There is no e-mail here to send a reset
// link, so a first password is chosen by the administrator, handed over in person, and must be changed at first use.
// The database keeps at least one working administrator (db/migrations/0015_organisation_members.ts).

export interface Member {
  id: number;
  email: string;
  displayName: string;
  isOrgAdmin: boolean;
  mustChangePassword: boolean;
  disabledAt: Date | null;
  createdAt: Date;
  lastLoginAt: Date | null;
}

/** The organisation's accounts: working ones first (administrators first), then switched-off ones. */
export async function listMembers(db: Kysely<DB>, organisationId: number): Promise<Member[]> {
  const rows = await db
    .selectFrom("users")
    .select(["id", "email", "display_name", "is_org_admin", "must_change_password", "disabled_at", "created_at", "last_login_at"])
    .where("organisation_id", "=", organisationId)
    .orderBy((eb) => eb("disabled_at", "is not", null))
    .orderBy("is_org_admin", "desc")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    isOrgAdmin: r.is_org_admin,
    mustChangePassword: r.must_change_password,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  }));
}

interface Admin {
  id: number;
  organisationId: number;
}

/** The acting user, if they are still a working administrator of their organisation (read in the transaction). */
async function stillAdmin(trx: Transaction<DB>, admin: Admin): Promise<boolean> {
  const row = await trx
    .selectFrom("users")
    .select("id")
    .where("id", "=", admin.id)
    .where("organisation_id", "=", admin.organisationId)
    .where("is_org_admin", "=", true)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  return row !== undefined;
}

function audit(trx: Transaction<DB>, admin: Admin, action: string, memberId: number, detail: Record<string, unknown> = {}) {
  return trx
    .insertInto("audit_log")
    .values({ actor_user_id: admin.id, action, subject_type: "user", subject_id: String(memberId), detail: { organisationId: admin.organisationId, ...detail } })
    .execute();
}

const newMemberSchema = z.object({ email: emailSchema, displayName: requiredText(50), password: newPasswordSchema }) satisfies z.ZodType<
  Record<NewMemberField, string>
>;

/** Adds a colleague to the administrator's organisation, with a first password they must change when they sign in. */
export async function addMember(
  db: Kysely<DB>,
  admin: Admin,
  input: Partial<Record<NewMemberField, unknown>>,
): Promise<{ ok: true; memberId: number } | Rejected<NewMemberField>> {
  const parsed = newMemberSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<NewMemberField>(parsed.error) };
  const { email, displayName, password } = parsed.data;
  const taken = await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
  if (taken) return { ok: false, fieldErrors: { email: "account.members.error.emailTaken" } };
  const passwordHash = await hashPassword(password);
  try {
    return await db.transaction().execute(async (trx) => {
      if (!(await stillAdmin(trx, admin))) return formError("account.members.error.notAdmin");
      const memberId = await insertUser(trx, { organisationId: admin.organisationId, email, displayName, passwordHash, mustChangePassword: true });
      await audit(trx, admin, "member.add", memberId, { email });
      return { ok: true as const, memberId };
    });
  } catch (error) {
    if (uniqueViolation(error) === "users_email_key") return { ok: false, fieldErrors: { email: "account.members.error.emailTaken" } };
    throw error;
  }
}

/** A first password someone else chose: the account's sessions end, and its owner must set their own at log-in. */
async function setFirstPassword(trx: Transaction<DB>, userId: number, passwordHash: string, now: Date): Promise<void> {
  await trx.updateTable("users").set({ password_hash: passwordHash, must_change_password: true, password_changed_at: now }).where("id", "=", userId).execute();
  await deleteUserSessions(trx, userId);
}

const firstPasswordSchema = z.object({ email: emailSchema, password: newPasswordSchema });
export type FirstPasswordField = keyof z.input<typeof firstPasswordSchema>;

/**
 * The operator's way back in for someone no administrator can help (the only administrator forgot their password):
 * a first password for the account with this e-mail, from the command line (npm run user:password).
 */
export async function issueFirstPassword(
  db: Kysely<DB>,
  input: Partial<Record<FirstPasswordField, unknown>>,
  now: Date = new Date(),
): Promise<{ ok: true; userId: number; displayName: string } | Rejected<FirstPasswordField>> {
  const parsed = firstPasswordSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<FirstPasswordField>(parsed.error) };
  const user = await db.selectFrom("users").select(["id", "display_name"]).where("email", "=", parsed.data.email).executeTakeFirst();
  if (!user) return { ok: false, fieldErrors: { email: "account.members.error.noSuchEmail" } };
  const passwordHash = await hashPassword(parsed.data.password);
  await db.transaction().execute(async (trx) => {
    await setFirstPassword(trx, user.id, passwordHash, now);
    await trx
      .insertInto("audit_log")
      .values({ actor_user_id: null, action: "member.reset_password", subject_type: "user", subject_id: String(user.id), detail: { by: "command line" } })
      .execute();
  });
  return { ok: true, userId: user.id, displayName: user.display_name };
}


const changeSchema = z.discriminatedUnion("change", [
  z.object({ change: z.enum(["disable", "enable", "make_admin", "revoke_admin"]) }),
  z.object({ change: z.literal("reset_password"), password: newPasswordSchema }),
]);
export type MemberChangeField = "password";

/** The database's refusal to leave an organisation without a working administrator. */
function lastAdminRefusal(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "AC001";
}

/**
 * One change to a colleague's account. Switching an account off or giving it a new first password ends its sessions
 * at once. Administrators cannot switch off their own account (another administrator can), and the organisation
 * keeps at least one working administrator.
 */
export async function changeMember(
  db: Kysely<DB>,
  admin: Admin,
  input: { memberId: unknown; change: unknown; password?: unknown },
  now: Date = new Date(),
): Promise<{ ok: true; change: MemberChange; member: { id: number; displayName: string } } | Rejected<MemberChangeField>> {
  const memberId = idFrom(input.memberId);
  if (memberId === null) return formError("account.members.error.notFound");
  if (!(MEMBER_CHANGES as readonly unknown[]).includes(input.change)) return formError("account.members.error.unknownChange");
  const parsed = changeSchema.safeParse({ change: input.change, password: input.password });
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<MemberChangeField>(parsed.error) };
  const request = parsed.data;
  if (memberId === admin.id && request.change === "disable") return formError("account.members.error.disableSelf");
  if (memberId === admin.id && request.change === "reset_password") return formError("account.members.error.resetSelf");
  const passwordHash = request.change === "reset_password" ? await hashPassword(request.password) : null;

  try {
    return await db.transaction().execute(async (trx) => {
      if (!(await stillAdmin(trx, admin))) return formError("account.members.error.notAdmin");
      const member = await trx
        .selectFrom("users")
        .select(["id", "display_name"])
        .where("id", "=", memberId)
        .where("organisation_id", "=", admin.organisationId)
        .forUpdate()
        .executeTakeFirst();
      if (!member) return formError("account.members.error.notFound");
      const update = trx.updateTable("users").where("id", "=", member.id);
      switch (request.change) {
        case "disable":
          await update.set({ disabled_at: now }).where("disabled_at", "is", null).execute();
          await deleteUserSessions(trx, member.id);
          break;
        case "enable":
          await update.set({ disabled_at: null }).execute();
          break;
        case "make_admin":
          await update.set({ is_org_admin: true }).execute();
          break;
        case "revoke_admin":
          await update.set({ is_org_admin: false }).execute();
          break;
        case "reset_password":
          await setFirstPassword(trx, member.id, passwordHash as string, now);
          break;
      }
      await audit(trx, admin, `member.${request.change}`, member.id);
      return { ok: true as const, change: request.change, member: { id: member.id, displayName: member.display_name } };
    });
  } catch (error) {
    if (lastAdminRefusal(error)) return formError("account.members.error.lastAdmin");
    throw error;
  }
}
