import { describe, expect, it } from "vitest";
import { action as loginAction, loader as loginLoader } from "../../app/routes/login";
import { action as logoutAction } from "../../app/routes/logout";
import { action as signupAction, loader as signupLoader } from "../../app/routes/signup";
import { makeCreditCode } from "../../app/services/accounts/credit-code";
import { getSessionUser, requireUser } from "../../app/session.server";
import { formRequest, refused, useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };
const args = (request: Request) => ({ request, context, params: {} });

function sessionCookieOf(response: Response): string {
  const header = response.headers.get("Set-Cookie") ?? "";
  const match = /^__session=([^;]*)/.exec(header);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return `__session=${match[1]}`;
}

const SIGN_UP = {
  organisationType: "institute",
  organisationName: "中国船舶集团有限公司第七二五研究所",
  creditCode: makeCreditCode("12", "100000", "400011234"),
  region: "jianxi",
  displayName: "赵老师",
  email: "zhao@725.example.cn",
  password: "materials and more",
};

describeEachEngine("auth routes", (db, engine) => {
  useAppDatabase(db, engine);

  describe("sign-up", () => {
    it("answers an empty form with field errors (400), not a 500", async () => {
      const { status, body } = refused(await signupAction(args(formRequest(`${BASE}/signup`, {}))));
      expect(status).toBe(400);
      expect(body.fieldErrors).toEqual({
        organisationType: "auth.error.organisationTypeRequired",
        organisationName: "auth.error.required",
        creditCode: "auth.error.required",
        displayName: "auth.error.required",
        email: "auth.error.required",
        password: "auth.error.required",
      });
    });

    it("keeps what was typed except the password, and refuses a bad credit code", async () => {
      const form = { ...SIGN_UP, creditCode: "911100001000009640" };
      const { status, body } = refused(await signupAction(args(formRequest(`${BASE}/signup`, form))));
      expect(status).toBe(400);
      expect(body.fieldErrors).toEqual({ creditCode: "auth.error.creditCode.checksum" });
      const { password: _password, ...withoutPassword } = form;
      expect(body.values).toEqual(withoutPassword);
      expect(JSON.stringify(body)).not.toContain(SIGN_UP.password);
      expect(await db().selectFrom("users").select("id").where("email", "=", SIGN_UP.email).execute()).toEqual([]);
    });

    it("signs up, signs in and goes to a same-site redirectTo", async () => {
      const response = await signupAction(args(formRequest(`${BASE}/signup`, { ...SIGN_UP, redirectTo: "/institution/results" })));
      expect(response).toBeInstanceOf(Response);
      if (!(response instanceof Response)) return;
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/institution/results");
      const cookie = sessionCookieOf(response);
      const user = await getSessionUser(new Request(`${BASE}/`, { headers: { Cookie: cookie } }));
      expect(user).toMatchObject({ email: SIGN_UP.email, role: "institution", organisationName: SIGN_UP.organisationName });
      // Signed in: the sign-up page sends the user on.
      await expect(signupLoader(args(new Request(`${BASE}/signup`, { headers: { Cookie: cookie } })))).rejects.toSatisfy(
        (r: unknown) => r instanceof Response && r.headers.get("Location") === "/",
      );
    });

    it("answers a duplicate e-mail with a field error", async () => {
      const { status, body } = refused(
        await signupAction(args(formRequest(`${BASE}/signup`, { ...SIGN_UP, creditCode: makeCreditCode("12", "100000", "400019999") }))),
      );
      expect(status).toBe(400);
      expect(body.fieldErrors).toEqual({ email: "auth.error.emailTaken" });
    });
  });

  describe("log-in and log-out", () => {
    it("answers missing and malformed fields with field errors (400)", async () => {
      const empty = refused(await loginAction(args(formRequest(`${BASE}/login`, {}))));
      expect(empty.status).toBe(400);
      expect(empty.body.fieldErrors).toEqual({ email: "auth.error.required", password: "auth.error.required" });
      const malformed = refused(await loginAction(args(formRequest(`${BASE}/login`, { email: "zhao at 725", password: "x" }))));
      expect(malformed.body).toMatchObject({ fieldErrors: { email: "auth.error.emailInvalid" }, values: { email: "zhao at 725" } });
    });

    it("gives a wrong password a generic form error and never echoes it", async () => {
      const { status, body } = refused(await loginAction(args(formRequest(`${BASE}/login`, { email: SIGN_UP.email, password: "not my password" }))));
      expect(status).toBe(400);
      expect(body).toEqual({ fieldErrors: {}, formError: { key: "auth.error.invalidCredentials" }, values: { email: SIGN_UP.email } });
    });

    it("logs in with a rotated session, guards roles, and logs out", async () => {
      const before = await loginAction(args(formRequest(`${BASE}/login`, { email: SIGN_UP.email, password: SIGN_UP.password })));
      if (!(before instanceof Response)) throw new Error("expected a redirect");
      const firstCookie = sessionCookieOf(before);
      expect(before.headers.get("Location")).toBe("/");

      // Off-site targets fall back to "/"; the old session is replaced by a new token.
      const response = await loginAction(
        args(
          formRequest(
            `${BASE}/login`,
            { email: SIGN_UP.email.toUpperCase(), password: SIGN_UP.password, redirectTo: "//evil.example/steal" },
            { Cookie: firstCookie },
          ),
        ),
      );
      if (!(response instanceof Response)) throw new Error("expected a redirect");
      expect(response.headers.get("Location")).toBe("/");
      const setCookie = response.headers.get("Set-Cookie") ?? "";
      expect(setCookie).toMatch(/^__session=[A-Za-z0-9_-]{43}; /);
      expect(setCookie).toContain("HttpOnly");
      expect(setCookie).toContain("SameSite=Lax");
      expect(setCookie).toContain("Path=/");
      expect(setCookie).toContain("Max-Age=2592000");
      expect(setCookie).not.toContain("Secure");
      const cookie = sessionCookieOf(response);
      expect(cookie).not.toBe(firstCookie);
      expect(await getSessionUser(new Request(`${BASE}/`, { headers: { Cookie: firstCookie } }))).toBeNull();

      const page = (path: string) => new Request(`${BASE}${path}`, { headers: { Cookie: `lang=x; ${cookie}` } });
      expect(await requireUser(page("/institution/results"), ["institution"])).toMatchObject({ email: SIGN_UP.email });
      await expect(requireUser(page("/bureau/contracts"), ["bureau", "operator"])).rejects.toSatisfy(
        (r: unknown) => r instanceof Response && r.status === 403,
      );
      await expect(requireUser(new Request(`${BASE}/orders?page=2`))).rejects.toSatisfy(
        (r: unknown) => r instanceof Response && r.status === 302 && r.headers.get("Location") === "/login?redirectTo=%2Forders%3Fpage%3D2",
      );
      await expect(loginLoader(args(page("/login?redirectTo=%2Forders")))).rejects.toSatisfy(
        (r: unknown) => r instanceof Response && r.headers.get("Location") === "/orders",
      );

      const out = await logoutAction(args(new Request(`${BASE}/logout`, { method: "POST", headers: { Cookie: cookie } })));
      expect(out.headers.get("Location")).toBe("/");
      expect(out.headers.get("Set-Cookie")).toMatch(/^__session=; .*Max-Age=0/);
      expect(await getSessionUser(page("/"))).toBeNull();
    });

    it("marks the cookie Secure over https", async () => {
      const response = await loginAction(args(formRequest("https://market.example/login", { email: SIGN_UP.email, password: SIGN_UP.password })));
      if (!(response instanceof Response)) throw new Error("expected a redirect");
      expect(response.headers.get("Set-Cookie")).toMatch(/; Secure$/);
    });

    it("answers a locked-out e-mail with 429 and the wait", async () => {
      const email = "locked@example.com";
      for (let i = 0; i < 5; i++) await loginAction(args(formRequest(`${BASE}/login`, { email, password: `guess ${i} guess` })));
      const { status, body } = refused(await loginAction(args(formRequest(`${BASE}/login`, { email, password: "any password" }))));
      expect(status).toBe(429);
      expect(body.formError).toEqual({ key: "auth.error.tooManyAttempts", params: { minutes: 15 } });
    });
  });
});
