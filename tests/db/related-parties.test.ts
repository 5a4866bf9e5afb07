import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import type { SessionUser } from "../../app/services/accounts/types";
import { CheckoutError, markOrderPaid, previewCheckout, startCheckout } from "../../app/services/checkout";
import {
  listApplications,
  listRelatedParties,
  recordRelatedParty,
  relatedPartyChoices,
  removeRelatedParty,
  suspectedRelatedParties,
} from "../../app/services/vouchers";
import type { Database } from "../../db/client";
import { makeMember } from "../helpers/catalogue";
import { describeEachEngine } from "../helpers/db";
import { asActor, asBuyer, createMarket, footprint, listedResult, voucherFor, type Market } from "./checkout-fixtures";

async function auditActions(db: Database, id: number): Promise<string[]> {
  const rows = await db.selectFrom("audit_log").select("action").where("subject_type", "=", "related_party").where("subject_id", "=", String(id)).orderBy("id").execute();
  return rows.map((r) => r.action);
}

function buyWithVoucher(db: Database, buyer: SessionUser, voucherId: number, resultId: number) {
  return startCheckout(db, asBuyer(buyer), { resultId, mode: "nonexclusive_license", voucherIds: [voucherId], method: "bank_transfer", cardEnabled: false });
}

async function refusal(promise: Promise<unknown>): Promise<CheckoutError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CheckoutError);
  return error as CheckoutError;
}

/** Gives a member's login its own mail domain, so the tests' shared test.example says nothing. */
async function useMailDomain(db: Database, member: SessionUser, domain: string): Promise<void> {
  await db.updateTable("users").set({ email: `${member.id}@${domain}` }).where("id", "=", member.id).execute();
}

