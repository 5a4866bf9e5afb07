import { sql, type Kysely } from "kysely";
import type { DB, VoucherStatus } from "../../../db/schema";
import { ensureAccounts, findAccount, platformBucket, type AccountOwner } from "./accounts";
import { LedgerError, LedgerInputError } from "./errors";
import { assertFen } from "./money";
import { findTransactionByKey, postTransaction, reverseTransaction, type PostedTransaction } from "./post";

// The money flows of the market, each a named function posting one ledger transaction with a key derived from our
// ids. Every function runs in the caller's database transaction when given one (checkout composes several with its own
// writes) and opens one otherwise. Placing and completing an order post their holds, redemptions and payments in the
// database functions order_place and order_settle (db/migrations/0006), with the same kinds, keys and accounts.
//
// Holds are moves into a per-voucher "held" account (not pending transfers): voucher_available and voucher_held are both
// non-negative accounts, so the database's CHECK alone stops a voucher from being held or spent twice, and a hold is
// released or redeemed by moving the money on. What one order holds on one voucher is the sum of that order's entries on
// the voucher's held account.

function inTransaction<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

function assertId(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new LedgerInputError(field, `must be a positive id, got ${String(value)}`);
  }
}

// ---- Voucher programme and voucher issue ----

/** Appropriates a programme's budget, or adds to it (a top-up, under its own key): programme fund (debit) → budget (credit). */
export async function postProgrammeFunding(
  db: Kysely<DB>,
  input: { programmeId: number; bureauId: number; amountFen: number; idempotencyKey?: string; at?: Date; memo?: string },
): Promise<PostedTransaction> {
  assertId(input.programmeId, "programmeId");
  assertId(input.bureauId, "bureauId");
  assertFen(input.amountFen, "amountFen");
  return inTransaction(db, async (trx) => {
    const owner: AccountOwner = { kind: "programme", programmeId: input.programmeId, bureauId: input.bureauId };
    const [fund, budget] = await ensureAccounts(trx, [
      { owner, purpose: "programme_fund" },
      { owner, purpose: "programme_budget" },
    ]);
    return postTransaction(trx, {
      kind: "programme_funding",
      idempotencyKey: input.idempotencyKey ?? `programme:${input.programmeId}:funding`,
      entries: [
        { accountId: fund, amountFen: input.amountFen },
        { accountId: budget, amountFen: -input.amountFen },
      ],
      links: { programmeId: input.programmeId },
      memo: input.memo ?? null,
      effectiveAt: input.at,
    });
  });
}

/**
 * Issues a voucher's amount out of its programme's budget (budget → voucher available). The budget account must not go
 * negative, so the database refuses an issue beyond the budget with InsufficientFundsError on programme_budget.
 */
export async function postVoucherIssue(
  db: Kysely<DB>,
  voucher: { voucherId: number; programmeId: number; bureauId: number; enterpriseId: number; amountFen: number; issuedAt?: Date },
): Promise<PostedTransaction> {
  assertId(voucher.voucherId, "voucherId");
  assertFen(voucher.amountFen, "amountFen");
  return inTransaction(db, async (trx) => {
    const owner: AccountOwner = {
      kind: "voucher",
      voucherId: voucher.voucherId,
      programmeId: voucher.programmeId,
      enterpriseId: voucher.enterpriseId,
    };
    const [budget, available] = await ensureAccounts(trx, [
      { owner: { kind: "programme", programmeId: voucher.programmeId, bureauId: voucher.bureauId }, purpose: "programme_budget" },
      { owner, purpose: "voucher_available" },
      { owner, purpose: "voucher_held" },
    ]);
    return postTransaction(trx, {
      kind: "voucher_issue",
      idempotencyKey: `voucher:${voucher.voucherId}:issue`,
      entries: [
        { accountId: budget, amountFen: voucher.amountFen },
        { accountId: available, amountFen: -voucher.amountFen },
      ],
      links: { voucherId: voucher.voucherId, programmeId: voucher.programmeId },
      effectiveAt: voucher.issuedAt,
    });
  });
}

