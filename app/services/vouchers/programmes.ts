import { sql, type Kysely } from "kysely";
import { z } from "zod";
import { TRANSFER_MODES, type DB, type TransferMode, type VoucherProgrammeStatus } from "../../../db/schema";
import type { Rejected } from "../accounts/types";
import { postProgrammeFunding } from "../ledger";
import { PROGRAMME_FIELDS, type SameKeys } from "./form-fields";
import { uniqueViolation } from "../accounts/validation";
import { redeemedFenOf, voucherState, type WalletVoucherState } from "./wallet";
import { calendarDate, chinaDate, fieldErrorsFrom, percentAsBps, requiredText, yuanAmount } from "./validation";

/** The purchase kinds a programme may cover, grouped as the bureau thinks of them. */
export const QUALIFYING_MODE_GROUPS: { key: string; modes: TransferMode[] }[] = [
  { key: "transfer", modes: ["assignment", "exclusive_license", "sole_license", "nonexclusive_license"] },
  { key: "development", modes: ["development", "service"] },
  { key: "equity", modes: ["equity"] },
];

const programmeSchema = z
  .object({
    name: requiredText(100),
    year: z.coerce
      .number({ error: "vouchers.error.year" })
      .int("vouchers.error.year")
      .min(2000, "vouchers.error.year")
      .max(2100, "vouchers.error.year"),
    totalBudget: yuanAmount,
    coveragePercent: percentAsBps,
    yearlyCap: yuanAmount,
    voucherAmount: yuanAmount,
    validFrom: calendarDate,
    validTo: calendarDate,
    qualifyingModes: z.preprocess(
      (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]),
      z.array(z.enum(TRANSFER_MODES, { error: "vouchers.error.modes" })).min(1, "vouchers.error.modes"),
    ),
  })
  .superRefine((v, ctx) => {
    if (v.validTo < v.validFrom) ctx.addIssue({ code: "custom", path: ["validTo"], message: "vouchers.error.validToBeforeFrom" });
    if (v.voucherAmount > v.totalBudget)
      ctx.addIssue({ code: "custom", path: ["voucherAmount"], message: "vouchers.error.voucherAboveBudget" });
    else if (v.voucherAmount > v.yearlyCap)
      ctx.addIssue({ code: "custom", path: ["voucherAmount"], message: "vouchers.error.voucherAboveCap" });
  });

export type ProgrammeField = keyof z.input<typeof programmeSchema>;
export { PROGRAMME_FIELDS };
const programmeFieldsMatch: SameKeys<ProgrammeField, (typeof PROGRAMME_FIELDS)[number]> = true;
void programmeFieldsMatch;
export type ProgrammeInput = Partial<Record<ProgrammeField, unknown>>;

export interface Actor {
  userId: number;
  organisationId: number;
}

export type CreateProgrammeResult = { ok: true; programmeId: number } | Rejected<ProgrammeField>;

async function isBureau(db: Kysely<DB>, organisationId: number): Promise<boolean> {
  const row = await db.selectFrom("organisations").select("kind").where("id", "=", organisationId).executeTakeFirst();
  return row?.kind === "bureau";
}

/**
 * Creates a voucher programme and appropriates its whole budget in the ledger (programme fund → budget), in one
 * transaction. Bad input comes back as field errors; nothing is written.
 */
export async function createProgramme(
  db: Kysely<DB>,
  actor: Actor,
  input: ProgrammeInput,
  now: Date = new Date(),
): Promise<CreateProgrammeResult> {
  const parsed = programmeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<ProgrammeField>(parsed.error) };
  if (!(await isBureau(db, actor.organisationId))) return { ok: false, fieldErrors: {}, formError: { key: "vouchers.error.bureauOnly" } };
  const v = parsed.data;
  try {
    const programmeId = await db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto("voucher_programmes")
        .values({
          bureau_id: actor.organisationId,
          name: v.name,
          year: v.year,
          total_budget_fen: v.totalBudget,
          coverage_bps: v.coveragePercent,
          yearly_cap_fen: v.yearlyCap,
          voucher_amount_fen: v.voucherAmount,
          valid_from: v.validFrom,
          valid_to: v.validTo,
          qualifying_modes: [...new Set(v.qualifyingModes)],
          created_by: actor.userId,
          created_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await postProgrammeFunding(trx, { programmeId: id, bureauId: actor.organisationId, amountFen: v.totalBudget, at: now });
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: actor.userId,
          action: "voucher_programme.create",
          subject_type: "voucher_programme",
          subject_id: String(id),
          detail: { totalBudgetFen: v.totalBudget, coverageBps: v.coveragePercent },
        })
        .execute();
      return id;
    });
    return { ok: true, programmeId };
  } catch (error) {
    if (uniqueViolation(error) === "voucher_programmes_name_year_key") {
      return { ok: false, fieldErrors: { name: "vouchers.error.programmeNameTaken" } };
    }
    throw error;
  }
}

