import { expect, it } from "vitest";
import { action as settlementAction, loader as settlementLoader } from "../../app/routes/institution.settlement";
import { loader as payoutLoader } from "../../app/routes/operator.payouts.$institutionId";
import { addMember } from "../../app/services/accounts/members";
import { createSession } from "../../app/services/accounts/sessions";
import { getPayeeAccount, payeeAccountStates, setPayeeAccount } from "../../app/services/payouts/payee-account";
import { makeMember } from "../helpers/catalogue";
import { formRequest, location, refused, useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };
const DAY = 86_400_000;

describeEachEngine("payee accounts (收款账户)", (db, engine) => {
  useAppDatabase(db, engine);

  it("is set by an institution's administrator, in the institution's own name, and audit-logged", async () => {
    const institution = await makeMember(db(), "institution", `河南某（研究）院${Math.random().toString(36).slice(2, 6)}`);
    const good = { accountName: institution.organisationName.replace("（", "(").replace("）", ")"), bankName: "中国工商银行洛阳涧西支行", accountNumber: "6222 0217 0800 1234 567" };
    expect(await setPayeeAccount(db(), institution, {})).toEqual({
      ok: false,
      fieldErrors: { accountName: "payee.error.required", bankName: "payee.error.required", accountNumber: "payee.error.required" },
    });
    expect(await setPayeeAccount(db(), institution, { ...good, accountNumber: "12-34" })).toMatchObject({ fieldErrors: { accountNumber: "payee.error.accountNumber" } });
    expect(await setPayeeAccount(db(), institution, { ...good, accountName: "张三" })).toEqual({ ok: false, fieldErrors: { accountName: "payee.error.nameMismatch" } });
    const added = await addMember(db(), institution, { displayName: "财务", email: `finance-${institution.id}@payee.example`, password: "given in person" });
    if (!added.ok) throw new Error("add failed");
    expect(await setPayeeAccount(db(), { id: added.memberId, organisationId: institution.organisationId }, good)).toMatchObject({ formError: { key: "payee.error.notAdmin" } });
    const enterprise = await makeMember(db(), "enterprise");
    expect(await setPayeeAccount(db(), enterprise, { ...good, accountName: enterprise.organisationName })).toMatchObject({ formError: { key: "payee.error.notAdmin" } });
    expect(await getPayeeAccount(db(), institution.organisationId)).toBeNull();

    const at = new Date(Date.now() - 40 * DAY);
    expect(await setPayeeAccount(db(), institution, good, at)).toEqual({ ok: true });
    expect(await getPayeeAccount(db(), institution.organisationId)).toMatchObject({ accountNumber: "6222021708001234567", updatedBy: institution.displayName, recentlyChanged: false });
    expect(await setPayeeAccount(db(), institution, { ...good, bankName: "洛阳银行开元支行", accountNumber: "1234567890" })).toEqual({ ok: true });
    expect(await getPayeeAccount(db(), institution.organisationId)).toMatchObject({ bankName: "洛阳银行开元支行", accountNumber: "1234567890", recentlyChanged: true });
    expect(await payeeAccountStates(db(), [institution.organisationId, enterprise.organisationId])).toEqual(new Map([[institution.organisationId, { recentlyChanged: true }]]));
    const audit = await db().selectFrom("audit_log").select("detail").where("action", "=", "organisation.payee_account").where("subject_id", "=", String(institution.organisationId)).orderBy("id").execute();
    expect(audit.map((a) => a.detail)).toEqual([
      { bank: "中国工商银行洛阳涧西支行", account: "…4567", before: null },
      { bank: "洛阳银行开元支行", account: "…7890", before: "中国工商银行洛阳涧西支行 …4567" },
    ]);
  });

  it("shows on the settlement page with its form for administrators, and to the operator with a notice after a change", async () => {
    const institution = await makeMember(db(), "institution");
    const operator = await makeMember(db(), "operator");
    const cookie = async (id: number) => `__session=${(await createSession(db(), id)).token}`;
    const mine = await cookie(institution.id);
    const page = await settlementLoader({ request: new Request(`${BASE}/institution/settlement`, { headers: { Cookie: mine } }), params: {}, context });
    expect(page).toMatchObject({ payee: null, me: { isOrgAdmin: true } });
    const post = (fields: Record<string, string>) => settlementAction({ request: formRequest(`${BASE}/institution/settlement`, fields, { Cookie: mine }), params: {}, context });
    expect(refused(await post({ accountName: institution.organisationName, bankName: "洛阳银行", accountNumber: "abc" }))).toMatchObject({
      status: 400,
      body: { fieldErrors: { accountNumber: "payee.error.accountNumber" }, values: { accountNumber: "abc" } },
    });
    expect(location(await post({ accountName: institution.organisationName, bankName: "洛阳银行开元支行", accountNumber: "41050000123456789" }))).toBe("/institution/settlement?payee=saved#payee");

    const forOperator = await payoutLoader({
      request: new Request(`${BASE}/operator/payouts/${institution.organisationId}`, { headers: { Cookie: await cookie(operator.id) } }),
      params: { institutionId: String(institution.organisationId) },
      context,
    });
    expect(forOperator.payee).toMatchObject({ accountName: institution.organisationName, accountNumber: "41050000123456789", recentlyChanged: true });
  });
});