// ---- Voucher holds ----

/** A voucher row locked by this transaction, with what the ledger needs to move its money. */
export interface LockedVoucher {
  id: number;
  serial: string;
  programmeId: number;
  bureauId: number;
  enterpriseId: number;
  amountFen: number;
  expiresAt: Date;
  status: VoucherStatus;
}

const VOUCHER_COLUMNS = [
  "v.id",
  "v.serial",
  "v.programme_id",
  "p.bureau_id",
  "v.enterprise_id",
  "v.amount_fen",
  "v.expires_at",
  "v.status",
] as const;

function toLocked(row: {
  id: number;
  serial: string;
  programme_id: number;
  bureau_id: number;
  enterprise_id: number;
  amount_fen: number;
  expires_at: Date;
  status: VoucherStatus;
}): LockedVoucher {
  return {
    id: row.id,
    serial: row.serial,
    programmeId: row.programme_id,
    bureauId: row.bureau_id,
    enterpriseId: row.enterprise_id,
    amountFen: row.amount_fen,
    expiresAt: row.expires_at,
    status: row.status,
  };
}

/**
 * Locks voucher rows, in id order. Holds take a SHARE lock (many checkouts may hold on one voucher at once; the
 * available account's row lock orders them); releases, redemptions and expiry take NO KEY UPDATE, so expiry never
 * interleaves with a hold or a release and each order's hold is measured and moved under one lock. Reading what is
 * held happens in a later statement, whose snapshot sees everything committed before the lock was granted.
 */
export async function lockVouchers(db: Kysely<DB>, voucherIds: readonly number[], mode: "share" | "update"): Promise<LockedVoucher[]> {
  voucherIds.forEach((id, i) => assertId(id, `voucherIds[${i}]`));
  if (voucherIds.length === 0) return [];
  const query = db
    .selectFrom("vouchers as v")
    .innerJoin("voucher_programmes as p", "p.id", "v.programme_id")
    .select(VOUCHER_COLUMNS)
    .where("v.id", "in", [...voucherIds])
    .orderBy("v.id");
  const rows = await (mode === "share" ? query.forShare("v") : query.forNoKeyUpdate("v")).execute();
  const missing = voucherIds.find((id) => !rows.some((r) => r.id === id));
  if (missing !== undefined) throw new LedgerError("not_found", `voucher ${missing} does not exist`);
  return rows.map(toLocked);
}

/**
 * Locks all of an enterprise's vouchers in the programme of one of them (NO KEY UPDATE, id order): checkout takes
 * this lock so two checkouts of one enterprise measure its yearly cap one after the other.
 */
export async function lockEnterpriseVouchers(db: Kysely<DB>, enterpriseId: number, anyVoucherId: number): Promise<LockedVoucher[]> {
  assertId(enterpriseId, "enterpriseId");
  assertId(anyVoucherId, "anyVoucherId");
  const rows = await db
    .selectFrom("vouchers as v")
    .innerJoin("voucher_programmes as p", "p.id", "v.programme_id")
    .select(VOUCHER_COLUMNS)
    .where("v.enterprise_id", "=", enterpriseId)
    .where("v.programme_id", "=", (eb) => eb.selectFrom("vouchers").select("programme_id").where("id", "=", anyVoucherId))
    .orderBy("v.id")
    .forNoKeyUpdate("v")
    .execute();
  return rows.map(toLocked);
}

async function lockVoucher(db: Kysely<DB>, voucherId: number, mode: "share" | "update"): Promise<LockedVoucher> {
  const [voucher] = await lockVouchers(db, [voucherId], mode);
  return voucher;
}

