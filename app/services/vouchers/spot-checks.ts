import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { DB, SpotCheckOutcome } from "../../../db/schema";
import type { Rejected } from "../accounts/types";
import { InsufficientFundsError, postVoucherDisallowance, standingRedemptions } from "../ledger";
import type { Actor } from "./programmes";
import { suspectedPairSignals } from "./related-parties";
import { calendarDate, endOfChinaDay, fieldErrorsFrom, formError, idField, idFrom, yuanAmount } from "./validation";

// 抽查, a fraud control: the bureau draws a sample of a programme's voucher-paid purchases completed in a period and
// reviews each one's papers (contract, invoice, proof of delivery). Purchases between recorded or suspected related
// parties are always drawn; the rest of the sample is random, ordered by md5(seed:order id) with a seed recorded on the
// check, so anyone can repeat the draw. A finding of irregularity is the evidence for revoking the voucher (0012) or
// recording the relationship (0013); the check itself changes no money.

export const MAX_SAMPLE = 200;

export type SpotCheckField = "programmeId" | "from" | "to" | "sampleSize";

const drawSchema = z
  .object({
    programmeId: idField("vouchers.spot.error.programme"),
    from: calendarDate,
    to: calendarDate,
    sampleSize: z
      .string({ error: "vouchers.error.required" })
      .trim()
      .regex(/^\d{1,3}$/, "vouchers.spot.error.sampleSize")
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_SAMPLE, "vouchers.spot.error.sampleSize"),
  })
  .refine((v) => v.from <= v.to, { path: ["to"], message: "vouchers.spot.error.range" });

const startOfChinaDay = (date: string) => new Date(`${date}T00:00:00+08:00`);

/**
 * Draws a spot check of the actor's programme: every completed voucher purchase paid in [from, to] (China dates)
 * between recorded or suspected related parties, then random others up to `sampleSize`. Refused, with nothing
 * written, for bad input, another bureau's programme, or a period with no voucher purchase.
 */
export async function drawSpotCheck(
  db: Kysely<DB>,
  actor: Actor,
  input: Partial<Record<SpotCheckField, unknown>>,
  now: Date = new Date(),
): Promise<{ ok: true; spotCheckId: number; drawn: number; population: number } | Rejected<SpotCheckField>> {
  const parsed = drawSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<SpotCheckField>(parsed.error) };
  const { programmeId, from, to, sampleSize } = parsed.data;
  const programme = await db.selectFrom("voucher_programmes").select("bureau_id").where("id", "=", programmeId).executeTakeFirst();
  if (programme?.bureau_id !== actor.organisationId) return { ok: false, fieldErrors: { programmeId: "vouchers.spot.error.programme" } };

  const [suspected, recorded] = await Promise.all([
    suspectedPairSignals(db),
    db.selectFrom("related_parties").select(["enterprise_id", "institution_id"]).where("relation", "<>", "none").execute(),
  ]);
  const flaggedPairs = [...suspected.keys(), ...recorded.map((r) => `${r.enterprise_id}:${r.institution_id}`)];
  const seed = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  return db.transaction().execute(async (trx) => {
    const population = await trx
      .selectFrom("orders")
      .select(["id", sql<string>`buyer_organisation_id || ':' || seller_organisation_id`.as("pair"), sql<string>`md5(${seed} || ':' || id)`.as("draw")])
      .where("programme_id", "=", programmeId)
      .where("voucher_part_fen", ">", 0)
      .where("status", "=", "completed")
      .where("paid_at", ">=", startOfChinaDay(from))
      .where("paid_at", "<", endOfChinaDay(to))
      .execute();
    if (population.length === 0) return formError("vouchers.spot.error.nothingToDraw");
    const flagged = new Set(flaggedPairs);
    const mustDraw = population.filter((o) => flagged.has(o.pair));
    const random = population
      .filter((o) => !flagged.has(o.pair))
      .sort((a, b) => (a.draw < b.draw ? -1 : a.draw > b.draw ? 1 : 0))
      .slice(0, Math.max(0, sampleSize - mustDraw.length));

    const check = await trx
      .insertInto("spot_checks")
      .values({ programme_id: programmeId, period_from: from, period_to: to, sample_size: sampleSize, population: population.length, seed, drawn_by: actor.userId, drawn_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("spot_check_items")
      .values([
        ...mustDraw.map((o) => ({ spot_check_id: check.id, order_id: o.id, drawn_because: "suspected" as const })),
        ...random.map((o) => ({ spot_check_id: check.id, order_id: o.id, drawn_because: "random" as const })),
      ])
      .execute();
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: actor.userId,
        action: "spot_check.draw",
        subject_type: "spot_check",
        subject_id: String(check.id),
        detail: { programmeId, from, to, sampleSize, population: population.length, seed, suspected: mustDraw.length, random: random.length },
      })
      .execute();
    return { ok: true as const, spotCheckId: check.id, drawn: mustDraw.length + random.length, population: population.length };
  });
}

