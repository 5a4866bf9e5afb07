import { sql, type Kysely, type RawBuilder } from "kysely";
import type { DB, ReimbursementBatchStatus } from "../../../db/schema";
import type { Rejected } from "../accounts/types";
import { postReimbursementBatch, postReimbursementPaid } from "../ledger";
import { changedLately } from "../payouts/payee-account";
import type { Actor } from "./programmes";
import { idFrom, requiredText } from "./validation";

// 兑付: the bureau pays institutions the voucher part of their sales. Redeemed voucher money sits in the programme's
// voucher_reimbursable account per institution; a batch moves it into reimbursement_in_payment, and marking the batch
// paid moves it out of the programme's fund. Both steps are ledger transactions keyed by the batch id.

export interface OwedRow {
  programmeId: number;
  programmeName: string;
  programmeYear: number;
  institutionId: number;
  institutionName: string;
  /** redeemed and not yet in a batch */
  owedFen: number;
  inPaymentFen: number;
  paidFen: number;
  /** voucher purchases of this institution in this programme that a spot check found irregular and that are not yet disallowed */
  irregularFindings: number;
  /** 核减: the voucher parts of its purchases the bureau disallowed */
  disallowedFen: number;
  /** when the oldest redemption still owed was paid for (the first since the institution's last batch); null when nothing is owed */
  waitingSince: Date | null;
  /** of the voucher purchases since its last batch, those whose invoice (发票) the seller has not recorded */
  uninvoiced: number;
}

/**
 * How long an institution should wait for its money: voucher rules commonly promise reimbursement within a month of
 * the claim, and a slow one is the complaint institutions make most (../shared/domain.md). Older ones are flagged.
 */
export const REIMBURSEMENT_DUE_DAYS = 30;

/** Whole days since the oldest redemption still owed, and whether that is past REIMBURSEMENT_DUE_DAYS. */
export function reimbursementWait(waitingSince: Date | null, now: Date = new Date()): { days: number; overdue: boolean } | null {
  if (!waitingSince) return null;
  const days = Math.max(0, Math.floor((now.getTime() - waitingSince.getTime()) / 86_400_000));
  return { days, overdue: days > REIMBURSEMENT_DUE_DAYS };
}

/** What each of the bureau's programmes owes each institution, in a batch, and has paid. */
export function reimbursementOverview(db: Kysely<DB>, bureauId: number): Promise<OwedRow[]> {
  return owedRows(db, sql`p.bureau_id = ${bureauId}`);
}

export interface ReimbursementTimeliness {
  /** voucher purchases whose reimbursement was paid in the window */
  purchases: number;
  /** their average days from the purchase's payment to the reimbursement's, weighted by voucher part; null without any */
  averageDays: number | null;
  /** the longest of them */
  longestDays: number | null;
}

/**
 * How quickly the bureau reimburses (兑付): for voucher purchases whose reimbursement was paid in the last `days`, the
 * time from the buyer's payment to the batch that paid the institution (the institution's first paid batch made
 * after the purchase).
 */
export async function reimbursementTimeliness(db: Kysely<DB>, bureauId: number, now: Date = new Date(), days = 365): Promise<ReimbursementTimeliness> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const { rows } = await sql<{ purchases: number; average_days: number | null; longest_days: number | null }>`
    select count(*)::int as purchases,
           (sum(w.days * r.voucher_part_fen) / nullif(sum(r.voucher_part_fen), 0))::float8 as average_days,
           max(w.days)::float8 as longest_days
      from orders r
      join voucher_programmes p on p.id = r.programme_id
      cross join lateral (
        select extract(epoch from (b.paid_at - r.paid_at)) / 86400 as days, b.paid_at
          from reimbursement_batch_lines l join reimbursement_batches b on b.id = l.batch_id
         where b.programme_id = r.programme_id and l.institution_id = r.seller_organisation_id and b.created_at >= r.paid_at
         order by b.created_at limit 1
      ) w
     where p.bureau_id = ${bureauId} and r.status = 'completed' and r.voucher_part_fen > 0
       and not exists (select 1 from voucher_disallowances d where d.order_id = r.id)
       and w.paid_at is not null and w.paid_at > ${since} and w.paid_at <= ${now}`.execute(db);
  const row = rows[0];
  return {
    purchases: row?.purchases ?? 0,
    averageDays: row?.average_days === null || row?.average_days === undefined ? null : Math.round(row.average_days * 10) / 10,
    longestDays: row?.longest_days === null || row?.longest_days === undefined ? null : Math.floor(row.longest_days),
  };
}