function voucherOwner(v: LockedVoucher): AccountOwner {
  return { kind: "voucher", voucherId: v.id, programmeId: v.programmeId, enterpriseId: v.enterpriseId };
}

function budgetOwner(v: LockedVoucher): AccountOwner {
  return { kind: "programme", programmeId: v.programmeId, bureauId: v.bureauId };
}

/** Expired once its status says so or its expiry time has passed (before the expiry job got to it). */
export function isVoucherExpired(v: { status: VoucherStatus; expiresAt: Date }, now: Date): boolean {
  return v.status === "expired" || v.expiresAt.getTime() <= now.getTime();
}

/** A voucher that will never pay again (expired or revoked): money coming back to it goes to its programme instead. */
function isVoucherClosed(v: { status: VoucherStatus; expiresAt: Date }, now: Date): boolean {
  return v.status === "revoked" || isVoucherExpired(v, now);
}

/** What an order holds on each voucher right now (non-zero only), by voucher id. */
export async function outstandingHolds(db: Kysely<DB>, orderId: number): Promise<{ voucherId: number; amountFen: number }[]> {
  assertId(orderId, "orderId");
  const rows = await db
    .selectFrom("ledger_entries as e")
    .innerJoin("ledger_transactions as t", "t.id", "e.transaction_id")
    .innerJoin("ledger_accounts as a", "a.id", "e.account_id")
    .select(["a.voucher_id", (eb) => eb.fn.sum<number>("e.amount").as("sum")])
    .where("t.order_id", "=", orderId)
    .where("a.purpose", "=", "voucher_held")
    .groupBy("a.voucher_id")
    .having((eb) => eb.fn.sum("e.amount"), "<>", 0)
    .orderBy("a.voucher_id")
    .execute();
  // voucher_held is credit-normal: money held is a credit (negative amount).
  return rows.map((r) => ({ voucherId: r.voucher_id as number, amountFen: -Number(r.sum) }));
}

export interface ReleaseInput {
  voucherId: number;
  orderId: number;
  now?: Date;
  /** Defaults to "order:<order>:voucher:<voucher>:release". */
  idempotencyKey?: string;
}

async function releaseLocked(
  trx: Kysely<DB>,
  voucher: LockedVoucher,
  outstanding: number,
  input: Omit<ReleaseInput, "voucherId">,
): Promise<PostedTransaction | null> {
  const key = input.idempotencyKey ?? `order:${input.orderId}:voucher:${voucher.id}:release`;
  if (outstanding === 0) return findTransactionByKey(trx, key);
  const closed = isVoucherClosed(voucher, input.now ?? new Date());
  const owner = voucherOwner(voucher);
  const posted = await postTransaction(trx, {
    kind: "voucher_release",
    idempotencyKey: key,
    entries: [
      { account: { owner, purpose: "voucher_held" }, amountFen: outstanding },
      closed
        ? { account: { owner: budgetOwner(voucher), purpose: "programme_budget" }, amountFen: -outstanding }
        : { account: { owner, purpose: "voucher_available" }, amountFen: -outstanding },
    ],
    links: { orderId: input.orderId, voucherId: voucher.id, programmeId: voucher.programmeId },
    memo: closed ? `voucher ${voucher.status === "revoked" ? "revoked" : "expired"}: released to the programme budget` : null,
    effectiveAt: input.now,
  });
  if (posted.replayed) {
    throw new LedgerError("hold_consumed", `key "${key}" already released an earlier hold; pass a new idempotency key`);
  }
  return posted;
}

