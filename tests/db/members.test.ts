import { sql } from "kysely";
import { expect, it } from "vitest";
import { authenticate } from "../../app/services/accounts/authenticate";
import { makeCreditCode } from "../../app/services/accounts/credit-code";
import { addMember, changeMember, issueFirstPassword, listMembers } from "../../app/services/accounts/members";
import { changePassword, endOtherSessions, updateProfile } from "../../app/services/accounts/profile";
import { createSession, listUserSessions, resolveSession } from "../../app/services/accounts/sessions";
import { signUp } from "../../app/services/accounts/sign-up";
import type { SessionUser } from "../../app/services/accounts/types";
import { openDatabase } from "../../db/client";
import { describeEachEngine } from "../helpers/db";

let serial = 0;

describeEachEngine("organisation members and own account", (db, engine) => {
  /** A freshly signed-up institution: its first user, who is its administrator. */
  async function institution(): Promise<SessionUser> {
    serial++;
    const result = await signUp(db(), {
      organisationType: "university",
      organisationName: `成员测试大学${serial}-${Math.random().toString(36).slice(2, 6)}`,
      creditCode: makeCreditCode("12", "410300", String(Math.floor(Math.random() * 1e9)).padStart(9, "0")),
      displayName: "管理员",
      email: `admin-${serial}-${Math.random().toString(36).slice(2, 8)}@members.example`,
      password: "first admin password",
    });
    if (!result.ok) throw new Error(`sign-up failed: ${JSON.stringify(result)}`);
    return result.user;
  }

  async function colleague(admin: SessionUser, name = "李研究员") {
    const email = `c-${Math.random().toString(36).slice(2, 10)}@members.example`;
    const added = await addMember(db(), admin, { displayName: name, email, password: "handed over 123" });
    if (!added.ok) throw new Error(`add failed: ${JSON.stringify(added)}`);
    return { id: added.memberId, email };
  }

  async function signIn(email: string, password: string) {
    const result = await authenticate(db(), { email, password, ip: "10.0.0.1" });
    if (!result.ok) throw new Error(`log-in failed: ${JSON.stringify(result)}`);
    return result.user;
  }

  it("makes an organisation's first user its administrator, and no one after", async () => {
    const admin = await institution();
    expect(admin).toMatchObject({ isOrgAdmin: true, mustChangePassword: false });
    const { id } = await colleague(admin);
    const members = await listMembers(db(), admin.organisationId);
    expect(members.map((m) => [m.id, m.isOrgAdmin, m.mustChangePassword])).toEqual([
      [admin.id, true, false],
      [id, false, true],
    ]);
  });

  it("refuses a new colleague with bad or taken fields, and anyone who is not an administrator", async () => {
    const admin = await institution();
    expect(await addMember(db(), admin, {})).toEqual({
      ok: false,
      fieldErrors: { email: "auth.error.required", displayName: "auth.error.required", password: "auth.error.required" },
    });
    expect(await addMember(db(), admin, { displayName: "张三", email: admin.email.toUpperCase(), password: "long enough pw" })).toEqual({
      ok: false,
      fieldErrors: { email: "account.members.error.emailTaken" },
    });
    expect(await addMember(db(), admin, { displayName: "张三", email: "zhang@members.example", password: "short" })).toMatchObject({
      fieldErrors: { password: "auth.error.passwordTooShort" },
    });
    const member = await colleague(admin);
    expect(await addMember(db(), { id: member.id, organisationId: admin.organisationId }, { displayName: "王五", email: "wang5@members.example", password: "long enough pw" })).toEqual({
      ok: false,
      fieldErrors: {},
      formError: { key: "account.members.error.notAdmin", params: undefined },
    });
    expect(await db().selectFrom("users").select("id").where("email", "in", ["zhang@members.example", "wang5@members.example"]).execute()).toEqual([]);
  });

  it("sends a colleague with a first password to set their own, checks the current one, and ends their other sessions", async () => {
    const admin = await institution();
    const { id, email } = await colleague(admin);
    const user = await signIn(email, "handed over 123");
    expect(user).toMatchObject({ id, isOrgAdmin: false, mustChangePassword: true });
    const phone = await createSession(db(), id, { userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1" });
    const laptop = await createSession(db(), id, { userAgent: "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36" });
    const options = { sessionToken: laptop.token, ip: "10.0.0.1" };

    expect(await changePassword(db(), user, { currentPassword: "handed over 123", newPassword: "my own secret 1", confirmPassword: "my own secret 2" }, options)).toEqual({
      ok: false,
      fieldErrors: { confirmPassword: "account.error.passwordMismatch" },
    });
    expect(await changePassword(db(), user, { currentPassword: "handed over 123", newPassword: "handed over 123", confirmPassword: "handed over 123" }, options)).toEqual({
      ok: false,
      fieldErrors: { newPassword: "account.error.passwordUnchanged" },
    });
    expect(await changePassword(db(), user, { currentPassword: "wrong guess 99", newPassword: "my own secret 1", confirmPassword: "my own secret 1" }, options)).toEqual({
      ok: false,
      fieldErrors: { currentPassword: "account.error.currentPasswordWrong" },
    });
    // The wrong guess counts as a failed log-in.
    const failures = await db().selectFrom("login_attempts").select("id").where("email", "=", email).where("succeeded", "=", false).execute();
    expect(failures).toHaveLength(1);
    expect(await resolveSession(db(), phone.token)).toMatchObject({ id, mustChangePassword: true });

    expect(await changePassword(db(), user, { currentPassword: "handed over 123", newPassword: "my own secret 1", confirmPassword: "my own secret 1" }, options)).toEqual({
      ok: true,
      otherSessionsEnded: 1,
    });
    expect(await resolveSession(db(), phone.token)).toBeNull();
    expect(await resolveSession(db(), laptop.token)).toMatchObject({ id, mustChangePassword: false });
    expect(await signIn(email, "my own secret 1")).toMatchObject({ mustChangePassword: false });
    expect((await authenticate(db(), { email, password: "handed over 123" })).ok).toBe(false);
    const audit = await db().selectFrom("audit_log").select(["action", "actor_user_id"]).where("subject_type", "=", "user").where("subject_id", "=", String(id)).orderBy("id").execute();
    expect(audit).toEqual([
      { action: "member.add", actor_user_id: admin.id },
      { action: "account.password_change", actor_user_id: id },
    ]);
  });

  it("stops guesses at the current password once the log-in limit is reached", async () => {
    const admin = await institution();
    const attempt = () =>
      changePassword(db(), admin, { currentPassword: "not it at all", newPassword: "another password", confirmPassword: "another password" }, { sessionToken: null });
    for (let i = 0; i < 5; i++) expect(await attempt()).toMatchObject({ fieldErrors: { currentPassword: "account.error.currentPasswordWrong" } });
    expect(await attempt()).toMatchObject({ ok: false, formError: { key: "auth.error.tooManyAttempts" } });
    // Even the right password is not looked at now.
    expect(
      await changePassword(db(), admin, { currentPassword: "first admin password", newPassword: "another password", confirmPassword: "another password" }, { sessionToken: null }),
    ).toMatchObject({ ok: false, formError: { key: "auth.error.tooManyAttempts" } });
  });

  it("lists the user's devices, ends the others, and saves a new name", async () => {
    const admin = await institution();
    const here = await createSession(db(), admin.id, { userAgent: "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36 MicroMessenger/8.0" });
    await createSession(db(), admin.id, { userAgent: null });
    const devices = await listUserSessions(db(), admin.id, here.token);
    expect(devices.map((d) => d.current).sort()).toEqual([false, true]);
    expect(await endOtherSessions(db(), admin, here.token)).toBe(1);
    expect((await listUserSessions(db(), admin.id, here.token)).map((d) => d.current)).toEqual([true]);
    expect(await updateProfile(db(), admin, { displayName: "   " })).toEqual({ ok: false, fieldErrors: { displayName: "auth.error.required" } });
    expect(await updateProfile(db(), admin, { displayName: " 王主任 " })).toEqual({ ok: true });
    expect(await resolveSession(db(), here.token)).toMatchObject({ displayName: "王主任" });
  });

  it("switches an account off (signed out at once, log-in refused) and on again", async () => {
    const admin = await institution();
    const { id, email } = await colleague(admin, "赵离职");
    const session = await createSession(db(), id);
    expect(await changeMember(db(), admin, { memberId: String(id), change: "disable" })).toEqual({
      ok: true,
      change: "disable",
      member: { id, displayName: "赵离职" },
    });
    expect(await resolveSession(db(), session.token)).toBeNull();
    expect(await db().selectFrom("sessions").select("id").where("user_id", "=", id).execute()).toEqual([]);
    // The right password learns that the account is off; a wrong one learns nothing.
    expect(await authenticate(db(), { email, password: "handed over 123" })).toMatchObject({ ok: false, reason: "disabled" });
    expect(await authenticate(db(), { email, password: "wrong password" })).toMatchObject({ ok: false, reason: "invalid_credentials" });
    expect((await listMembers(db(), admin.organisationId)).at(-1)).toMatchObject({ id, disabledAt: expect.any(Date) });

    expect(await changeMember(db(), admin, { memberId: String(id), change: "enable" })).toMatchObject({ ok: true });
    expect(await signIn(email, "handed over 123")).toMatchObject({ id });
    expect((await listMembers(db(), admin.organisationId)).find((m) => m.id === id)?.lastLoginAt).toBeInstanceOf(Date);
  });

  it("gives a colleague a new first password: signed out, must change it", async () => {
    const admin = await institution();
    const { id, email } = await colleague(admin);
    const user = await signIn(email, "handed over 123");
    await changePassword(db(), user, { currentPassword: "handed over 123", newPassword: "forgotten later", confirmPassword: "forgotten later" }, { sessionToken: null });
    const session = await createSession(db(), id);
    expect(await changeMember(db(), admin, { memberId: String(id), change: "reset_password", password: "short" })).toMatchObject({
      ok: false,
      fieldErrors: { password: "auth.error.passwordTooShort" },
    });
    expect(await changeMember(db(), admin, { memberId: String(id), change: "reset_password", password: "new first one 7" })).toMatchObject({ ok: true });
    expect(await resolveSession(db(), session.token)).toBeNull();
    expect(await signIn(email, "new first one 7")).toMatchObject({ mustChangePassword: true });
  });

  it("gives the only administrator, locked out, a first password from the command line's service", async () => {
    const admin = await institution();
    const session = await createSession(db(), admin.id);
    expect(await issueFirstPassword(db(), { email: "nobody@members.example", password: "long enough 1" })).toEqual({
      ok: false,
      fieldErrors: { email: "account.members.error.noSuchEmail" },
    });
    expect(await issueFirstPassword(db(), { email: admin.email, password: "short" })).toEqual({ ok: false, fieldErrors: { password: "auth.error.passwordTooShort" } });
    expect(await resolveSession(db(), session.token)).toMatchObject({ id: admin.id });
    expect(await issueFirstPassword(db(), { email: ` ${admin.email.toUpperCase()} `, password: "from the operator" })).toEqual({
      ok: true,
      userId: admin.id,
      displayName: "管理员",
    });
    expect(await resolveSession(db(), session.token)).toBeNull();
    expect(await signIn(admin.email, "from the operator")).toMatchObject({ id: admin.id, mustChangePassword: true, isOrgAdmin: true });
  });

  it("refuses changes to oneself that need another administrator, to other organisations' accounts, and from members", async () => {
    const admin = await institution();
    const other = await institution();
    const member = await colleague(admin);
    const refusal = (key: string) => ({ ok: false, fieldErrors: {}, formError: { key, params: undefined } });
    expect(await changeMember(db(), admin, { memberId: String(admin.id), change: "disable" })).toEqual(refusal("account.members.error.disableSelf"));
    expect(await changeMember(db(), admin, { memberId: String(admin.id), change: "reset_password", password: "long enough 1" })).toEqual(
      refusal("account.members.error.resetSelf"),
    );
    expect(await changeMember(db(), admin, { memberId: String(other.id), change: "disable" })).toEqual(refusal("account.members.error.notFound"));
    expect(await changeMember(db(), admin, { memberId: "1 or 1=1", change: "disable" })).toEqual(refusal("account.members.error.notFound"));
    expect(await changeMember(db(), admin, { memberId: String(member.id), change: "delete" })).toEqual(refusal("account.members.error.unknownChange"));
    const asMember = { id: member.id, organisationId: admin.organisationId };
    expect(await changeMember(db(), asMember, { memberId: String(admin.id), change: "revoke_admin" })).toEqual(refusal("account.members.error.notAdmin"));
    const rows = await db().selectFrom("users").select(["id", "is_org_admin", "disabled_at"]).where("id", "in", [admin.id, other.id, member.id]).orderBy("id").execute();
    expect(rows.map((r) => [r.is_org_admin, r.disabled_at])).toEqual([
      [true, null],
      [true, null],
      [false, null],
    ]);
  });

  it("keeps one working administrator: the last cannot step down, in the service or in SQL", async () => {
    const admin = await institution();
    const member = await colleague(admin, "钱副主任");
    expect(await changeMember(db(), admin, { memberId: String(admin.id), change: "revoke_admin" })).toEqual({
      ok: false,
      fieldErrors: {},
      formError: { key: "account.members.error.lastAdmin", params: undefined },
    });
    await expect(sql`update users set is_org_admin = false where id = ${admin.id}`.execute(db())).rejects.toMatchObject({ code: "AC001" });
    await expect(sql`update users set disabled_at = now() where id = ${admin.id}`.execute(db())).rejects.toMatchObject({ code: "AC001" });
    // Hand over first, then step down.
    expect(await changeMember(db(), admin, { memberId: String(member.id), change: "make_admin" })).toMatchObject({ ok: true });
    expect(await changeMember(db(), admin, { memberId: String(admin.id), change: "revoke_admin" })).toMatchObject({ ok: true });
    const after = await listMembers(db(), admin.organisationId);
    expect(after.map((m) => [m.id, m.isOrgAdmin])).toEqual([
      [member.id, true],
      [admin.id, false],
    ]);
    // A third colleague keeps the organisation working, so its one administrator cannot be switched off…
    const third = await colleague({ ...admin, id: member.id }, "周工程师");
    expect(await changeMember(db(), { id: member.id, organisationId: admin.organisationId }, { memberId: String(admin.id), change: "disable" })).toMatchObject({ ok: true });
    await expect(sql`update users set disabled_at = now() where id = ${member.id}`.execute(db())).rejects.toMatchObject({ code: "AC001" });
    // …but an organisation whose accounts are all off (it has left the market) has no administrator to keep.
    await sql`update users set disabled_at = now() where id = ${third.id}`.execute(db());
    await sql`update users set disabled_at = now() where id = ${member.id}`.execute(db());
  });

  if (engine === "postgres") {
    it("two administrators stepping down at the same moment: exactly one succeeds", async () => {
      const first = await institution();
      const second = await colleague(first, "孙主任");
      await changeMember(db(), first, { memberId: String(second.id), change: "make_admin" });
      // Two connections, each holding its update until both have been sent, so the triggers really overlap.
      const server = process.env.TEST_DATABASE_URL as string;
      const current = await sql<{ name: string }>`select current_database() as name`.execute(db());
      const target = new URL(server);
      target.pathname = `/${current.rows[0].name}`;
      const a = await openDatabase({ url: target.toString(), maxConnections: 2 });
      try {
        const outcomes = await Promise.allSettled(
          [first.id, second.id].map((id) =>
            a.db.transaction().execute(async (trx) => {
              await sql`update users set is_org_admin = false where id = ${id}`.execute(trx);
              await sql`select pg_sleep(0.2)`.execute(trx);
            }),
          ),
        );
        expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
        const rejected = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
        expect(rejected.reason).toMatchObject({ code: "AC001" });
      } finally {
        await a.close();
      }
      const admins = (await listMembers(db(), first.organisationId)).filter((m) => m.isOrgAdmin);
      expect(admins).toHaveLength(1);
    });
  }
});