export interface SpotCheckSummary {
  id: number;
  programmeId: number;
  programmeName: string;
  from: string;
  to: string;
  sampleSize: number;
  population: number;
  seed: string;
  drawnBy: string;
  drawnAt: Date;
  drawn: number;
  reviewed: number;
  irregular: number;
}

function summaries(db: Kysely<DB>, bureauId: number) {
  return db
    .selectFrom("spot_checks as c")
    .innerJoin("voucher_programmes as p", "p.id", "c.programme_id")
    .innerJoin("users as u", "u.id", "c.drawn_by")
    .select([
      "c.id",
      "c.programme_id",
      "p.name",
      "c.period_from",
      "c.period_to",
      "c.sample_size",
      "c.population",
      "c.seed",
      "u.display_name",
      "c.drawn_at",
      sql<number>`(select count(*) from spot_check_items i where i.spot_check_id = c.id)::int`.as("drawn"),
      sql<number>`(select count(*) from spot_check_items i where i.spot_check_id = c.id and i.outcome <> 'pending')::int`.as("reviewed"),
      sql<number>`(select count(*) from spot_check_items i where i.spot_check_id = c.id and i.outcome = 'irregular')::int`.as("irregular"),
    ])
    .where("p.bureau_id", "=", bureauId)
    .orderBy("c.drawn_at", "desc")
    .orderBy("c.id", "desc");
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaries>["execute"]>>[number];

function toSummary(r: SummaryRow): SpotCheckSummary {
  return {
    id: r.id,
    programmeId: r.programme_id,
    programmeName: r.name,
    from: r.period_from,
    to: r.period_to,
    sampleSize: r.sample_size,
    population: r.population,
    seed: r.seed,
    drawnBy: r.display_name,
    drawnAt: r.drawn_at,
    drawn: r.drawn,
    reviewed: r.reviewed,
    irregular: r.irregular,
  };
}

/** The bureau's spot checks, newest first, with how far their review has got. */
export async function listSpotChecks(db: Kysely<DB>, bureauId: number): Promise<SpotCheckSummary[]> {
  return (await summaries(db, bureauId).limit(100).execute()).map(toSummary);
}

export interface SpotCheckItem {
  orderId: number;
  contractNo: string | null;
  resultTitle: string;
  enterpriseId: number;
  enterpriseName: string;
  institutionId: number;
  institutionName: string;
  priceFen: number;
  voucherPartFen: number;
  paidAt: Date | null;
  /** the vouchers that paid, for revoking one */
  vouchers: { serial: string; revoked: boolean }[];
  drawnBecause: "random" | "suspected";
  outcome: SpotCheckOutcome;
  finding: string | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  /** 核减: the voucher part disallowed for an irregular purchase, with why; null when not disallowed */
  disallowed: { amountFen: number; reason: string; by: string; at: Date } | null;
}

/** One of the bureau's spot checks with its drawn purchases (suspected ones first), or null. */
export async function getSpotCheck(db: Kysely<DB>, bureauId: number, id: number): Promise<(SpotCheckSummary & { items: SpotCheckItem[] }) | null> {
  const row = await summaries(db, bureauId).where("c.id", "=", id).executeTakeFirst();
  if (!row) return null;
  const items = await db
    .selectFrom("spot_check_items as i")
    .innerJoin("orders as o", "o.id", "i.order_id")
    .innerJoin("technology_results as r", "r.id", "o.result_id")
    .innerJoin("organisations as e", "e.id", "o.buyer_organisation_id")
    .innerJoin("organisations as s", "s.id", "o.seller_organisation_id")
    .leftJoin("contracts as c", "c.id", "o.contract_id")
    .leftJoin("users as u", "u.id", "i.reviewed_by")
    .leftJoin("voucher_disallowances as d", "d.order_id", "i.order_id")
    .leftJoin("users as du", "du.id", "d.decided_by")
    .select([
      "i.order_id",
      "c.contract_no",
      "r.title",
      "o.buyer_organisation_id",
      "e.name as enterprise_name",
      "o.seller_organisation_id",
      "s.name as institution_name",
      "o.price_fen",
      "o.voucher_part_fen",
      "o.paid_at",
      sql<{ serial: string; revoked: boolean }[]>`(select coalesce(json_agg(json_build_object('serial', v.serial, 'revoked', v.status = 'revoked')
          order by v.serial), '[]'::json)
        from vouchers v where v.id in (select t.voucher_id from ledger_transactions t where t.order_id = o.id and t.kind = 'voucher_post'))`.as("vouchers"),
      "i.drawn_because",
      "i.outcome",
      "i.finding",
      "u.display_name as reviewed_by",
      "i.reviewed_at",
      "d.amount_fen as disallowed_fen",
      "d.reason as disallowed_reason",
      "du.display_name as disallowed_by",
      "d.decided_at as disallowed_at",
    ])
    .where("i.spot_check_id", "=", id)
    .orderBy(sql`i.drawn_because = 'suspected'`, "desc")
    .orderBy("o.paid_at")
    .orderBy("o.id")
    .execute();
  return {
    ...toSummary(row),
    items: items.map((i) => ({
      orderId: i.order_id,
      contractNo: i.contract_no,
      resultTitle: i.title,
      enterpriseId: i.buyer_organisation_id,
      enterpriseName: i.enterprise_name,
      institutionId: i.seller_organisation_id,
      institutionName: i.institution_name,
      priceFen: i.price_fen,
      voucherPartFen: i.voucher_part_fen,
      paidAt: i.paid_at,
      vouchers: i.vouchers,
      drawnBecause: i.drawn_because,
      outcome: i.outcome,
      finding: i.finding,
      reviewedBy: i.reviewed_by,
      reviewedAt: i.reviewed_at,
      disallowed:
        i.disallowed_fen === null || i.disallowed_at === null
          ? null
          : { amountFen: i.disallowed_fen, reason: i.disallowed_reason ?? "", by: i.disallowed_by ?? "", at: i.disallowed_at },
    })),
  };
}

export type ReviewField = "outcome" | "finding";

const reviewSchema = z
  .object({
    outcome: z.enum(["compliant", "irregular"], { error: "vouchers.spot.error.outcome" }),
    finding: z
      .string()
      .optional()
      .transform((v) => v?.trim() || null)
      .refine((v) => v === null || v.length <= 200, "vouchers.error.tooLong"),
  })
  .refine((v) => v.outcome !== "irregular" || v.finding !== null, { path: ["finding"], message: "vouchers.spot.error.findingRequired" });

/** Records the review of one drawn purchase: compliant, or irregular with the finding. Given once; refused after. */
export async function reviewSpotCheckItem(
  db: Kysely<DB>,
  actor: Actor,
  input: { spotCheckId: unknown; orderId: unknown; outcome: unknown; finding?: unknown },
  now: Date = new Date(),
): Promise<{ ok: true } | Rejected<ReviewField>> {
  const parsed = reviewSchema.safeParse({ outcome: input.outcome, finding: input.finding ?? undefined });
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<ReviewField>(parsed.error) };
  const spotCheckId = idFrom(input.spotCheckId);
  const orderId = idFrom(input.orderId);
  if (spotCheckId === null || orderId === null) return formError("vouchers.spot.error.notFound");
  return db.transaction().execute(async (trx) => {
    const item = await trx
      .selectFrom("spot_check_items as i")
      .innerJoin("spot_checks as c", "c.id", "i.spot_check_id")
      .innerJoin("voucher_programmes as p", "p.id", "c.programme_id")
      .select(["i.outcome", "p.bureau_id"])
      .where("i.spot_check_id", "=", spotCheckId)
      .where("i.order_id", "=", orderId)
      .forUpdate("i")
      .executeTakeFirst();
    if (!item || item.bureau_id !== actor.organisationId) return formError("vouchers.spot.error.notFound");
    if (item.outcome !== "pending") return formError("vouchers.spot.error.alreadyReviewed");
    await trx
      .updateTable("spot_check_items")
      .set({ outcome: parsed.data.outcome, finding: parsed.data.finding, reviewed_by: actor.userId, reviewed_at: now })
      .where("spot_check_id", "=", spotCheckId)
      .where("order_id", "=", orderId)
      .execute();
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: actor.userId,
        action: "spot_check.review",
        subject_type: "spot_check",
        subject_id: String(spotCheckId),
        detail: { orderId, outcome: parsed.data.outcome, finding: parsed.data.finding },
      })
      .execute();
    return { ok: true as const };
  });
}