/** Locks the vouchers an order has held on (in id order), then reads what it holds on each. */
async function lockOrderHolds(trx: Kysely<DB>, orderId: number): Promise<{ voucher: LockedVoucher; amountFen: number }[]> {
  assertId(orderId, "orderId");
  const vouchers = (
    await trx
      .selectFrom("vouchers as v")
      .innerJoin("voucher_programmes as p", "p.id", "v.programme_id")
      .select(VOUCHER_COLUMNS)
      .where("v.id", "in", (eb) =>
        eb.selectFrom("ledger_transactions").select("voucher_id").where("order_id", "=", orderId).where("kind", "=", "voucher_hold"),
      )
      .orderBy("v.id")
      .forNoKeyUpdate("v")
      .execute()
  ).map(toLocked);
  if (vouchers.length === 0) return [];
  const holds = await outstandingHolds(trx, orderId);
  return vouchers.map((voucher) => ({ voucher, amountFen: holds.find((h) => h.voucherId === voucher.id)?.amountFen ?? 0 }));
}

interface ClosedVoucher {
  voucherId: number;
  serial: string;
  returnedFen: number;
  transaction: PostedTransaction | null;
}

/** Moves a locked voucher's whole available balance back to its programme's budget, as `kind` under `key`. */
async function returnAvailableToBudget(
  trx: Kysely<DB>,
  voucher: LockedVoucher,
  posting: { kind: "voucher_expiry" | "voucher_revocation"; idempotencyKey: string; memo?: string; effectiveAt: Date },
): Promise<ClosedVoucher> {
  const available = await findAccount(trx, voucherOwner(voucher), "voucher_available");
  const returnedFen = available && available.balanceFen > 0 ? available.balanceFen : 0;
  let transaction: PostedTransaction | null = null;
  if (available && returnedFen > 0) {
    const [budget] = await ensureAccounts(trx, [{ owner: budgetOwner(voucher), purpose: "programme_budget" }]);
    transaction = await postTransaction(trx, {
      ...posting,
      entries: [
        { accountId: available.id, amountFen: returnedFen },
        { accountId: budget, amountFen: -returnedFen },
      ],
      links: { voucherId: voucher.id, programmeId: voucher.programmeId },
    });
  }
  return { voucherId: voucher.id, serial: voucher.serial, returnedFen, transaction };
}

/**
 * Expires a voucher whose time has come: its unused available balance returns to the programme's budget and its
 * status becomes expired, in one step. Money still held for pending payments stays held; releasing it later sends it
 * to the budget too. Returns null when the voucher had already expired or was revoked (its money went back then).
 */
export async function expireVoucher(db: Kysely<DB>, input: { voucherId: number; now?: Date }): Promise<ClosedVoucher | null> {
  const now = input.now ?? new Date();
  return inTransaction(db, async (trx) => {
    const voucher = await lockVoucher(trx, input.voucherId, "update");
    if (voucher.status !== "active") return null;
    if (voucher.expiresAt.getTime() > now.getTime()) {
      throw new LedgerInputError("now", `voucher ${voucher.serial} expires at ${voucher.expiresAt.toISOString()}, not yet`);
    }
    // The money went back when the voucher ran out, however late the expiry job ran.
    const closed = await returnAvailableToBudget(trx, voucher, {
      kind: "voucher_expiry",
      idempotencyKey: `voucher:${voucher.id}:expiry`,
      effectiveAt: voucher.expiresAt,
    });
    await trx.updateTable("vouchers").set({ status: "expired", expired_at: now }).where("id", "=", voucher.id).execute();
    return closed;
  });
}

/**
 * Revokes an active voucher (a bureau's decision, recorded by the caller): its unused available balance returns to the
 * programme's budget and its status becomes revoked, in the caller's transaction. Money held for pending payments
 * stays held: the caller closes those orders first, or their release later sends it to the budget. Returns null, with
 * nothing changed, when the voucher is not active.
 */
