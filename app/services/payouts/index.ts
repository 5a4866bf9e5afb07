import { sql, type Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import type { Message } from "../accounts/types";
import { parseYuanToFen } from "../contracts/money";
import { InsufficientFundsError, payOutInstitution } from "../ledger";
import { uniqueViolation } from "../accounts/validation";

// 机构结算: what the platform owes each institution for its sales (card and bank payments less the platform fee, net
// of refunds) is its institution_payable account. The operator sends the money from the platform's bank account and
// records it here with the bank's reference; the record and its ledger posting commit together.

export interface PayableRow {
  institutionId: number;
  institutionName: string;
  /** owed now (the payable account's balance) */
  owedFen: number;
  paidFen: number;
  payouts: number;
  lastPaidAt: Date | null;
}

export interface PayablesOverview {
  rows: PayableRow[];
  owedFen: number;
  paidFen: number;
}

/** Every institution the platform has collected money for, most owed first. */
export async function payablesOverview(db: Kysely<DB>): Promise<PayablesOverview> {
  const { rows } = await sql<{ id: number; name: string; owed: number; paid: number; payouts: number; last_paid_at: Date | null }>`
    select o.id, o.name, a.balance as owed, coalesce(p.paid, 0)::bigint as paid, coalesce(p.n, 0)::int as payouts, p.last_paid_at
      from ledger_accounts a
      join organisations o on o.id = a.owner_organisation_id
      left join lateral (
        select sum(amount_fen) as paid, count(*) as n, max(paid_at) as last_paid_at
          from institution_payouts where institution_id = o.id) p on true
     where a.purpose = 'institution_payable'
     order by a.balance desc, o.name, o.id`.execute(db);
  const list = rows.map((r) => ({
    institutionId: r.id,
    institutionName: r.name,
    owedFen: r.owed,
    paidFen: r.paid,
    payouts: r.payouts,
    lastPaidAt: r.last_paid_at,
  }));
  return {
    rows: list,
    owedFen: list.reduce((sum, r) => sum + r.owedFen, 0),
    paidFen: list.reduce((sum, r) => sum + r.paidFen, 0),
  };
}

export interface PayoutRow {
  id: number;
  amountFen: number;
  bankReference: string;
  note: string | null;
  paidAt: Date;
  paidBy: string;
}

export interface InstitutionSettlement {
  institutionId: number;
  institutionName: string;
  owedFen: number;
  paidFen: number;
  payoutCount: number;
  /** newest first, at most the limit asked for */
  payouts: PayoutRow[];
}

/** One institution's settlement: owed now, paid so far and its payouts, newest first. Null for a non-institution. */
export async function institutionSettlement(
  db: Kysely<DB>,
  institutionId: number,
  options: { limit?: number } = {},
): Promise<InstitutionSettlement | null> {
  const institution = await db
    .selectFrom("organisations as o")
    .leftJoin("ledger_accounts as a", (join) => join.onRef("a.owner_organisation_id", "=", "o.id").on("a.purpose", "=", "institution_payable"))
    .select(["o.id", "o.name", "a.balance"])
    .where("o.id", "=", institutionId)
    .where("o.kind", "=", "institution")
    .executeTakeFirst();
  if (!institution) return null;
  const [payouts, paid] = await Promise.all([
    db
      .selectFrom("institution_payouts as p")
      .innerJoin("users as u", "u.id", "p.paid_by")
      .select(["p.id", "p.amount_fen", "p.bank_reference", "p.note", "p.paid_at", "u.display_name"])
      .where("p.institution_id", "=", institutionId)
      .orderBy("p.paid_at", "desc")
      .orderBy("p.id", "desc")
      .limit(options.limit ?? 50)
      .execute(),
    db
      .selectFrom("institution_payouts")
      .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>("amount_fen"), sql<number>`0`).as("total"), eb.fn.countAll<number>().as("count")])
      .where("institution_id", "=", institutionId)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    institutionId: institution.id,
    institutionName: institution.name,
    owedFen: institution.balance ?? 0,
    paidFen: Number(paid.total),
    payoutCount: Number(paid.count),
    payouts: payouts.map((p) => ({
      id: p.id,
      amountFen: p.amount_fen,
      bankReference: p.bank_reference,
      note: p.note,
      paidAt: p.paid_at,
      paidBy: p.display_name,
    })),
  };
}