const topUpSchema = z.object({
  amount: yuanAmount,
  reason: requiredText(200),
  // The budget the bureau saw when it filled in the form: a second submit of the same form is refused, not added twice.
  seenTotal: z.coerce.number({ error: "vouchers.topUp.error.changed" }).int("vouchers.topUp.error.changed"),
});

export type TopUpField = "amount" | "reason";

/**
 * 追加预算: the bureau adds to a programme's budget, with a reason. One transaction records the top-up, posts it to the
 * ledger (fund → budget) and raises the programme's total, which the database lets grow only by such a posting.
 * Refused, with nothing written, for bad input, another bureau's programme, a programme past its last day, or a budget
 * that changed since the form was filled in (it was just topped up: no double top-up from a double submit).
 */
export async function topUpProgramme(
  db: Kysely<DB>,
  actor: Actor,
  input: { programmeId: number; amount: unknown; reason: unknown; seenTotal: unknown },
  now: Date = new Date(),
): Promise<{ ok: true; amountFen: number; totalBudgetFen: number } | Rejected<TopUpField>> {
  const parsed = topUpSchema.safeParse({ amount: input.amount, reason: input.reason, seenTotal: input.seenTotal });
  if (!parsed.success) {
    const { seenTotal, ...fieldErrors } = fieldErrorsFrom<TopUpField | "seenTotal">(parsed.error);
    if (seenTotal) return { ok: false, fieldErrors: {}, formError: { key: seenTotal } };
    return { ok: false, fieldErrors };
  }
  const { amount, reason, seenTotal } = parsed.data;
  return db.transaction().execute(async (trx) => {
    const programme = await trx
      .selectFrom("voucher_programmes")
      .select(["id", "bureau_id", "total_budget_fen", "valid_to"])
      .where("id", "=", input.programmeId)
      .forUpdate()
      .executeTakeFirst();
    if (!programme || programme.bureau_id !== actor.organisationId) {
      return { ok: false as const, fieldErrors: {}, formError: { key: "vouchers.error.programmeNotFound" } };
    }
    // After its last day no voucher can be issued from it: money added then would only sit there.
    if (programme.valid_to < chinaDate(now)) return { ok: false as const, fieldErrors: {}, formError: { key: "vouchers.topUp.error.ended" } };
    if (programme.total_budget_fen !== seenTotal) return { ok: false as const, fieldErrors: {}, formError: { key: "vouchers.topUp.error.changed" } };
    const topUp = await trx
      .insertInto("programme_top_ups")
      .values({ programme_id: programme.id, amount_fen: amount, reason, added_by: actor.userId, added_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    await postProgrammeFunding(trx, {
      programmeId: programme.id,
      bureauId: programme.bureau_id,
      amountFen: amount,
      idempotencyKey: `programme:${programme.id}:top-up:${topUp.id}`,
      at: now,
      memo: `top-up: ${reason}`,
    });
    const totalBudgetFen = programme.total_budget_fen + amount;
    await trx.updateTable("voucher_programmes").set({ total_budget_fen: totalBudgetFen }).where("id", "=", programme.id).execute();
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: actor.userId,
        action: "voucher_programme.top_up",
        subject_type: "voucher_programme",
        subject_id: String(programme.id),
        detail: { amountFen: amount, totalBudgetFen, reason },
      })
      .execute();
    return { ok: true as const, amountFen: amount, totalBudgetFen };
  });
}

export interface ProgrammeTopUp {
  amountFen: number;
  reason: string;
  addedBy: string;
  addedAt: Date;
}

export async function listTopUps(db: Kysely<DB>, programmeId: number): Promise<ProgrammeTopUp[]> {
  const rows = await db
    .selectFrom("programme_top_ups as t")
    .innerJoin("users as u", "u.id", "t.added_by")
    .select(["t.amount_fen", "t.reason", "u.display_name", "t.added_at"])
    .where("t.programme_id", "=", programmeId)
    .orderBy("t.id", "desc")
    .execute();
  return rows.map((r) => ({ amountFen: r.amount_fen, reason: r.reason, addedBy: r.display_name, addedAt: r.added_at }));
}