export async function postVoucherRevocation(
  db: Kysely<DB>,
  input: { voucherId: number; actorUserId: number; reason: string; now?: Date },
): Promise<ClosedVoucher | null> {
  assertId(input.actorUserId, "actorUserId");
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (reason === "") throw new LedgerInputError("reason", "is required");
  const now = input.now ?? new Date();
  return inTransaction(db, async (trx) => {
    const voucher = await lockVoucher(trx, input.voucherId, "update");
    if (voucher.status !== "active") return null;
    const closed = await returnAvailableToBudget(trx, voucher, {
      kind: "voucher_revocation",
      idempotencyKey: `voucher:${voucher.id}:revocation`,
      memo: reason,
      effectiveAt: now,
    });
    await trx
      .updateTable("vouchers")
      .set({ status: "revoked", revoked_at: now, revoked_by: input.actorUserId, revocation_reason: reason })
      .where("id", "=", voucher.id)
      .execute();
    return closed;
  });
}

// ---- Orders: holds by order, payments, refunds ----

/** Releases every hold of an order (checkout cancelled, session expired, reservation lapsed). */
export async function releaseOrderHolds(db: Kysely<DB>, input: { orderId: number; now?: Date }): Promise<PostedTransaction[]> {
  return inTransaction(db, async (trx) => {
    const released: PostedTransaction[] = [];
    for (const { voucher, amountFen } of await lockOrderHolds(trx, input.orderId)) {
      if (amountFen === 0) continue;
      const posted = await releaseLocked(trx, voucher, amountFen, input);
      if (posted) released.push(posted);
    }
    return released;
  });
}

/**
 * Pays an institution what the platform owes it: payable → out of the platform's bank account. Keyed by the payout's
 * id (app/services/payouts records it in the same database transaction); the payable account may not go negative, so
 * paying more than is owed is refused by the database however many payouts race.
 */
export async function payOutInstitution(
  db: Kysely<DB>,
  input: { payoutId: number; institutionId: number; amountFen: number; reference: string; paidAt?: Date },
): Promise<PostedTransaction> {
  assertId(input.payoutId, "payoutId");
  assertId(input.institutionId, "institutionId");
  assertFen(input.amountFen, "amountFen");
  if (typeof input.reference !== "string" || input.reference.trim() === "") throw new LedgerInputError("reference", "is required");
  return inTransaction(db, async (trx) => {
    const [payable, bank] = await ensureAccounts(trx, [
      { owner: { kind: "organisation", organisationId: input.institutionId }, purpose: "institution_payable" },
      { owner: { kind: "platform", bucket: platformBucket(input.payoutId) }, purpose: "bank_clearing" },
    ]);
    return postTransaction(trx, {
      kind: "institution_payout",
      idempotencyKey: `institution-payout:${input.payoutId}`,
      entries: [
        { accountId: payable, amountFen: input.amountFen },
        { accountId: bank, amountFen: -input.amountFen },
      ],
      memo: `payout ${input.reference.trim()}`,
      effectiveAt: input.paidAt,
    });
  });
}

/**
 * Refunds an order: reverses its card or bank payment and its voucher redemptions (each at most once), then releases
 * the voucher money back to the voucher, or to the programme when the voucher has expired. Idempotent: a second call
 * finds everything reversed and released and posts nothing. A reversal that would overdraw an account (the
 * institution was already paid out or reimbursed) is refused with InsufficientFundsError.
 */
export async function refundOrder(
  db: Kysely<DB>,
  input: { orderId: number; stripeEventId?: string | null; memo?: string | null; now?: Date },
): Promise<{ reversals: PostedTransaction[]; releases: PostedTransaction[] }> {
  assertId(input.orderId, "orderId");
  return inTransaction(db, async (trx) => {
    const toReverse = await trx
      .selectFrom("ledger_transactions as t")
      .select(["t.id"])
      .where("t.order_id", "=", input.orderId)
      .where("t.kind", "in", ["card_payment", "bank_transfer", "voucher_post", "voucher_disallowance"])
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom("ledger_transactions as r").select("r.id").whereRef("r.reverses_transaction_id", "=", "t.id"))),
      )
      // A disallowance (核减) first: the money it returned to the programme goes back to what is owed for this order,
      // which the redemption's reversal then takes back to the voucher.
      .orderBy(sql`t.kind = 'voucher_disallowance'`, "desc")
      .orderBy("t.id")
      .execute();
    const reversals: PostedTransaction[] = [];
    for (const { id } of toReverse) {
      reversals.push(
        await reverseTransaction(trx, {
          transactionId: id,
          links: input.stripeEventId ? { stripeEventId: input.stripeEventId } : undefined,
          memo: input.memo ?? `refund of order ${input.orderId}`,
          effectiveAt: input.now,
        }),
      );
    }
    const releases = await releaseOrderHolds(trx, { orderId: input.orderId, now: input.now });
    return { reversals, releases };
  });
}