/**
 * An institution's side of 兑付: per programme what it is owed, in a batch and paid (and whether a spot check holds it
 * back), and the batches that included it, newest first.
 */
export async function institutionReimbursement(
  db: Kysely<DB>,
  institutionId: number,
): Promise<{ programmes: OwedRow[]; batches: { reference: string; programmeName: string; amountFen: number; status: ReimbursementBatchStatus; createdAt: Date; paidAt: Date | null }[] }> {
  const [programmes, batches] = await Promise.all([
    owedRows(db, sql`o.id = ${institutionId}`),
    db
      .selectFrom("reimbursement_batch_lines as l")
      .innerJoin("reimbursement_batches as b", "b.id", "l.batch_id")
      .innerJoin("voucher_programmes as p", "p.id", "b.programme_id")
      .select(["b.id", "p.year", "p.name", "l.amount_fen", "b.status", "b.created_at", "b.paid_at"])
      .where("l.institution_id", "=", institutionId)
      .orderBy("b.id", "desc")
      .limit(100)
      .execute(),
  ]);
  return {
    programmes,
    batches: batches.map((b) => ({
      reference: batchReference(b.year, b.id),
      programmeName: b.name,
      amountFen: b.amount_fen,
      status: b.status,
      createdAt: b.created_at,
      paidAt: b.paid_at,
    })),
  };
}

async function owedRows(db: Kysely<DB>, which: RawBuilder<unknown>): Promise<OwedRow[]> {
  const { rows } = await sql<{
    programme_id: number;
    programme_name: string;
    programme_year: number;
    institution_id: number;
    institution_name: string;
    owed: number;
    in_payment: number;
    paid: number;
    irregular: number;
    disallowed: number;
    waiting_since: Date | null;
    uninvoiced: number;
  }>`
    select p.id as programme_id, p.name as programme_name, p.year as programme_year,
           o.id as institution_id, o.name as institution_name,
           coalesce(max(a.balance) filter (where a.purpose = 'voucher_reimbursable'), 0) as owed,
           coalesce(max(a.balance) filter (where a.purpose = 'reimbursement_in_payment'), 0) as in_payment,
           coalesce((select sum(l.amount_fen) from reimbursement_batch_lines l join reimbursement_batches b on b.id = l.batch_id
                      where b.programme_id = p.id and l.institution_id = o.id and b.status = 'paid'), 0)::bigint as paid,
           (select count(*) from spot_check_items i join orders r on r.id = i.order_id
             where i.outcome = 'irregular' and r.programme_id = p.id and r.seller_organisation_id = o.id
               and not exists (select 1 from voucher_disallowances d where d.order_id = i.order_id))::int as irregular,
           coalesce((select sum(d.amount_fen) from voucher_disallowances d join orders r on r.id = d.order_id
                      where r.programme_id = p.id and r.seller_organisation_id = o.id and r.status = 'completed'), 0)::bigint as disallowed,
           w.waiting_since, w.uninvoiced
      from ledger_accounts a
      join voucher_programmes p on p.id = a.programme_id
      join organisations o on o.id = a.owner_organisation_id
      cross join lateral (
        select min(r.paid_at) as waiting_since,
               (count(*) filter (where not exists (select 1 from order_invoices i where i.order_id = r.id and i.invoice_no is not null)))::int as uninvoiced
          from orders r
         where r.seller_organisation_id = o.id and r.programme_id = p.id and r.status = 'completed' and r.voucher_part_fen > 0
           and r.paid_at > coalesce((select max(b.created_at) from reimbursement_batch_lines l
                                       join reimbursement_batches b on b.id = l.batch_id
                                      where b.programme_id = p.id and l.institution_id = o.id), '-infinity')
      ) w
     where ${which} and a.purpose in ('voucher_reimbursable', 'reimbursement_in_payment')
     group by p.id, o.id, w.waiting_since, w.uninvoiced
     order by p.year desc, p.id desc, owed desc, o.name`.execute(db);
  return rows.map((r) => ({
    programmeId: r.programme_id,
    programmeName: r.programme_name,
    programmeYear: r.programme_year,
    institutionId: r.institution_id,
    institutionName: r.institution_name,
    owedFen: r.owed,
    inPaymentFen: r.in_payment,
    paidFen: r.paid,
    irregularFindings: r.irregular,
    disallowedFen: r.disallowed,
    waitingSince: r.owed > 0 ? r.waiting_since : null,
    uninvoiced: r.owed > 0 ? r.uninvoiced : 0,
  }));
}

/** DF-2026-000012: the programme year and the batch id, for the bureau's payment order. */
export function batchReference(year: number, batchId: number): string {
  return `DF-${year}-${String(batchId).padStart(6, "0")}`;
}

