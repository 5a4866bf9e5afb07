import { sql, type Kysely } from "kysely";
import {
  ORDER_STATUSES,
  type ContractStatus,
  type DB,
  type FieldCode,
  type OrderCloseReason,
  type OrderEventKind,
  type OrderStatus,
  type PaymentMethod,
  type ReservationState,
  type OrganisationKind,
  type TransferMode,
} from "../../../db/schema";
import { bankReference, orderNo, parseBankReference } from "./rules";

// Reading orders: the buyer's and the seller's lists, one order with everything its receipt shows, and the operator's
// queue of bank transfers to confirm.

export interface OrderListRow {
  id: number;
  orderNo: string;
  resultId: number;
  resultTitle: string;
  mode: TransferMode;
  buyer: string;
  seller: string;
  priceFen: number;
  voucherPartFen: number;
  cashDueFen: number;
  paymentMethod: PaymentMethod;
  status: OrderStatus;
  createdAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
  contractNo: string | null;
  /** the invoice (发票): not asked for, asked for and not yet issued, or issued */
  invoice: "none" | "requested" | "issued";
}

export const ORDERS_PAGE_SIZE = 30;

/** An order list's filter and page from its address (?status=…&page=…): an unknown status means all, a bad page the first. */
export function orderListParams(url: URL): { status: OrderStatus | null; page: number } {
  const raw = url.searchParams.get("status");
  const status = raw && (ORDER_STATUSES as readonly string[]).includes(raw) ? (raw as OrderStatus) : null;
  return { status, page: Math.max(1, Number(url.searchParams.get("page")) || 1) };
}

export async function listOrders(
  db: Kysely<DB>,
  who: { buyerOrganisationId?: number; sellerOrganisationId?: number },
  options: { status?: OrderStatus | null; page?: number; perPage?: number } = {},
): Promise<{ rows: OrderListRow[]; total: number; counts: Record<OrderStatus, number> }> {
  const perPage = options.perPage ?? ORDERS_PAGE_SIZE;
  const page = Math.max(1, Math.floor(options.page ?? 1));
  let base = db.selectFrom("orders as o");
  if (who.buyerOrganisationId !== undefined) base = base.where("o.buyer_organisation_id", "=", who.buyerOrganisationId);
  if (who.sellerOrganisationId !== undefined) base = base.where("o.seller_organisation_id", "=", who.sellerOrganisationId);
  const filtered = options.status ? base.where("o.status", "=", options.status) : base;
  const [rows, counts] = await Promise.all([
    filtered
      .innerJoin("technology_results as r", "r.id", "o.result_id")
      .innerJoin("organisations as b", "b.id", "o.buyer_organisation_id")
      .innerJoin("organisations as s", "s.id", "o.seller_organisation_id")
      .leftJoin("contracts as c", "c.id", "o.contract_id")
      .leftJoin("order_invoices as i", "i.order_id", "o.id")
      .select([
        "o.id",
        "o.result_id",
        "r.title",
        "o.mode",
        "b.name as buyer",
        "s.name as seller",
        "o.price_fen",
        "o.voucher_part_fen",
        "o.cash_due_fen",
        "o.payment_method",
        "o.status",
        "o.created_at",
        "o.expires_at",
        "o.paid_at",
        "c.contract_no",
        "i.order_id as invoice_requested",
        "i.invoice_no",
      ])
      .orderBy("o.id", "desc")
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute(),
    base.select(["o.status", (eb) => eb.fn.countAll<number>().as("n")]).groupBy("o.status").execute(),
  ]);
  const byStatus = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
  for (const c of counts) byStatus[c.status] = Number(c.n);
  const total = options.status ? byStatus[options.status] : Object.values(byStatus).reduce((a, b) => a + b, 0);
  return {
    rows: rows.map((r) => ({
      id: r.id,
      orderNo: orderNo(r.id),
      resultId: r.result_id,
      resultTitle: r.title,
      mode: r.mode,
      buyer: r.buyer,
      seller: r.seller,
      priceFen: r.price_fen,
      voucherPartFen: r.voucher_part_fen,
      cashDueFen: r.cash_due_fen,
      paymentMethod: r.payment_method,
      status: r.status,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      paidAt: r.paid_at,
      contractNo: r.contract_no,
      invoice: r.invoice_no !== null ? ("issued" as const) : r.invoice_requested !== null ? ("requested" as const) : ("none" as const),
    })),
    total,
    counts: byStatus,
  };
}