/**
 * What each voucher's redemption of an order put into the seller's owed account and still stands there (net of a
 * refund's reversals and of an earlier disallowance), by voucher id; only the positive ones.
 */
export async function standingRedemptions(db: Kysely<DB>, orderId: number): Promise<{ voucherId: number; amountFen: number }[]> {
  assertId(orderId, "orderId");
  const rows = await db
    .selectFrom("ledger_transactions as t")
    .innerJoin("ledger_entries as e", "e.transaction_id", "t.id")
    .innerJoin("ledger_accounts as a", "a.id", "e.account_id")
    .select(["t.voucher_id as voucherId", (eb) => eb.fn.sum<number>("e.amount").as("amount")])
    .where("t.order_id", "=", orderId)
    .where("t.kind", "in", ["voucher_post", "voucher_disallowance", "reversal"])
    .where("a.purpose", "=", "voucher_reimbursable")
    .where("t.voucher_id", "is not", null)
    .groupBy("t.voucher_id")
    .orderBy("t.voucher_id")
    .execute();
  // voucher_reimbursable is credit-normal: what stands owed is a credit (negative sum).
  return rows.map((r) => ({ voucherId: r.voucherId as number, amountFen: -Number(r.amount) })).filter((r) => r.amountFen > 0);
}

/**
 * 核减: disallows what an order's vouchers redeemed and the programme still owes its seller (all of it, or up to
 * `limitFen`, taken voucher by voucher in id order), one posting per voucher (owed → programme budget). What the
 * programme owes the seller is one account, so money already reimbursed comes off what it owes for other purchases;
 * InsufficientFundsError when it owes less than that. Returns the postings and the amount; nothing when nothing stands
 * redeemed.
 */
export async function postVoucherDisallowance(
  db: Kysely<DB>,
  input: { orderId: number; now?: Date; limitFen?: number },
): Promise<{ postings: PostedTransaction[]; amountFen: number }> {
  assertId(input.orderId, "orderId");
  if (input.limitFen !== undefined) assertFen(input.limitFen, "limitFen");
  return inTransaction(db, async (trx) => {
    const order = await trx.selectFrom("orders").select(["id", "seller_organisation_id"]).where("id", "=", input.orderId).executeTakeFirst();
    if (!order) throw new LedgerInputError("orderId", `order ${input.orderId} does not exist`);
    const standing = await standingRedemptions(trx, input.orderId);
    const postings: PostedTransaction[] = [];
    let amountFen = 0;
    let left = input.limitFen ?? Number.MAX_SAFE_INTEGER;
    for (const row of standing) {
      const owedFen = Math.min(row.amountFen, left);
      if (owedFen <= 0) break;
      left -= owedFen;
      amountFen += owedFen;
      const [voucher] = (
        await trx
          .selectFrom("vouchers as v")
          .innerJoin("voucher_programmes as p", "p.id", "v.programme_id")
          .select(VOUCHER_COLUMNS)
          .where("v.id", "=", row.voucherId)
          .execute()
      ).map(toLocked);
      const owner: AccountOwner = { kind: "programme_institution", programmeId: voucher.programmeId, institutionId: order.seller_organisation_id };
      postings.push(
        await postTransaction(trx, {
          kind: "voucher_disallowance",
          idempotencyKey: `order:${order.id}:voucher:${voucher.id}:disallow`,
          entries: [
            { account: { owner, purpose: "voucher_reimbursable" }, amountFen: owedFen },
            { account: { owner: budgetOwner(voucher), purpose: "programme_budget" }, amountFen: -owedFen },
          ],
          links: { orderId: order.id, voucherId: voucher.id, programmeId: voucher.programmeId },
          memo: `voucher part of order ${order.id} disallowed`,
          effectiveAt: input.now,
        }),
      );
    }
    return { postings, amountFen };
  });
}