export type DisallowField = "reason" | "amount";

const disallowSchema = z.object({
  reason: z
    .string({ error: "vouchers.spot.error.reasonRequired" })
    .trim()
    .min(1, "vouchers.spot.error.reasonRequired")
    .max(200, "vouchers.error.tooLong"),
  // Blank: the whole voucher part that still stands; otherwise the part found irregular.
  amount: z.preprocess((v) => (v === null || v === undefined || (typeof v === "string" && v.trim() === "") ? undefined : v), yuanAmount.optional()),
});

/**
 * 核减: disallows the voucher part of a purchase this spot check found irregular. What the programme owes the seller
 * for it goes back to the programme's budget (postVoucherDisallowance); the institution is not reimbursed for it, and
 * if it already was, the amount comes off what the programme owes it for its other purchases. All of the voucher part
 * or the part found irregular (`amount`, yuan). Once per purchase; refused when the programme owes the institution
 * less than that.
 */
export async function disallowVoucherPart(
  db: Kysely<DB>,
  actor: Actor,
  input: { spotCheckId: unknown; orderId: unknown; reason: unknown; amount?: unknown },
  now: Date = new Date(),
): Promise<{ ok: true; amountFen: number } | Rejected<DisallowField>> {
  const parsed = disallowSchema.safeParse({ reason: input.reason, amount: input.amount });
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<DisallowField>(parsed.error) };
  const spotCheckId = idFrom(input.spotCheckId);
  const orderId = idFrom(input.orderId);
  if (spotCheckId === null || orderId === null) return formError("vouchers.spot.error.notFound");
  try {
    return await db.transaction().execute(async (trx) => {
      const item = await trx
        .selectFrom("spot_check_items as i")
        .innerJoin("spot_checks as c", "c.id", "i.spot_check_id")
        .innerJoin("voucher_programmes as p", "p.id", "c.programme_id")
        .innerJoin("orders as o", "o.id", "i.order_id")
        .select(["i.outcome", "p.bureau_id", "o.status"])
        .where("i.spot_check_id", "=", spotCheckId)
        .where("i.order_id", "=", orderId)
        .forUpdate("o")
        .executeTakeFirst();
      if (!item || item.bureau_id !== actor.organisationId) return formError("vouchers.spot.error.notFound");
      if (item.outcome !== "irregular") return formError("vouchers.spot.error.notIrregular");
      const before = await trx.selectFrom("voucher_disallowances").select("order_id").where("order_id", "=", orderId).executeTakeFirst();
      if (before) return formError("vouchers.spot.error.alreadyDisallowed");
      if (item.status !== "completed") return formError("vouchers.spot.error.notCompleted", { status: item.status });
      const standingFen = (await standingRedemptions(trx, orderId)).reduce((sum, r) => sum + r.amountFen, 0);
      if (standingFen === 0) return formError("vouchers.spot.error.nothingToDisallow");
      if (parsed.data.amount !== undefined && parsed.data.amount > standingFen) {
        return formError("vouchers.spot.error.aboveVoucherPart", { max: standingFen });
      }
      const { amountFen } = await postVoucherDisallowance(trx, { orderId, now, limitFen: parsed.data.amount });
      await trx
        .insertInto("voucher_disallowances")
        .values({ order_id: orderId, spot_check_id: spotCheckId, amount_fen: amountFen, reason: parsed.data.reason, decided_by: actor.userId, decided_at: now })
        .execute();
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: actor.userId,
          action: "voucher.disallow",
          subject_type: "order",
          subject_id: String(orderId),
          detail: { spotCheckId, amountFen, reason: parsed.data.reason },
        })
        .execute();
      return { ok: true as const, amountFen };
    });
  } catch (error) {
    // The owed account would be overdrawn: the institution is owed less than this (its money is in a batch or paid).
    if (error instanceof InsufficientFundsError) return formError("vouchers.spot.error.owedTooLittle");
    throw error;
  }
}