export interface OrderDetail extends Omit<OrderListRow, "invoice"> {
  buyerOrganisationId: number;
  sellerOrganisationId: number;
  buyerUser: string;
  buyerRegion: string | null;
  field: FieldCode;
  exclusive: boolean;
  quoteId: number | null;
  programmeName: string | null;
  bankReference: string;
  stripeCheckoutUrl: string | null;
  hasStripeSession: boolean;
  paymentRef: string | null;
  closeReason: OrderCloseReason | null;
  closedAt: Date | null;
  refundedAt: Date | null;
  reservation: { state: ReservationState; expiresAt: Date; endedAt: Date | null } | null;
  contract: { id: number; contractNo: string; certificateNo: string; signedOn: string; status: ContractStatus } | null;
  /** what each voucher pays (held while pending, redeemed once paid) */
  vouchers: { voucherId: number; serial: string; amountFen: number }[];
  events: { kind: OrderEventKind; at: Date; amountFen: number | null; externalRef: string | null; actor: string | null; note: string | null }[];
}

/** One order with its parties, contract, vouchers and history; null when there is none. */
export async function getOrderDetail(db: Kysely<DB>, orderId: number): Promise<OrderDetail | null> {
  if (!Number.isSafeInteger(orderId) || orderId <= 0) return null;
  const row = await db
    .selectFrom("orders as o")
    .innerJoin("technology_results as r", "r.id", "o.result_id")
    .innerJoin("organisations as b", "b.id", "o.buyer_organisation_id")
    .innerJoin("organisations as s", "s.id", "o.seller_organisation_id")
    .innerJoin("users as u", "u.id", "o.buyer_user_id")
    .leftJoin("contracts as c", "c.id", "o.contract_id")
    .leftJoin("voucher_programmes as p", "p.id", "o.programme_id")
    .leftJoin("result_reservations as v", "v.order_id", "o.id")
    .selectAll("o")
    .select([
      "r.title",
      "r.field",
      "b.name as buyer",
      "b.region as buyer_region",
      "s.name as seller",
      "u.display_name as buyer_user",
      "c.contract_no",
      "c.certificate_no",
      "c.signed_on",
      "c.status as contract_status",
      "p.name as programme_name",
      "v.state as reservation_state",
      "v.expires_at as reservation_expires_at",
      "v.ended_at as reservation_ended_at",
    ])
    .where("o.id", "=", orderId)
    .executeTakeFirst();
  if (!row) return null;
  const [vouchers, events] = await Promise.all([
    db
      .selectFrom("ledger_transactions as t")
      .innerJoin("ledger_entries as e", "e.transaction_id", "t.id")
      .innerJoin("ledger_accounts as a", "a.id", "e.account_id")
      .innerJoin("vouchers as w", "w.id", "t.voucher_id")
      .select(["w.id", "w.serial", (eb) => eb.fn.sum<number>(sql`-e.amount`).as("amount")])
      .where("t.order_id", "=", orderId)
      .where("t.kind", "=", "voucher_hold")
      .where("a.purpose", "=", "voucher_held")
      .groupBy(["w.id", "w.serial"])
      .orderBy("w.id")
      .execute(),
    db
      .selectFrom("order_events as ev")
      .leftJoin("users as u", "u.id", "ev.actor_user_id")
      .select(["ev.kind", "ev.created_at", "ev.amount_fen", "ev.external_ref", "u.display_name", "ev.note"])
      .where("ev.order_id", "=", orderId)
      .orderBy("ev.id")
      .execute(),
  ]);
  return {
    id: row.id,
    orderNo: orderNo(row.id),
    resultId: row.result_id,
    resultTitle: row.title,
    mode: row.mode,
    buyer: row.buyer,
    seller: row.seller,
    priceFen: row.price_fen,
    voucherPartFen: row.voucher_part_fen,
    cashDueFen: row.cash_due_fen,
    paymentMethod: row.payment_method,
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    paidAt: row.paid_at,
    contractNo: row.contract_no,
    buyerOrganisationId: row.buyer_organisation_id,
    sellerOrganisationId: row.seller_organisation_id,
    buyerUser: row.buyer_user,
    buyerRegion: row.buyer_region,
    field: row.field,
    exclusive: row.exclusive,
    quoteId: row.quote_id,
    programmeName: row.programme_name,
    bankReference: bankReference(row.id),
    stripeCheckoutUrl: row.stripe_checkout_url,
    hasStripeSession: row.stripe_checkout_session_id !== null,
    paymentRef: row.payment_ref,
    closeReason: row.close_reason,
    closedAt: row.closed_at,
    refundedAt: row.refunded_at,
    reservation:
      row.reservation_state === null
        ? null
        : { state: row.reservation_state, expiresAt: row.reservation_expires_at as Date, endedAt: row.reservation_ended_at },
    contract:
      row.contract_id === null || row.contract_no === null
        ? null
        : {
            id: row.contract_id,
            contractNo: row.contract_no,
            certificateNo: row.certificate_no as string,
            signedOn: row.signed_on as string,
            status: row.contract_status as ContractStatus,
          },
    vouchers: vouchers.map((v) => ({ voucherId: v.id, serial: v.serial, amountFen: Number(v.amount) })),
    events: events.map((e) => ({
      kind: e.kind,
      at: e.created_at,
      amountFen: e.amount_fen,
      externalRef: e.external_ref,
      actor: e.display_name,
      note: e.note,
    })),
  };
}

