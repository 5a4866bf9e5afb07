import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { action as orderAction, loader as orderLoader } from "../../app/routes/enterprise.orders.$id";
import { action as saleAction, loader as saleLoader } from "../../app/routes/institution.orders.$id";
import { createSession } from "../../app/services/accounts/sessions";
import type { SessionUser } from "../../app/services/accounts/types";
import { getInvoice, issueInvoice, listOrders, refundOrder, requestInvoice, type StartedCheckout } from "../../app/services/checkout";
import { reimbursementOverview } from "../../app/services/vouchers";
import { formRequest, location, refused, useAppDatabase } from "../helpers/app-db";
import { describeEachEngine } from "../helpers/db";
import { asActor, createMarket, voucherFor, type Market } from "./checkout-fixtures";
import { holdThroughCheckout, payByTransfer } from "./ledger-fixtures";

// 发票: the buyer of a completed purchase asks for the invoice, the seller records the one it issued; the order pages'
// actions as Remix calls them.

const BASE = "http://localhost:3000";
const context = { clientIp: "127.0.0.1" };
const DAY = 86_400_000;
const chinaDay = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

describeEachEngine("order invoices", (db, engine) => {
  useAppDatabase(db, engine);
  let m: Market;
  const cookies = new Map<number, string>();
  const post = (user: SessionUser, path: string, fields: Record<string, string>) => formRequest(`${BASE}${path}`, fields, { Cookie: cookies.get(user.id) ?? "" });
  const get = (user: SessionUser, path: string) => new Request(`${BASE}${path}`, { headers: { Cookie: cookies.get(user.id) ?? "" } });
  const invoiceRows = async () => Number((await db().selectFrom("order_invoices").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

  /** A licence the buyer bought (voucher + bank transfer), paid `paidDaysAgo` days ago. */
  async function bought(buyer: SessionUser, paidDaysAgo = 0): Promise<StartedCheckout> {
    const voucher = await voucherFor(db(), m, buyer);
    const order = await holdThroughCheckout(db(), { bureau: asActor(m.bureau), enterprise: asActor(buyer), institution: asActor(m.seller) }, voucher.voucherId, 50_000);
    await payByTransfer(db(), order, new Date(Date.now() - paidDaysAgo * DAY));
    return order;
  }

  beforeAll(async () => {
    m = await createMarket(db());
    for (const user of [m.buyer, m.otherBuyer, m.seller]) cookies.set(user.id, `__session=${(await createSession(db(), user.id)).token}`);
  });

  it("the buyer asks for the invoice of a completed order, once; bad input, another's order and an unpaid one change nothing", async () => {
    const order = await bought(m.buyer, 3);
    const buyer = asActor(m.buyer);
    const page = await orderLoader({ request: get(m.buyer, `/enterprise/orders/${order.orderId}`), params: { id: String(order.orderId) }, context });
    expect(page.invoice).toBeNull();
    const { name, credit_code } = await db().selectFrom("organisations").select(["name", "credit_code"]).where("id", "=", m.buyer.organisationId).executeTakeFirstOrThrow();
    expect(page.invoiceDefaults).toEqual({ title: name, taxId: credit_code });

    expect(await requestInvoice(db(), buyer, { orderId: order.orderId, title: " ", taxId: "91410300MA44XXXXX1", email: "not-mail" })).toEqual({
      ok: false,
      fieldErrors: { title: "checkout.invoice.error.required", taxId: "auth.error.creditCode.checksum", email: "checkout.invoice.error.email" },
    });
    expect(await requestInvoice(db(), asActor(m.otherBuyer), { orderId: order.orderId, title: name, taxId: credit_code })).toMatchObject({
      ok: false,
      formError: { key: "checkout.error.orderNotFound" },
    });
    const unpaid = await holdThroughCheckout(db(), { bureau: asActor(m.bureau), enterprise: buyer, institution: asActor(m.seller) }, (await voucherFor(db(), m, m.buyer)).voucherId, 10_000);
    expect(await requestInvoice(db(), buyer, { orderId: unpaid.orderId, title: name, taxId: credit_code })).toMatchObject({
      ok: false,
      formError: { key: "checkout.invoice.error.notCompleted" },
    });
    expect(await invoiceRows()).toBe(0);

    // Through the order page, as the browser submits it: the code typed in lower case is kept upper-cased.
    const path = `/enterprise/orders/${order.orderId}`;
    const asked = await orderAction({ request: post(m.buyer, path, { intent: "requestInvoice", title: name, taxId: (credit_code ?? "").toLowerCase(), email: "finance@example.cn" }), params: { id: String(order.orderId) }, context });
    expect(location(asked)).toBe(`${path}?invoiceRequested=1#invoice`);
    const again = refused(await orderAction({ request: post(m.buyer, path, { intent: "requestInvoice", title: name, taxId: credit_code ?? "" }), params: { id: String(order.orderId) }, context }));
    expect(again).toEqual({ status: 400, body: { error: null, invoice: { formError: { key: "checkout.invoice.error.alreadyRequested" }, fieldErrors: {} } } });
    expect(await getInvoice(db(), order.orderId)).toEqual({
      title: name,
      taxId: credit_code,
      email: "finance@example.cn",
      requestedBy: m.buyer.displayName,
      requestedAt: expect.any(Date),
      issued: null,
    });
  });

  it("the seller records the invoice it issued: a real number, dated between payment and today; then it is final", async () => {
    const order = await bought(m.otherBuyer, 5);
    const { name, credit_code } = await db().selectFrom("organisations").select(["name", "credit_code"]).where("id", "=", m.otherBuyer.organisationId).executeTakeFirstOrThrow();
    const seller = asActor(m.seller);
    expect(await issueInvoice(db(), seller, { orderId: order.orderId, invoiceNo: "26412000000012345678", issuedOn: chinaDay(new Date()) })).toMatchObject({
      ok: false,
      formError: { key: "checkout.invoice.error.notRequested" },
    });
    expect(await requestInvoice(db(), asActor(m.otherBuyer), { orderId: order.orderId, title: name, taxId: credit_code })).toEqual({ ok: true });
    const sales = await listOrders(db(), { sellerOrganisationId: m.seller.organisationId });
    expect(sales.rows.find((r) => r.id === order.orderId)?.invoice).toBe("requested");

    // The bureau's reimbursement list counts the seller's voucher purchases still without an invoice.
    const uninvoiced = async () =>
      (await reimbursementOverview(db(), m.bureau.organisationId)).find((r) => r.programmeId === m.programmeId && r.institutionId === m.seller.organisationId)?.uninvoiced;
    const before = await uninvoiced();
    expect(before).toBeGreaterThanOrEqual(1);

    const path = `/institution/orders/${order.orderId}`;
    const issue = (fields: Record<string, string>) => saleAction({ request: post(m.seller, path, { intent: "issueInvoice", ...fields }), params: { id: String(order.orderId) }, context });
    expect(refused(await issue({ invoiceNo: "12", issuedOn: chinaDay(new Date(Date.now() + 2 * DAY)) }))).toEqual({
      status: 400,
      body: { invoice: { formError: null, fieldErrors: { invoiceNo: "checkout.invoice.error.invoiceNo", issuedOn: "checkout.invoice.error.future" } } },
    });
    expect(refused(await issue({ invoiceNo: "26412000000012345678", issuedOn: chinaDay(new Date(Date.now() - 9 * DAY)) })).body).toEqual({
      invoice: { formError: null, fieldErrors: { issuedOn: "checkout.invoice.error.beforePaid" } },
    });
    const otherSeller = { userId: m.bureau.id, organisationId: m.bureau.organisationId };
    expect(await issueInvoice(db(), otherSeller, { orderId: order.orderId, invoiceNo: "26412000000012345678", issuedOn: chinaDay(new Date()) })).toMatchObject({
      formError: { key: "checkout.error.orderNotFound" },
    });
    expect((await getInvoice(db(), order.orderId))?.issued).toBeNull();

    expect(location(await issue({ invoiceNo: "2641 2000 0000 1234 5678", issuedOn: chinaDay(new Date(Date.now() - DAY)) }))).toBe(`${path}?invoiceIssued=1#invoice`);
    expect(await uninvoiced()).toBe((before as number) - 1);
    expect((await getInvoice(db(), order.orderId))?.issued).toEqual({ invoiceNo: "26412000000012345678", issuedOn: chinaDay(new Date(Date.now() - DAY)), issuedBy: m.seller.displayName });
    expect(refused(await issue({ invoiceNo: "26412000000099999999", issuedOn: chinaDay(new Date()) })).body).toMatchObject({
      invoice: { formError: { key: "checkout.invoice.error.alreadyIssued" } },
    });
    const sale = await saleLoader({ request: get(m.seller, path), params: { id: String(order.orderId) }, context });
    expect(sale.invoice?.issued?.invoiceNo).toBe("26412000000012345678");
    // The database keeps an issued invoice as it is, and keeps every request.
    await expect(sql`update order_invoices set invoice_no = '99999999' where order_id = ${order.orderId}`.execute(db())).rejects.toMatchObject({ code: "CK001" });
    await expect(sql`delete from order_invoices where order_id = ${order.orderId}`.execute(db())).rejects.toThrow();
  });

  it("a refunded order is not invoiced, even when the invoice was asked for before the refund", async () => {
    const order = await bought(m.buyer, 1);
    const { name, credit_code } = await db().selectFrom("organisations").select(["name", "credit_code"]).where("id", "=", m.buyer.organisationId).executeTakeFirstOrThrow();
    expect(await requestInvoice(db(), asActor(m.buyer), { orderId: order.orderId, title: name, taxId: credit_code })).toEqual({ ok: true });
    await refundOrder(db(), { orderId: order.orderId, externalRef: "BANK-BACK", idempotencyKey: `order:${order.orderId}:refund` });
    expect(await issueInvoice(db(), asActor(m.seller), { orderId: order.orderId, invoiceNo: "26412000000012345679", issuedOn: chinaDay(new Date()) })).toMatchObject({
      ok: false,
      formError: { key: "checkout.invoice.error.notCompleted" },
    });
  });
});