/**
 * Puts everything a programme owes (to all institutions, or to the ones listed) into a new batch. The owed accounts
 * are locked while their balances are read, so a batch takes exactly what was owed and two batches never take the
 * same money.
 */
export async function createReimbursementBatch(
  db: Kysely<DB>,
  actor: Actor,
  input: { programmeId: unknown; institutionIds?: readonly number[] },
  now: Date = new Date(),
): Promise<{ ok: true; batchId: number; totalFen: number; lines: number } | Rejected<never>> {
  const programmeId = idFrom(input.programmeId);
  if (programmeId === null) return { ok: false, fieldErrors: {}, formError: { key: "vouchers.error.programmeNotFound" } };
  return db.transaction().execute(async (trx) => {
    const programme = await trx
      .selectFrom("voucher_programmes")
      .select(["id", "bureau_id"])
      .where("id", "=", programmeId)
      .executeTakeFirst();
    if (!programme || programme.bureau_id !== actor.organisationId) {
      return { ok: false as const, fieldErrors: {}, formError: { key: "vouchers.error.programmeNotFound" } };
    }
    let owed = trx
      .selectFrom("ledger_accounts")
      .select(["id", "owner_organisation_id", "balance"])
      .where("programme_id", "=", programmeId)
      .where("purpose", "=", "voucher_reimbursable")
      .orderBy("id")
      .forUpdate();
    if (input.institutionIds)
      owed = owed.where("owner_organisation_id", "in", input.institutionIds.length ? [...input.institutionIds] : [0]);
    const lines = (await owed.execute())
      .filter((a) => a.balance > 0)
      .map((a) => ({ institutionId: a.owner_organisation_id as number, amountFen: a.balance }));
    if (lines.length === 0) return { ok: false as const, fieldErrors: {}, formError: { key: "vouchers.error.nothingOwed" } };
    const totalFen = lines.reduce((s, l) => s + l.amountFen, 0);
    const batch = await trx
      .insertInto("reimbursement_batches")
      .values({ programme_id: programmeId, total_fen: totalFen, created_by: actor.userId, created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("reimbursement_batch_lines")
      .values(lines.map((l) => ({ batch_id: batch.id, institution_id: l.institutionId, amount_fen: l.amountFen })))
      .execute();
    await postReimbursementBatch(trx, { batchId: batch.id, programmeId, lines, at: now });
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: actor.userId,
        action: "reimbursement_batch.create",
        subject_type: "reimbursement_batch",
        subject_id: String(batch.id),
        detail: { totalFen, lines: lines.length },
      })
      .execute();
    return { ok: true as const, batchId: batch.id, totalFen, lines: lines.length };
  });
}

/** The bureau records that it paid a batch (with its bank payment reference); the ledger pays it out of the fund. */
export async function markBatchPaid(
  db: Kysely<DB>,
  actor: Actor,
  input: { batchId: unknown; paymentReference: unknown },
  now: Date = new Date(),
): Promise<{ ok: true } | Rejected<"paymentReference">> {
  const reference = requiredText(100).safeParse(input.paymentReference);
  if (!reference.success) return { ok: false, fieldErrors: { paymentReference: reference.error.issues[0].message } };
  const batchId = idFrom(input.batchId);
  if (batchId === null) return { ok: false, fieldErrors: {}, formError: { key: "vouchers.error.batchNotFound" } };
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .selectFrom("reimbursement_batches as b")
      .innerJoin("voucher_programmes as p", "p.id", "b.programme_id")
      .select(["b.id", "b.status", "b.programme_id", "p.bureau_id"])
      .where("b.id", "=", batchId)
      .forUpdate("b")
      .executeTakeFirst();
    if (!batch || batch.bureau_id !== actor.organisationId) {
      return { ok: false as const, fieldErrors: {}, formError: { key: "vouchers.error.batchNotFound" } };
    }
    if (batch.status === "paid") return { ok: false as const, fieldErrors: {}, formError: { key: "vouchers.error.batchAlreadyPaid" } };
    const lines = await trx
      .selectFrom("reimbursement_batch_lines")
      .select(["institution_id", "amount_fen"])
      .where("batch_id", "=", batch.id)
      .orderBy("institution_id")
      .execute();
    await postReimbursementPaid(trx, {
      batchId: batch.id,
      programmeId: batch.programme_id,
      bureauId: batch.bureau_id,
      lines: lines.map((l) => ({ institutionId: l.institution_id, amountFen: l.amount_fen })),
      paymentReference: reference.data,
      paidAt: now,
    });
    await trx
      .updateTable("reimbursement_batches")
      .set({ status: "paid", paid_at: now, paid_by: actor.userId, payment_reference: reference.data })
      .where("id", "=", batch.id)
      .execute();
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: actor.userId,
        action: "reimbursement_batch.paid",
        subject_type: "reimbursement_batch",
        subject_id: String(batch.id),
        detail: { paymentReference: reference.data },
      })
      .execute();
    return { ok: true as const };
  });
}