/** Who may see an order: its buyer and seller organisations, the operator and the bureau (contract registration). */
export function mayViewOrder(order: Pick<OrderDetail, "buyerOrganisationId" | "sellerOrganisationId">, user: { organisationId: number; role: OrganisationKind }): boolean {
  return (
    user.role === "operator" ||
    user.role === "bureau" ||
    order.buyerOrganisationId === user.organisationId ||
    order.sellerOrganisationId === user.organisationId
  );
}

export interface TransferRow {
  id: number;
  orderNo: string;
  bankReference: string;
  resultTitle: string;
  buyer: string;
  seller: string;
  cashDueFen: number;
  createdAt: Date;
  expiresAt: Date;
  status: OrderStatus;
  paidAt: Date | null;
  paymentRef: string | null;
}

/**
 * The operator's bank-transfer queue: orders waiting for a transfer (soonest deadline first), or, with `q`, the
 * orders a reference code, order number or party name points at (any status).
 */
export async function listBankTransfers(
  db: Kysely<DB>,
  options: { q?: string | null; status?: "pending" | "completed" | "refunded" | null; limit?: number } = {},
): Promise<TransferRow[]> {
  let query = db
    .selectFrom("orders as o")
    .innerJoin("technology_results as r", "r.id", "o.result_id")
    .innerJoin("organisations as b", "b.id", "o.buyer_organisation_id")
    .innerJoin("organisations as s", "s.id", "o.seller_organisation_id")
    .select(["o.id", "r.title", "b.name as buyer", "s.name as seller", "o.cash_due_fen", "o.created_at", "o.expires_at", "o.status", "o.paid_at", "o.payment_ref"])
    .where("o.payment_method", "=", "bank_transfer");
  const q = options.q?.trim() ?? "";
  if (q !== "") {
    const byReference = parseBankReference(q);
    const digits = /^\d{1,16}$/.test(q) ? Number(q) : null;
    const like = `%${q.replace(/[\\%_]/g, "\\$&")}%`;
    query = query.where((eb) =>
      eb.or([
        ...(byReference !== null ? [eb("o.id", "=", byReference)] : []),
        ...(digits !== null && Number.isSafeInteger(digits) ? [eb("o.id", "=", digits)] : []),
        eb("b.name", "ilike", like),
        eb("s.name", "ilike", like),
        eb("o.payment_ref", "ilike", like),
      ]),
    );
  }
  if (options.status) query = query.where("o.status", "=", options.status);
  else if (q === "") query = query.where("o.status", "=", "pending");
  const rows = await query
    .orderBy(sql`case when o.status = 'pending' then 0 else 1 end`)
    .orderBy("o.expires_at")
    .orderBy("o.id")
    .limit(options.limit ?? 100)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    orderNo: orderNo(r.id),
    bankReference: bankReference(r.id),
    resultTitle: r.title,
    buyer: r.buyer,
    seller: r.seller,
    cashDueFen: r.cash_due_fen,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    status: r.status,
    paidAt: r.paid_at,
    paymentRef: r.payment_ref,
  }));
}

