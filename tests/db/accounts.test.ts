import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authenticate, LOGIN_ATTEMPTS_KEEP_DAYS, LOGIN_LIMITS, pruneLoginAttempts } from "../../app/services/accounts/authenticate";
import { makeCreditCode } from "../../app/services/accounts/credit-code";
import { createSession, deleteSession, deleteUserSessions, resolveSession, SESSION_TTL_MS } from "../../app/services/accounts/sessions";
import { signUp, type SignUpInput } from "../../app/services/accounts/sign-up";
import { createStaffUser } from "../../app/services/accounts/staff";
import type { Database } from "../../db/client";
import { describeEachEngine } from "../helpers/db";

const MINUTE = 60_000;
let serial = 0;

/** A valid enterprise sign-up with a fresh e-mail and credit code each time. */
function enterprise(overrides: SignUpInput = {}): SignUpInput {
  serial++;
  return {
    organisationType: "enterprise",
    organisationName: `洛阳测试科技有限公司${serial}`,
    creditCode: makeCreditCode("91", "410300", `MA${String(100_000 + serial)}X`),
    region: "jianxi",
    displayName: "张经理",
    email: `buyer${serial}@example.com`,
    password: "correct horse battery",
    ...overrides,
  };
}

async function counts(db: Database) {
  const [orgs, users] = await Promise.all([
    db.selectFrom("organisations").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
    db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { organisations: Number(orgs.n), users: Number(users.n) };
}

describeEachEngine("accounts", (db) => {
  describe("signUp", () => {
    it("creates the organisation and its first user", async () => {
      const input = enterprise({ email: "  Chen.Li@Example.COM ", creditCode: "9144030071526726xg" });
      const result = await signUp(db(), input);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.user).toMatchObject({ email: "chen.li@example.com", displayName: "张经理", role: "enterprise" });
      const org = await db().selectFrom("organisations").selectAll().where("id", "=", result.user.organisationId).executeTakeFirstOrThrow();
      expect(org).toMatchObject({ kind: "enterprise", institution_type: null, credit_code: "9144030071526726XG", region: "jianxi" });
      const user = await db().selectFrom("users").selectAll().where("id", "=", result.user.id).executeTakeFirstOrThrow();
      expect(user.password_hash).toMatch(/^\$argon2id\$/);
      expect(user.password_hash).not.toContain("correct horse");
      const audit = await db().selectFrom("audit_log").selectAll().where("action", "=", "account.sign_up").execute();
      expect(audit.map((a) => a.subject_id)).toContain(String(org.id));
    });

    it("records an institution's type and leaves the region empty when not given", async () => {
      const result = await signUp(db(), enterprise({ organisationType: "university", organisationName: "河南科技大学", region: "" }));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.user.role).toBe("institution");
      const org = await db().selectFrom("organisations").selectAll().where("id", "=", result.user.organisationId).executeTakeFirstOrThrow();
      expect(org).toMatchObject({ kind: "institution", institution_type: "university", region: null });
    });

    it("refuses a duplicate e-mail (in any case) and writes nothing", async () => {
      await signUp(db(), enterprise({ email: "dup@example.com" }));
      const before = await counts(db());
      const result = await signUp(db(), enterprise({ email: "DUP@example.com" }));
      expect(result).toEqual({ ok: false, fieldErrors: { email: "auth.error.emailTaken" } });
      expect(await counts(db())).toEqual(before);
    });

    it("refuses a duplicate credit code and writes nothing", async () => {
      const code = makeCreditCode("12", "410300", "415800735");
      expect((await signUp(db(), enterprise({ creditCode: code }))).ok).toBe(true);
      const before = await counts(db());
      const result = await signUp(db(), enterprise({ creditCode: code.toLowerCase() }));
      expect(result).toEqual({ ok: false, fieldErrors: { creditCode: "auth.error.creditCodeTaken" } });
      expect(await counts(db())).toEqual(before);
    });

    it("reports a duplicate e-mail and credit code together", async () => {
      const first = enterprise();
      await signUp(db(), first);
      const result = await signUp(db(), enterprise({ email: first.email, creditCode: first.creditCode }));
      expect(result).toEqual({
        ok: false,
        fieldErrors: { email: "auth.error.emailTaken", creditCode: "auth.error.creditCodeTaken" },
      });
    });

    it("lets the database decide between two simultaneous sign-ups with one e-mail", async () => {
      const before = await counts(db());
      const results = await Promise.all([
        signUp(db(), enterprise({ email: "race@example.com" })),
        signUp(db(), enterprise({ email: "race@example.com" })),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, fieldErrors: { email: "auth.error.emailTaken" } });
      expect(await counts(db())).toEqual({ organisations: before.organisations + 1, users: before.users + 1 });
    });

    it("refuses invalid credit codes with the reason", async () => {
      const before = await counts(db());
      const cases: Array<[string, string]> = [
        ["911100001000009640", "auth.error.creditCode.checksum"],
        ["91350100M000100Y4", "auth.error.creditCode.length"],
        ["91350100M000100O43", "auth.error.creditCode.characters"],
        ["   ", "auth.error.required"],
      ];
      for (const [creditCode, key] of cases) {
        const result = await signUp(db(), enterprise({ creditCode }));
        expect(result, creditCode).toEqual({ ok: false, fieldErrors: { creditCode: key } });
      }
      expect(await counts(db())).toEqual(before);
    });

    it("answers missing and malformed fields with one error per field and writes nothing", async () => {
      const before = await counts(db());
      expect(await signUp(db(), {})).toEqual({
        ok: false,
        fieldErrors: {
          organisationType: "auth.error.organisationTypeRequired",
          organisationName: "auth.error.required",
          creditCode: "auth.error.required",
          displayName: "auth.error.required",
          email: "auth.error.required",
          password: "auth.error.required",
        },
      });
      const malformed = await signUp(
        db(),
        enterprise({
          organisationType: "bureau",
          organisationName: "   ",
          region: "beijing",
          displayName: "x".repeat(51),
          email: "not-an-email",
          password: "short",
        }),
      );
      expect(malformed).toEqual({
        ok: false,
        fieldErrors: {
          organisationType: "auth.error.organisationTypeRequired",
          organisationName: "auth.error.required",
          region: "auth.error.regionInvalid",
          displayName: "auth.error.tooLong",
          email: "auth.error.emailInvalid",
          password: "auth.error.passwordTooShort",
        },
      });
      // Values of the wrong type (a File from a multipart form, a number) are errors, not crashes.
      const wrongTypes = await signUp(db(), enterprise({ email: 42, password: new Blob(["x"]) }));
      expect(wrongTypes).toMatchObject({ ok: false, fieldErrors: { email: "auth.error.required", password: "auth.error.required" } });
      expect(await counts(db())).toEqual(before);
    });
  });

  describe("authenticate", () => {
    async function account(password = "correct horse battery") {
      const input = enterprise({ password });
      const result = await signUp(db(), input);
      if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
      return { email: String(input.email), password, user: result.user };
    }

    async function attempts(email: string) {
      return db().selectFrom("login_attempts").select(["succeeded", "ip"]).where("email", "=", email).orderBy("id").execute();
    }

    it("signs in with the right password, ignoring e-mail case, and records the attempt", async () => {
      const { email, password, user } = await account();
      const result = await authenticate(db(), { email: email.toUpperCase(), password, ip: "10.0.0.1" });
      expect(result).toEqual({ ok: true, user });
      expect(await attempts(email)).toEqual([{ succeeded: true, ip: "10.0.0.1" }]);
    });

    it("gives the same generic error for a wrong password and an unknown e-mail, and counts both", async () => {
      const { email } = await account();
      const wrong = await authenticate(db(), { email, password: "wrong password!", ip: "10.0.0.2" });
      const unknown = await authenticate(db(), { email: "nobody@example.com", password: "wrong password!", ip: "10.0.0.2" });
      const generic = { ok: false, reason: "invalid_credentials", fieldErrors: {}, formError: { key: "auth.error.invalidCredentials" } };
      expect(wrong).toEqual(generic);
      expect(unknown).toEqual(generic);
      expect(await attempts(email)).toEqual([{ succeeded: false, ip: "10.0.0.2" }]);
      expect(await attempts("nobody@example.com")).toEqual([{ succeeded: false, ip: "10.0.0.2" }]);
    });

    it("answers missing or malformed fields with field errors and does not count them", async () => {
      expect(await authenticate(db(), {})).toEqual({
        ok: false,
        reason: "invalid_input",
        fieldErrors: { email: "auth.error.required", password: "auth.error.required" },
      });
      expect(await authenticate(db(), { email: "nope", password: "whatever" })).toMatchObject({
        reason: "invalid_input",
        fieldErrors: { email: "auth.error.emailInvalid" },
      });
      expect(await attempts("nope")).toEqual([]);
    });

    it("locks an e-mail out after repeated failures, even for the right password, until the window passes", async () => {
      const { email, password } = await account();
      const t0 = new Date("2030-01-01T08:00:00Z").getTime();
      for (let i = 0; i < LOGIN_LIMITS.perEmail; i++) {
        // Different addresses: the per-e-mail limit alone must catch this.
        const r = await authenticate(db(), { email, password: `guess number ${i}`, ip: `10.1.0.${i}`, now: new Date(t0 + i * MINUTE) });
        expect(r).toMatchObject({ ok: false, reason: "invalid_credentials" });
      }
      const locked = await authenticate(db(), { email, password, ip: "10.1.1.1", now: new Date(t0 + 5 * MINUTE) });
      // The first failure (t0) leaves the 15-minute window at t0 + 15 min: 10 minutes from now.
      expect(locked).toEqual({
        ok: false,
        reason: "rate_limited",
        fieldErrors: {},
        formError: { key: "auth.error.tooManyAttempts", params: { minutes: 10 } },
      });
      // The refusal did not check the password and is not recorded.
      expect(await attempts(email)).toHaveLength(LOGIN_LIMITS.perEmail);
      expect(await authenticate(db(), { email, password, now: new Date(t0 + 15 * MINUTE - 1000) })).toMatchObject({ reason: "rate_limited" });
      const later = await authenticate(db(), { email, password, now: new Date(t0 + 15 * MINUTE + 1000) });
      expect(later.ok).toBe(true);
    });

    it("forgets an e-mail's failures after a successful log-in", async () => {
      const { email, password } = await account();
      const t0 = new Date("2030-02-01T08:00:00Z").getTime();
      for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++) {
        await authenticate(db(), { email, password: "wrong password", now: new Date(t0 + i * 1000) });
      }
      expect((await authenticate(db(), { email, password, now: new Date(t0 + 10_000) })).ok).toBe(true);
      const next = await authenticate(db(), { email, password: "wrong password", now: new Date(t0 + 11_000) });
      expect(next).toMatchObject({ reason: "invalid_credentials" });
      expect((await authenticate(db(), { email, password, now: new Date(t0 + 12_000) })).ok).toBe(true);
    });

    it("locks out an address that fails on many accounts, but not other addresses", async () => {
      const { email, password } = await account();
      const now = new Date("2030-03-01T08:00:00Z");
      const ip = "203.0.113.9";
      // Earlier failures from this address on other accounts, inside the window.
      await db()
        .insertInto("login_attempts")
        .values(
          Array.from({ length: LOGIN_LIMITS.perIp - 1 }, (_, i) => ({
            email: `victim${i}@example.com`,
            ip,
            succeeded: false,
            attempted_at: new Date(now.getTime() - (i + 1) * 30_000),
          })),
        )
        .execute();
      // An old failure outside the window does not count.
      expect(await authenticate(db(), { email: "victim-x@example.com", password: "guess guess", ip, now })).toMatchObject({
        reason: "invalid_credentials",
      });
      const refused = await authenticate(db(), { email, password, ip, now: new Date(now.getTime() + 1000) });
      expect(refused).toMatchObject({ reason: "rate_limited", formError: { key: "auth.error.tooManyAttempts" } });
      expect((await authenticate(db(), { email, password, ip: "198.51.100.7", now: new Date(now.getTime() + 2000) })).ok).toBe(true);
      // Without a known address only the e-mail limit applies.
      expect((await authenticate(db(), { email, password, ip: null, now: new Date(now.getTime() + 3000) })).ok).toBe(true);
    });
  });

  describe("createStaffUser", () => {
    it("creates bureau users in one shared organisation and operators in their own", async () => {
      const first = await createStaffUser(db(), { role: "bureau", email: "bureau1@ly.gov.cn", displayName: "王科长", password: "bureau password 1" });
      const second = await createStaffUser(db(), { role: "bureau", email: "bureau2@ly.gov.cn", displayName: "刘科员", password: "bureau password 2" });
      expect(first).toMatchObject({ ok: true, organisationCreated: true, user: { role: "bureau", organisationName: "洛阳市科学技术局" } });
      expect(second).toMatchObject({ ok: true, organisationCreated: false });
      if (!first.ok || !second.ok) return;
      expect(second.user.organisationId).toBe(first.user.organisationId);

      const operator = await createStaffUser(db(), {
        role: "operator",
        email: "ops@market.example",
        displayName: "运营小李",
        password: "operator password",
        organisationName: "洛阳技术交易服务有限公司",
      });
      expect(operator).toMatchObject({ ok: true, organisationCreated: true, user: { role: "operator", organisationName: "洛阳技术交易服务有限公司" } });
      expect(await authenticate(db(), { email: "ops@market.example", password: "operator password" })).toMatchObject({ ok: true });
    });

    it("refuses bad input and duplicate e-mails without writing", async () => {
      const before = await counts(db());
      expect(await createStaffUser(db(), { role: "admin", email: "x", displayName: "", password: "short" })).toEqual({
        ok: false,
        fieldErrors: {
          role: "auth.error.roleInvalid",
          email: "auth.error.emailInvalid",
          displayName: "auth.error.required",
          password: "auth.error.passwordTooShort",
        },
      });
      expect(await createStaffUser(db(), { role: "bureau", email: "BUREAU1@ly.gov.cn", displayName: "重复", password: "long enough pw" })).toEqual({
        ok: false,
        fieldErrors: { email: "auth.error.emailTaken" },
      });
      expect(await counts(db())).toEqual(before);
    });
  });

  describe("sessions", () => {
    async function someUser() {
      const result = await signUp(db(), enterprise());
      if (!result.ok) throw new Error("sign-up failed");
      return result.user;
    }

    it("stores only the SHA-256 of a random token and resolves it to the user", async () => {
      const user = await someUser();
      const { token, expiresAt } = await createSession(db(), user.id, { userAgent: "vitest" });
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
      expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(SESSION_TTL_MS - MINUTE);
      const rows = await db().selectFrom("sessions").selectAll().where("user_id", "=", user.id).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0].id).toBe(createHash("sha256").update(token).digest("hex"));
      expect(rows[0].id).not.toContain(token);
      expect(await resolveSession(db(), token)).toEqual(user);
    });

    it("rotates: the replaced token stops working, the new one works", async () => {
      const user = await someUser();
      const old = await createSession(db(), user.id);
      const fresh = await createSession(db(), user.id, { replaces: old.token });
      expect(fresh.token).not.toBe(old.token);
      expect(await resolveSession(db(), old.token)).toBeNull();
      expect(await resolveSession(db(), fresh.token)).toEqual(user);
    });

    it("destroys one session or all of a user's", async () => {
      const user = await someUser();
      const a = await createSession(db(), user.id);
      const b = await createSession(db(), user.id);
      await deleteSession(db(), a.token);
      expect(await resolveSession(db(), a.token)).toBeNull();
      expect(await resolveSession(db(), b.token)).toEqual(user);
      await createSession(db(), user.id);
      expect(await deleteUserSessions(db(), user.id)).toBe(2);
      expect(await resolveSession(db(), b.token)).toBeNull();
    });

    it("does not resolve an expired, unknown or malformed token", async () => {
      const user = await someUser();
      const started = new Date(Date.now() - SESSION_TTL_MS - MINUTE);
      const expired = await createSession(db(), user.id, { now: started });
      expect(await resolveSession(db(), expired.token)).toBeNull();
      const live = await createSession(db(), user.id);
      expect(await resolveSession(db(), live.token, new Date(Date.now() + SESSION_TTL_MS + MINUTE))).toBeNull();
      // Creating the live session cleared the user's expired one.
      const ids = await db().selectFrom("sessions").select("id").where("user_id", "=", user.id).execute();
      expect(ids).toHaveLength(1);
      expect(await resolveSession(db(), "A".repeat(43))).toBeNull();
      expect(await resolveSession(db(), "not a token; drop table sessions")).toBeNull();
    });
  });

  it("deletes log-in attempts older than the kept window and keeps the rest", async () => {
    const email = `prune-${Date.now()}@example.com`;
    const now = new Date("2026-06-30T12:00:00Z");
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    await db()
      .insertInto("login_attempts")
      .values([LOGIN_ATTEMPTS_KEEP_DAYS + 1, LOGIN_ATTEMPTS_KEEP_DAYS - 1, 0].map((d) => ({ email, ip: "203.0.113.9", succeeded: false, attempted_at: daysAgo(d) })))
      .execute();
    expect(await pruneLoginAttempts(db(), now)).toBeGreaterThanOrEqual(1);
    const left = await db().selectFrom("login_attempts").select("attempted_at").where("email", "=", email).orderBy("attempted_at").execute();
    expect(left.map((r) => r.attempted_at)).toEqual([daysAgo(LOGIN_ATTEMPTS_KEEP_DAYS - 1), daysAgo(0)]);
  });
});