/** Opens or closes a programme for applications (vouchers already issued stay valid). */
export async function setProgrammeStatus(
  db: Kysely<DB>,
  actor: Actor,
  programmeId: number,
  status: VoucherProgrammeStatus,
): Promise<{ ok: boolean }> {
  const result = await db
    .updateTable("voucher_programmes")
    .set({ status })
    .where("id", "=", programmeId)
    .where("bureau_id", "=", actor.organisationId)
    .executeTakeFirst();
  return { ok: result.numUpdatedRows > 0n };
}

export interface ProgrammeSummary {
  id: number;
  bureauId: number;
  name: string;
  year: number;
  status: VoucherProgrammeStatus;
  totalBudgetFen: number;
  coverageBps: number;
  yearlyCapFen: number;
  voucherAmountFen: number;
  validFrom: string;
  validTo: string;
  qualifyingModes: TransferMode[];
  /** budget not yet issued (the ledger's programme_budget balance) */
  remainingBudgetFen: number;
  vouchersIssued: number;
  /** unspent on vouchers: available + held */
  outstandingFen: number;
  heldFen: number;
  /** redeemed into purchases, whether owed, in a batch or paid */
  redeemedFen: number;
  /** owed to institutions and not yet in a batch */
  owedFen: number;
  inPaymentFen: number;
  paidFen: number;
  pendingApplications: number;
}

/** Programmes with their figures straight from the ledger's balances, newest year first. */
export async function listProgrammes(
  db: Kysely<DB>,
  filter: { bureauId?: number; programmeId?: number } = {},
): Promise<ProgrammeSummary[]> {
  let query = db
    .selectFrom("voucher_programmes as p")
    .select([
      "p.id",
      "p.bureau_id",
      "p.name",
      "p.year",
      "p.status",
      "p.total_budget_fen",
      "p.coverage_bps",
      "p.yearly_cap_fen",
      "p.voucher_amount_fen",
      "p.valid_from",
      "p.valid_to",
      "p.qualifying_modes",
      sql<number>`coalesce((select sum(balance) from ledger_accounts a where a.programme_id = p.id and a.purpose = 'programme_budget'), 0)::bigint`.as(
        "budget",
      ),
      sql<number>`coalesce((select sum(balance) from ledger_accounts a where a.programme_id = p.id and a.purpose = 'programme_fund'), 0)::bigint`.as(
        "fund",
      ),
      sql<number>`coalesce((select sum(balance) from ledger_accounts a where a.programme_id = p.id and a.purpose = 'voucher_available'), 0)::bigint`.as(
        "available",
      ),
      sql<number>`coalesce((select sum(balance) from ledger_accounts a where a.programme_id = p.id and a.purpose = 'voucher_held'), 0)::bigint`.as(
        "held",
      ),
      sql<number>`coalesce((select sum(balance) from ledger_accounts a where a.programme_id = p.id and a.purpose = 'voucher_reimbursable'), 0)::bigint`.as(
        "owed",
      ),
      sql<number>`coalesce((select sum(balance) from ledger_accounts a where a.programme_id = p.id and a.purpose = 'reimbursement_in_payment'), 0)::bigint`.as(
        "in_payment",
      ),
      sql<number>`(select count(*) from vouchers v where v.programme_id = p.id)::int`.as("vouchers"),
      sql<number>`(select count(*) from voucher_applications x where x.programme_id = p.id and x.status = 'pending')::int`.as("pending"),
    ])
    .orderBy("p.year", "desc")
    .orderBy("p.id", "desc");
  if (filter.bureauId !== undefined) query = query.where("p.bureau_id", "=", filter.bureauId);
  if (filter.programmeId !== undefined) query = query.where("p.id", "=", filter.programmeId);
  const rows = await query.execute();
  return rows.map((r) => {
    const paid = r.total_budget_fen - r.fund;
    return {
      id: r.id,
      bureauId: r.bureau_id,
      name: r.name,
      year: r.year,
      status: r.status,
      totalBudgetFen: r.total_budget_fen,
      coverageBps: r.coverage_bps,
      yearlyCapFen: r.yearly_cap_fen,
      voucherAmountFen: r.voucher_amount_fen,
      validFrom: r.valid_from,
      validTo: r.valid_to,
      qualifyingModes: r.qualifying_modes,
      remainingBudgetFen: r.budget,
      vouchersIssued: r.vouchers,
      outstandingFen: r.available + r.held,
      heldFen: r.held,
      redeemedFen: r.owed + r.in_payment + paid,
      owedFen: r.owed,
      inPaymentFen: r.in_payment,
      paidFen: paid,
      pendingApplications: r.pending,
    };
  });
}