export interface OperatorOverview {
  awaitingTransfers: number;
  awaitingTransfersFen: number;
  transfersDueToday: number;
  pendingCard: number;
  completedToday: number;
  completedTodayFen: number;
  completed30d: number;
  completed30dFen: number;
  refunded30d: number;
  activeReservations: number;
}

/** Figures for the operator's start page ("today" is the China calendar day). */
export async function operatorOverview(db: Kysely<DB>, now: Date = new Date()): Promise<OperatorOverview> {
  // China midnight: UTC midnight of the China date minus 8 hours.
  const chinaNow = new Date(now.getTime() + 8 * 3_600_000);
  const todayStart = new Date(Date.UTC(chinaNow.getUTCFullYear(), chinaNow.getUTCMonth(), chinaNow.getUTCDate()) - 8 * 3_600_000);
  const tomorrow = new Date(todayStart.getTime() + 86_400_000);
  const monthAgo = new Date(now.getTime() - 30 * 86_400_000);
  const { rows } = await sql<{
    awaiting: number;
    awaiting_fen: number;
    due_today: number;
    pending_card: number;
    completed_today: number;
    completed_today_fen: number;
    completed_30d: number;
    completed_30d_fen: number;
    refunded_30d: number;
    reservations: number;
  }>`
    select
      count(*) filter (where status = 'pending' and payment_method = 'bank_transfer')::bigint as awaiting,
      coalesce(sum(cash_due_fen) filter (where status = 'pending' and payment_method = 'bank_transfer'), 0)::bigint as awaiting_fen,
      count(*) filter (where status = 'pending' and payment_method = 'bank_transfer' and expires_at < ${tomorrow})::bigint as due_today,
      count(*) filter (where status = 'pending' and payment_method = 'card')::bigint as pending_card,
      count(*) filter (where status = 'completed' and paid_at >= ${todayStart})::bigint as completed_today,
      coalesce(sum(price_fen) filter (where status = 'completed' and paid_at >= ${todayStart}), 0)::bigint as completed_today_fen,
      count(*) filter (where status in ('completed', 'refunded') and paid_at >= ${monthAgo})::bigint as completed_30d,
      coalesce(sum(price_fen) filter (where status in ('completed', 'refunded') and paid_at >= ${monthAgo}), 0)::bigint as completed_30d_fen,
      count(*) filter (where status = 'refunded' and refunded_at >= ${monthAgo})::bigint as refunded_30d,
      (select count(*) from result_reservations where state = 'active')::bigint as reservations
    from orders
    where status = 'pending' or paid_at >= ${monthAgo} or refunded_at >= ${monthAgo}`.execute(db);
  const r = rows[0];
  return {
    awaitingTransfers: r.awaiting,
    awaitingTransfersFen: r.awaiting_fen,
    transfersDueToday: r.due_today,
    pendingCard: r.pending_card,
    completedToday: r.completed_today,
    completedTodayFen: r.completed_today_fen,
    completed30d: r.completed_30d,
    completed30dFen: r.completed_30d_fen,
    refunded30d: r.refunded_30d,
    activeReservations: r.reservations,
  };
}