export interface BatchRow {
  id: number;
  reference: string;
  programmeId: number;
  programmeName: string;
  status: ReimbursementBatchStatus;
  totalFen: number;
  createdAt: Date;
  paidAt: Date | null;
  paymentReference: string | null;
  lines: { institutionId: number; institutionName: string; amountFen: number }[];
}

export async function listBatches(db: Kysely<DB>, bureauId: number, limit = 50): Promise<BatchRow[]> {
  const batches = await db
    .selectFrom("reimbursement_batches as b")
    .innerJoin("voucher_programmes as p", "p.id", "b.programme_id")
    .select(["b.id", "b.programme_id", "p.name", "p.year", "b.status", "b.total_fen", "b.created_at", "b.paid_at", "b.payment_reference"])
    .where("p.bureau_id", "=", bureauId)
    .orderBy("b.id", "desc")
    .limit(limit)
    .execute();
  if (batches.length === 0) return [];
  const lines = await db
    .selectFrom("reimbursement_batch_lines as l")
    .innerJoin("organisations as o", "o.id", "l.institution_id")
    .select(["l.batch_id", "l.institution_id", "o.name", "l.amount_fen"])
    .where(
      "l.batch_id",
      "in",
      batches.map((b) => b.id),
    )
    .orderBy("l.amount_fen", "desc")
    .execute();
  return batches.map((b) => ({
    id: b.id,
    reference: batchReference(b.year, b.id),
    programmeId: b.programme_id,
    programmeName: b.name,
    status: b.status,
    totalFen: b.total_fen,
    createdAt: b.created_at,
    paidAt: b.paid_at,
    paymentReference: b.payment_reference,
    lines: lines
      .filter((l) => l.batch_id === b.id)
      .map((l) => ({ institutionId: l.institution_id, institutionName: l.name, amountFen: l.amount_fen })),
  }));
}

export interface BatchPaymentLine {
  institutionId: number;
  institutionName: string;
  creditCode: string | null;
  amountFen: number;
  /** Where the money goes: the institution's payee account now (decision 0019); null when it has none. */
  payee: { accountName: string; bankName: string; accountNumber: string; recentlyChanged: boolean } | null;
}

/**
 * A batch as the finance office pays it (兑付支付清单): each institution's amount with its payee account as it stands
 * now. Null for a batch that is not this bureau's.
 */
export async function batchPaymentList(
  db: Kysely<DB>,
  bureauId: number,
  batchId: unknown,
  now: Date = new Date(),
): Promise<{ reference: string; programmeName: string; status: ReimbursementBatchStatus; totalFen: number; lines: BatchPaymentLine[] } | null> {
  const id = idFrom(batchId);
  if (id === null) return null;
  const batch = await db
    .selectFrom("reimbursement_batches as b")
    .innerJoin("voucher_programmes as p", "p.id", "b.programme_id")
    .select(["b.id", "p.year", "p.name", "b.status", "b.total_fen"])
    .where("b.id", "=", id)
    .where("p.bureau_id", "=", bureauId)
    .executeTakeFirst();
  if (!batch) return null;
  const rows = await db
    .selectFrom("reimbursement_batch_lines as l")
    .innerJoin("organisations as o", "o.id", "l.institution_id")
    .leftJoin("payee_accounts as a", "a.organisation_id", "l.institution_id")
    .select(["l.institution_id", "o.name", "o.credit_code", "l.amount_fen", "a.account_name", "a.bank_name", "a.account_number", "a.updated_at"])
    .where("l.batch_id", "=", batch.id)
    .orderBy("l.amount_fen", "desc")
    .orderBy("l.institution_id")
    .execute();
  return {
    reference: batchReference(batch.year, batch.id),
    programmeName: batch.name,
    status: batch.status,
    totalFen: batch.total_fen,
    lines: rows.map((r) => ({
      institutionId: r.institution_id,
      institutionName: r.name,
      creditCode: r.credit_code,
      amountFen: r.amount_fen,
      payee:
        r.account_name !== null && r.bank_name !== null && r.account_number !== null && r.updated_at !== null
          ? { accountName: r.account_name, bankName: r.bank_name, accountNumber: r.account_number, recentlyChanged: changedLately(r.updated_at, now) }
          : null,
    })),
  };
}