// ---- Voucher reimbursement (兑付) ----

export interface ReimbursementLine {
  institutionId: number;
  amountFen: number;
}

function assertLines(lines: readonly ReimbursementLine[]): void {
  if (lines.length === 0) throw new LedgerInputError("lines", "a reimbursement batch needs at least one line");
  lines.forEach((l, i) => {
    assertId(l.institutionId, `lines[${i}].institutionId`);
    assertFen(l.amountFen, `lines[${i}].amountFen`);
  });
}

/** A reimbursement batch takes what the programme owes each institution into payment (owed → in payment). */
export async function postReimbursementBatch(
  db: Kysely<DB>,
  input: { batchId: number; programmeId: number; lines: readonly ReimbursementLine[]; at?: Date },
): Promise<PostedTransaction> {
  assertId(input.batchId, "batchId");
  assertLines(input.lines);
  return inTransaction(db, async (trx) => {
    const ids = await ensureAccounts(
      trx,
      input.lines.flatMap((l) => {
        const owner: AccountOwner = { kind: "programme_institution", programmeId: input.programmeId, institutionId: l.institutionId };
        return [
          { owner, purpose: "voucher_reimbursable" as const },
          { owner, purpose: "reimbursement_in_payment" as const },
        ];
      }),
    );
    return postTransaction(trx, {
      kind: "reimbursement_batch",
      idempotencyKey: `reimbursement-batch:${input.batchId}`,
      entries: input.lines.flatMap((l, i) => [
        { accountId: ids[2 * i], amountFen: l.amountFen },
        { accountId: ids[2 * i + 1], amountFen: -l.amountFen },
      ]),
      links: { programmeId: input.programmeId, reimbursementBatchId: input.batchId },
      effectiveAt: input.at,
    });
  });
}

/** The bureau paid a batch: in payment → out of the programme's fund. */
export async function postReimbursementPaid(
  db: Kysely<DB>,
  input: { batchId: number; programmeId: number; bureauId: number; lines: readonly ReimbursementLine[]; paymentReference: string; paidAt?: Date },
): Promise<PostedTransaction> {
  assertId(input.batchId, "batchId");
  assertLines(input.lines);
  return inTransaction(db, async (trx) => {
    const ids = await ensureAccounts(trx, [
      { owner: { kind: "programme", programmeId: input.programmeId, bureauId: input.bureauId }, purpose: "programme_fund" },
      ...input.lines.map((l) => ({
        owner: { kind: "programme_institution", programmeId: input.programmeId, institutionId: l.institutionId } as AccountOwner,
        purpose: "reimbursement_in_payment" as const,
      })),
    ]);
    const total = input.lines.reduce((s, l) => s + l.amountFen, 0);
    return postTransaction(trx, {
      kind: "reimbursement_paid",
      idempotencyKey: `reimbursement-batch:${input.batchId}:paid`,
      entries: [
        { accountId: ids[0], amountFen: -total },
        ...input.lines.map((l, i) => ({ accountId: ids[i + 1], amountFen: l.amountFen })),
      ],
      links: { programmeId: input.programmeId, reimbursementBatchId: input.batchId },
      memo: `paid: ${input.paymentReference}`,
      effectiveAt: input.paidAt,
    });
  });
}