export type PayoutField = "amount" | "bankReference" | "note";

export type PayoutResult =
  | { ok: true; payoutId: number; amountFen: number }
  | { ok: false; fieldErrors: Partial<Record<PayoutField, Message>>; formError?: Message };

const MAX_REFERENCE = 64;
const MAX_NOTE = 500;

/**
 * Records money the operator sent an institution (amount in yuan as typed, the bank's reference for the transfer, an
 * optional note) and posts it: institution_payable → the platform's bank account. The payable account is locked while
 * it is read, so the amount is checked against what is owed at that moment; the account's non-negative CHECK refuses
 * an overpayment in any case. A reference already recorded is refused (a double submit records nothing twice).
 */
export async function recordPayout(
  db: Kysely<DB>,
  actor: { userId: number },
  input: { institutionId: number; amount: unknown; bankReference: unknown; note?: unknown },
  now: Date = new Date(),
): Promise<PayoutResult> {
  const fieldErrors: Partial<Record<PayoutField, Message>> = {};
  const parsed = parseYuanToFen(typeof input.amount === "string" ? input.amount : "");
  if (!parsed.ok) fieldErrors.amount = { key: `checkout.amount.${parsed.problem}` };
  else if (parsed.fen === 0) fieldErrors.amount = { key: "checkout.amount.notPositive" };
  const reference = typeof input.bankReference === "string" ? input.bankReference.trim() : "";
  if (reference === "") fieldErrors.bankReference = { key: "payouts.error.referenceRequired" };
  else if ([...reference].length > MAX_REFERENCE) fieldErrors.bankReference = { key: "payouts.error.tooLong", params: { chars: MAX_REFERENCE } };
  const note = typeof input.note === "string" && input.note.trim() !== "" ? input.note.trim() : null;
  if (note !== null && [...note].length > MAX_NOTE) fieldErrors.note = { key: "payouts.error.tooLong", params: { chars: MAX_NOTE } };
  if (Object.keys(fieldErrors).length > 0 || !parsed.ok) return { ok: false, fieldErrors };
  const amountFen = parsed.fen;

  try {
    return await db.transaction().execute(async (trx) => {
      const payable = await trx
        .selectFrom("ledger_accounts as a")
        .innerJoin("organisations as o", "o.id", "a.owner_organisation_id")
        .select(["a.balance"])
        .where("a.owner_organisation_id", "=", input.institutionId)
        .where("a.purpose", "=", "institution_payable")
        .where("o.kind", "=", "institution")
        .forUpdate("a")
        .executeTakeFirst();
      if (!payable || payable.balance === 0) return { ok: false as const, fieldErrors: {}, formError: { key: "payouts.error.nothingOwed" } };
      if (amountFen > payable.balance) {
        return { ok: false as const, fieldErrors: { amount: { key: "payouts.error.aboveOwed", params: { max: payable.balance } } } };
      }
      const payout = await trx
        .insertInto("institution_payouts")
        .values({ institution_id: input.institutionId, amount_fen: amountFen, bank_reference: reference, note, paid_by: actor.userId, paid_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      await payOutInstitution(trx, { payoutId: payout.id, institutionId: input.institutionId, amountFen, reference, paidAt: now });
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: actor.userId,
          action: "institution_payout.record",
          subject_type: "organisation",
          subject_id: String(input.institutionId),
          detail: { payoutId: payout.id, amountFen, bankReference: reference },
        })
        .execute();
      return { ok: true as const, payoutId: payout.id, amountFen };
    });
  } catch (error) {
    if (uniqueViolation(error) === "institution_payouts_bank_reference_key") {
      return { ok: false, fieldErrors: { bankReference: { key: "payouts.error.referenceUsed" } } };
    }
    // A refund reversed part of the payable between our read and the posting cannot happen under the account's lock;
    // the database's check is the last word all the same.
    if (error instanceof InsufficientFundsError) return { ok: false, fieldErrors: { amount: { key: "payouts.error.aboveOwedNow" } } };
    throw error;
  }
}