describeEachEngine("related parties (关联关系)", (db) => {
  let m: Market;
  beforeAll(async () => {
    m = await createMarket(db());
  });

  it("stops vouchers paying between a recorded pair, and only between them; removing the record lets them pay again", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const voucher = await voucherFor(db(), m, buyer);
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 4_000_000 }]);
    const earlier = await buyWithVoucher(db(), buyer, voucher.voucherId, resultId);
    await markOrderPaid(db(), { orderId: earlier.orderId, method: "bank_transfer", amountFen: earlier.cashDueFen, externalRef: "BANK-RP-1", idempotencyKey: "bank:rp-1" });
    const pending = await buyWithVoucher(db(), buyer, voucher.voucherId, resultId);

    const recorded = await recordRelatedParty(db(), asActor(m.bureau), {
      enterpriseId: String(buyer.organisationId),
      institutionId: String(m.seller.organisationId),
      relation: "spin_off",
      note: "  学院教师创办  ",
    });
    if (!recorded.ok) throw new Error(JSON.stringify(recorded));
    expect(await auditActions(db(), recorded.id)).toEqual(["related_party.record"]);
    const listed = (await listRelatedParties(db())).find((r) => r.id === recorded.id);
    expect(listed).toMatchObject({
      enterpriseName: buyer.organisationName,
      institutionName: m.seller.organisationName,
      relation: "spin_off",
      note: "学院教师创办",
      recordedBy: m.bureau.displayName,
      completedOrders: 1,
      completedVoucherFen: 2_000_000,
      pendingOrders: 1,
    });
    expect(pending.status).toBe("pending");
    // The bureau sees it when the enterprise next applies for a voucher.
    expect((await listApplications(db(), { enterpriseId: buyer.organisationId })).map((a) => a.enterpriseRelatedParties)).toEqual([1]);

    // The checkout page says why before the buyer tries; the checkout refuses and writes nothing.
    const preview = await previewCheckout(db(), asBuyer(buyer), { resultId, mode: "nonexclusive_license" });
    expect(preview.voucherError?.key).toBe("vouchers.error.relatedParty");
    expect(preview.block).toBeNull();
    const before = await footprint(db());
    const refused = await refusal(buyWithVoucher(db(), buyer, voucher.voucherId, resultId));
    expect([refused.key, refused.field]).toEqual(["vouchers.error.relatedParty", "vouchers"]);
    expect(await footprint(db())).toEqual(before);

    // Paying the whole price by transfer is allowed; so is a voucher purchase from an unrelated institution.
    const cash = await startCheckout(db(), asBuyer(buyer), { resultId, mode: "nonexclusive_license", method: "bank_transfer", cardEnabled: false });
    expect(cash).toMatchObject({ status: "pending", voucherPartFen: 0, cashDueFen: 4_000_000 });
    const otherSeller = await makeMember(db(), "institution");
    const elsewhere = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 4_000_000 }], { seller: otherSeller });
    expect((await buyWithVoucher(db(), buyer, voucher.voucherId, elsewhere)).voucherPartFen).toBe(2_000_000);

    expect(await removeRelatedParty(db(), asActor(m.bureau), { id: String(recorded.id) })).toEqual({ ok: true });
    expect(await auditActions(db(), recorded.id)).toEqual(["related_party.record", "related_party.remove"]);
    expect((await listRelatedParties(db())).some((r) => r.id === recorded.id)).toBe(false);
    expect((await buyWithVoucher(db(), buyer, voucher.voucherId, resultId)).voucherPartFen).toBe(2_000_000);
  });

  it("refuses bad input naming the field, and a pair recorded twice, writing nothing", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const record = (input: Record<string, unknown>) =>
      recordRelatedParty(db(), asActor(m.bureau), { enterpriseId: buyer.organisationId, institutionId: m.seller.organisationId, relation: "other", ...input });
    const count = async () => Number((await db().selectFrom("related_parties").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const auditRows = async () =>
      Number((await db().selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n")).where("subject_type", "=", "related_party").executeTakeFirstOrThrow()).n);
    const [rowsBefore, auditBefore] = [await count(), await auditRows()];

    expect(await record({ enterpriseId: "" })).toEqual({ ok: false, fieldErrors: { enterpriseId: "vouchers.related.error.enterprise" } });
    expect(await record({ enterpriseId: "12abc" })).toMatchObject({ fieldErrors: { enterpriseId: "vouchers.related.error.enterprise" } });
    expect(await record({ enterpriseId: m.seller.organisationId })).toMatchObject({ fieldErrors: { enterpriseId: "vouchers.related.error.enterprise" } });
    expect(await record({ institutionId: m.otherBuyer.organisationId })).toMatchObject({ fieldErrors: { institutionId: "vouchers.related.error.institution" } });
    expect(await record({ institutionId: 999_999_999 })).toMatchObject({ fieldErrors: { institutionId: "vouchers.related.error.institution" } });
    expect(await record({ relation: "friends" })).toMatchObject({ fieldErrors: { relation: "vouchers.related.error.relation" } });
    expect(await record({ relation: undefined })).toMatchObject({ fieldErrors: { relation: "vouchers.related.error.relation" } });
    expect(await record({ note: "注".repeat(201) })).toMatchObject({ fieldErrors: { note: "vouchers.error.tooLong" } });
    expect(await removeRelatedParty(db(), asActor(m.bureau), { id: "999999999" })).toMatchObject({ formError: { key: "vouchers.related.error.notFound" } });
    expect(await removeRelatedParty(db(), asActor(m.bureau), { id: "-1" })).toMatchObject({ formError: { key: "vouchers.related.error.notFound" } });
    expect([await count(), await auditRows()]).toEqual([rowsBefore, auditBefore]);

    expect(await record({ note: "" })).toMatchObject({ ok: true });
    expect(await record({ relation: "shareholding" })).toMatchObject({ ok: false, formError: { key: "vouchers.related.error.duplicate" } });
    expect([await count(), await auditRows()]).toEqual([rowsBefore + 1, auditBefore + 1]);
    const stored = await db().selectFrom("related_parties").select(["relation", "note"]).where("enterprise_id", "=", buyer.organisationId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ relation: "other", note: null });
  });

  it("suspects voucher-paid pairs that share an inventor, a phone number or a company mail domain, until recorded", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const seller = await makeMember(db(), "institution");
    await useMailDomain(db(), buyer, "lyhx-tech.cn");
    await useMailDomain(db(), seller, "haust.edu.cn");
    const voucher = await voucherFor(db(), m, buyer); // its application's contact: 张经理, 0379-6288 1234
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 4_000_000 }], { seller });
    await db().updateTable("technology_results").set({ contact_email: "tto@haust.edu.cn" }).where("id", "=", resultId).execute();
    const pairOf = async () => (await suspectedRelatedParties(db())).find((s) => s.enterpriseId === buyer.organisationId && s.institutionId === seller.organisationId);

    // Nothing shared, and no voucher order yet: not suspected.
    expect(await pairOf()).toBeUndefined();
    // A cash purchase is no voucher matter, whatever the two share.
    await db().updateTable("technology_results").set({ inventors: ["王教授", "张经理"] }).where("id", "=", resultId).execute();
    await startCheckout(db(), asBuyer(buyer), { resultId, mode: "nonexclusive_license", method: "bank_transfer", cardEnabled: false });
    expect(await pairOf()).toBeUndefined();

    await buyWithVoucher(db(), buyer, voucher.voucherId, resultId);
    expect(await pairOf()).toMatchObject({
      enterpriseName: buyer.organisationName,
      institutionName: seller.organisationName,
      signals: [{ signal: "inventor", value: "张经理" }],
      pendingOrders: 1,
      completedOrders: 0,
    });

    await db().updateTable("technology_results").set({ contact_phone: "0379 6288-1234" }).where("id", "=", resultId).execute();
    await useMailDomain(db(), buyer, "haust.edu.cn");
    expect((await pairOf())?.signals).toEqual([
      { signal: "inventor", value: "张经理" },
      { signal: "mail_domain", value: "haust.edu.cn" },
      { signal: "phone", value: "0379 6288-1234" },
    ]);

    // Free mail services and reserved test domains say nothing.
    await db().updateTable("technology_results").set({ contact_email: "tto@qq.com", contact_phone: null, inventors: ["王教授"] }).where("id", "=", resultId).execute();
    await useMailDomain(db(), buyer, "qq.com");
    await useMailDomain(db(), seller, "qq.com");
    expect(await pairOf()).toBeUndefined();
    await useMailDomain(db(), buyer, "lab.test");
    await useMailDomain(db(), seller, "lab.test");
    expect(await pairOf()).toBeUndefined();

    // The seller's own staff domain counts as much as the result's contact address.
    await useMailDomain(db(), buyer, "haust.edu.cn");
    await useMailDomain(db(), seller, "haust.edu.cn");
    expect((await pairOf())?.signals).toEqual([{ signal: "mail_domain", value: "haust.edu.cn" }]);
    // A domain the logins of a third organisation use too is a mail host, not one company's.
    const third = await makeMember(db(), "enterprise");
    await useMailDomain(db(), third, "haust.edu.cn");
    expect(await pairOf()).toBeUndefined();
    await useMailDomain(db(), third, "third.cn");
    expect((await pairOf())?.signals).toEqual([{ signal: "mail_domain", value: "haust.edu.cn" }]);

    const recorded = await recordRelatedParty(db(), asActor(m.bureau), { enterpriseId: buyer.organisationId, institutionId: seller.organisationId, relation: "shared_personnel" });
    expect(recorded.ok).toBe(true);
    expect(await pairOf()).toBeUndefined();
  });

  it("a suspected pair the bureau finds not related (saying why) is suspected no more, and vouchers still pay between them", async () => {
    const buyer = await makeMember(db(), "enterprise");
    const seller = await makeMember(db(), "institution");
    await useMailDomain(db(), buyer, "zhcl.cn");
    await useMailDomain(db(), seller, "zhcl.cn");
    const voucher = await voucherFor(db(), m, buyer);
    const resultId = await listedResult(db(), m, [{ mode: "nonexclusive_license", price_fen: 4_000_000 }], { seller });
    await buyWithVoucher(db(), buyer, voucher.voucherId, resultId);
    const isSuspected = async () => (await suspectedRelatedParties(db())).some((s) => s.enterpriseId === buyer.organisationId && s.institutionId === seller.organisationId);
    expect(await isSuspected()).toBe(true);

    const clear = (note?: string) =>
      recordRelatedParty(db(), asActor(m.bureau), { enterpriseId: buyer.organisationId, institutionId: seller.organisationId, relation: "none", note });
    expect(await clear("  ")).toEqual({ ok: false, fieldErrors: { note: "vouchers.related.error.noteForNone" } });
    const cleared = await clear("邮箱域名为同一集团的企业邮局，双方无股权和人员关联");
    expect(cleared.ok).toBe(true);
    expect(await isSuspected()).toBe(false);
    expect((await listRelatedParties(db())).find((r) => r.enterpriseId === buyer.organisationId)).toMatchObject({ relation: "none", pendingOrders: 1 });
    expect((await buyWithVoucher(db(), buyer, voucher.voucherId, resultId)).voucherPartFen).toBe(2_000_000);
    // The database holds a cleared pair to saying why, as the service does.
    const refused = await sql`update related_parties set note = null where enterprise_id = ${buyer.organisationId}`.execute(db()).then(() => "changed", () => "refused");
    expect(refused).toBe("refused");
  });

  it("offers the enterprises that applied for vouchers and every institution to choose from", async () => {
    const applicant = await makeMember(db(), "enterprise");
    await voucherFor(db(), m, applicant);
    const bystander = await makeMember(db(), "enterprise");
    const choices = await relatedPartyChoices(db());
    expect(choices.enterprises.map((e) => e.id)).toContain(applicant.organisationId);
    expect(choices.enterprises.map((e) => e.id)).not.toContain(bystander.organisationId);
    expect(choices.institutions.map((i) => i.id)).toContain(m.seller.organisationId);
  });
});