export async function getProgramme(db: Kysely<DB>, programmeId: number): Promise<ProgrammeSummary | null> {
  const [programme] = await listProgrammes(db, { programmeId });
  return programme ?? null;
}

export interface OpenProgramme extends ProgrammeSummary {
  /** this enterprise's application waiting for a decision, if any */
  pendingApplicationId: number | null;
  /** vouchers this enterprise already holds from the programme */
  myVouchers: number;
}

/** Programmes taking applications now: open, and their last valid day not passed (the public voucher page). */
export async function openProgrammes(db: Kysely<DB>, now: Date = new Date()): Promise<ProgrammeSummary[]> {
  const today = chinaDate(now);
  return (await listProgrammes(db)).filter((p) => p.status === "open" && p.validTo >= today);
}

/** Programmes an enterprise can apply to now, with its own standing in each. */
export async function openProgrammesFor(db: Kysely<DB>, enterpriseId: number, now: Date = new Date()): Promise<OpenProgramme[]> {
  const programmes = await openProgrammes(db, now);
  if (programmes.length === 0) return [];
  const ids = programmes.map((p) => p.id);
  const [pending, mine] = await Promise.all([
    db
      .selectFrom("voucher_applications")
      .select(["id", "programme_id"])
      .where("enterprise_id", "=", enterpriseId)
      .where("status", "=", "pending")
      .where("programme_id", "in", ids)
      .execute(),
    db
      .selectFrom("vouchers")
      .select(["programme_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("enterprise_id", "=", enterpriseId)
      .where("programme_id", "in", ids)
      .groupBy("programme_id")
      .execute(),
  ]);
  return programmes.map((p) => ({
    ...p,
    pendingApplicationId: pending.find((a) => a.programme_id === p.id)?.id ?? null,
    myVouchers: Number(mine.find((m) => m.programme_id === p.id)?.n ?? 0),
  }));
}

export interface IssuedVoucherRow {
  voucherId: number;
  serial: string;
  enterpriseName: string;
  amountFen: number;
  availableFen: number;
  heldFen: number;
  /** redeemed into purchases, net of refunds */
  redeemedFen: number;
  /** as the enterprise's wallet shows it: active, used up, expired (also before the expiry job ran) or revoked */
  state: WalletVoucherState;
  revokedAt: Date | null;
  revocationReason: string | null;
}

/**
 * A programme's issued vouchers with their balances from the ledger, for the bureau: active ones first, then by serial.
 * `search` matches the serial or the enterprise's name.
 */
export async function listIssuedVouchers(
  db: Kysely<DB>,
  programmeId: number,
  options: { search?: string; limit?: number; now?: Date } = {},
): Promise<IssuedVoucherRow[]> {
  const now = options.now ?? new Date();
  let query = db
    .selectFrom("vouchers as v")
    .innerJoin("organisations as o", "o.id", "v.enterprise_id")
    .leftJoin("ledger_accounts as av", (join) => join.onRef("av.voucher_id", "=", "v.id").on("av.purpose", "=", "voucher_available"))
    .leftJoin("ledger_accounts as hd", (join) => join.onRef("hd.voucher_id", "=", "v.id").on("hd.purpose", "=", "voucher_held"))
    .select([
      "v.id",
      "v.serial",
      "o.name",
      "v.amount_fen",
      "v.status",
      "v.expires_at",
      "v.revoked_at",
      "v.revocation_reason",
      sql<number>`coalesce(av.balance, 0)`.as("available"),
      sql<number>`coalesce(hd.balance, 0)`.as("held"),
      redeemedFenOf(sql.ref("v.id")).as("redeemed"),
    ])
    .where("v.programme_id", "=", programmeId)
    .orderBy(sql`v.status <> 'active'`)
    .orderBy("v.serial")
    .limit(options.limit ?? 200);
  const search = options.search?.trim();
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb("v.serial", "ilike", pattern), eb("o.name", "ilike", pattern)]));
  }
  return (await query.execute()).map((r) => ({
    voucherId: r.id,
    serial: r.serial,
    enterpriseName: r.name,
    amountFen: r.amount_fen,
    availableFen: r.available,
    heldFen: r.held,
    redeemedFen: r.redeemed,
    state: voucherState({ status: r.status, expiresAt: r.expires_at, availableFen: r.available, heldFen: r.held }, now),
    revokedAt: r.revoked_at,
    revocationReason: r.revocation_reason,
  }));
}
