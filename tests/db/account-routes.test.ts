import { expect, it } from "vitest";
import { action as accountAction, loader as accountLoader } from "../../app/routes/account._index";
import { action as membersAction, loader as membersLoader } from "../../app/routes/account.members";
import { loader as ordersLoader } from "../../app/routes/institution.orders._index";
import { action as loginAction } from "../../app/routes/login";
import { makeCreditCode } from "../../app/services/accounts/credit-code";
import { createSession, resolveSession } from "../../app/services/accounts/sessions";
import { signUp } from "../../app/services/accounts/sign-up";
import { formRequest, location, refused, thrown, useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };
const args = (request: Request) => ({ request, context, params: {} });

describeEachEngine("account routes", (db, engine) => {
  useAppDatabase(db, engine);

  async function signedUpAdmin() {
    const email = `route-admin-${Math.random().toString(36).slice(2, 8)}@members.example`;
    const result = await signUp(db(), {
      organisationType: "institute",
      organisationName: `账户路由研究所${Math.random().toString(36).slice(2, 6)}`,
      creditCode: makeCreditCode("12", "410300", String(Math.floor(Math.random() * 1e9)).padStart(9, "0")),
      displayName: "吴所长",
      email,
      password: "admin password 1",
    });
    if (!result.ok) throw new Error("sign-up failed");
    const { token } = await createSession(db(), result.user.id);
    return { user: result.user, cookie: `__session=${token}`, token };
  }

  const get = (path: string, cookie: string) => new Request(`${BASE}${path}`, { headers: { Cookie: cookie } });
  const post = (path: string, cookie: string, fields: Record<string, string>) => formRequest(`${BASE}${path}`, fields, { Cookie: cookie });

  it("sends a signed-out visitor to log in", async () => {
    const response = await thrown(accountLoader(args(new Request(`${BASE}/account`))));
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Faccount");
  });

  it("opens a colleague's account; their first log-in leads to setting a password, then to where they were going", async () => {
    const admin = await signedUpAdmin();
    const email = `new-colleague-${Math.random().toString(36).slice(2, 8)}@members.example`;
    const refusedAdd = refused(await membersAction(args(post("/account/members", admin.cookie, { intent: "add", displayName: "郑博士", email, password: "short" }))));
    expect(refusedAdd).toMatchObject({ status: 400, body: { target: "add", fieldErrors: { password: "auth.error.passwordTooShort" }, values: { displayName: "郑博士", email } } });
    expect(JSON.stringify(refusedAdd.body)).not.toContain("short");

    const added = location(await membersAction(args(post("/account/members", admin.cookie, { intent: "add", displayName: "郑博士", email, password: "given in person" }))));
    expect(added).toBe(`/account/members?${new URLSearchParams({ done: "add", name: "郑博士" })}`);

    const login = await loginAction(args(formRequest(`${BASE}/login`, { email, password: "given in person", redirectTo: "/institution/orders" })));
    expect(location(login)).toBe("/account?redirectTo=%2Finstitution%2Forders");
    const cookie = /^(__session=[^;]+)/.exec((login as Response).headers.get("Set-Cookie") ?? "")?.[1] ?? "";

    // Every workspace page sends them back until the password is theirs.
    const detour = await thrown(ordersLoader(args(get("/institution/orders", cookie))));
    expect(detour.headers.get("Location")).toBe("/account?redirectTo=%2Finstitution%2Forders");
    const page = await accountLoader(args(get("/account?redirectTo=%2Finstitution%2Forders", cookie)));
    expect(page.user).toMatchObject({ email, mustChangePassword: true, isOrgAdmin: false });

    const mismatch = refused(
      await accountAction(
        args(post("/account", cookie, { intent: "password", currentPassword: "given in person", newPassword: "all mine now", confirmPassword: "all mine now!", redirectTo: "/institution/orders" })),
      ),
    );
    expect(mismatch).toEqual({ status: 400, body: { form: "password", fieldErrors: { confirmPassword: "account.error.passwordMismatch" }, formError: null } });
    const changed = await accountAction(
      args(post("/account", cookie, { intent: "password", currentPassword: "given in person", newPassword: "all mine now", confirmPassword: "all mine now", redirectTo: "/institution/orders" })),
    );
    expect(location(changed)).toBe("/institution/orders");
    expect(await ordersLoader(args(get("/institution/orders", cookie)))).toBeTruthy();
  });

  it("shows members read-only to a non-administrator and refuses their changes", async () => {
    const admin = await signedUpAdmin();
    const email = `member-${Math.random().toString(36).slice(2, 8)}@members.example`;
    await membersAction(args(post("/account/members", admin.cookie, { intent: "add", displayName: "冯工", email, password: "given in person" })));
    const member = await db().selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
    await db().updateTable("users").set({ must_change_password: false }).where("id", "=", member.id).execute();
    const { token } = await createSession(db(), member.id);
    const cookie = `__session=${token}`;

    const page = await membersLoader(args(get("/account/members", cookie)));
    expect(page.me).toMatchObject({ id: member.id, isOrgAdmin: false });
    expect(page.members.map((m) => m.email)).toEqual([admin.user.email, email]);

    const add = refused(await membersAction(args(post("/account/members", cookie, { intent: "add", displayName: "褚工", email: "chu@members.example", password: "given in person" }))));
    expect(add).toMatchObject({ status: 403, body: { error: { key: "account.members.error.notAdmin" } } });
    const change = refused(await membersAction(args(post("/account/members", cookie, { intent: "change", memberId: String(admin.user.id), change: "disable" }))));
    expect(change).toMatchObject({ status: 400, body: { target: `${admin.user.id}-disable`, error: { key: "account.members.error.notAdmin" } } });
    expect(await resolveSession(db(), admin.token)).toMatchObject({ id: admin.user.id });
  });

  it("switches a colleague off from the list, and says why the last administrator cannot step down", async () => {
    const admin = await signedUpAdmin();
    const email = `leaver-${Math.random().toString(36).slice(2, 8)}@members.example`;
    await membersAction(args(post("/account/members", admin.cookie, { intent: "add", displayName: "卫工", email, password: "given in person" })));
    const member = await db().selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
    const off = await membersAction(args(post("/account/members", admin.cookie, { intent: "change", memberId: String(member.id), change: "disable" })));
    expect(location(off)).toBe(`/account/members?${new URLSearchParams({ done: "disable", name: "卫工" })}`);
    const last = refused(await membersAction(args(post("/account/members", admin.cookie, { intent: "change", memberId: String(admin.user.id), change: "revoke_admin" }))));
    expect(last).toMatchObject({ status: 400, body: { target: `${admin.user.id}-revoke_admin`, error: { key: "account.members.error.lastAdmin" } } });
    const page = await membersLoader(args(get("/account/members", admin.cookie)));
    expect(page.members.map((m) => [m.displayName, m.isOrgAdmin, m.disabledAt !== null])).toEqual([
      ["吴所长", true, false],
      ["卫工", false, true],
    ]);
  });

  it("saves a name and signs out the other devices", async () => {
    const admin = await signedUpAdmin();
    const other = await createSession(db(), admin.user.id);
    expect(location(await accountAction(args(post("/account", admin.cookie, { intent: "profile", displayName: "吴研究员" }))))).toBe("/account?saved=profile");
    expect(refused(await accountAction(args(post("/account", admin.cookie, { intent: "profile", displayName: "" }))))).toEqual({
      status: 400,
      body: { form: "profile", fieldErrors: { displayName: "auth.error.required" } },
    });
    expect(location(await accountAction(args(post("/account", admin.cookie, { intent: "end-sessions" }))))).toBe("/account?saved=sessions&ended=1");
    expect(await resolveSession(db(), other.token)).toBeNull();
    const page = await accountLoader(args(get("/account", admin.cookie)));
    expect(page.user.displayName).toBe("吴研究员");
    expect(page.devices).toEqual([{ device: null, current: true, sessions: 1, latest: expect.any(String) }]);
  });
});
