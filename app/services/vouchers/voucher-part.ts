import { sql, type Kysely, type RawBuilder } from "kysely";
import { TRANSFER_MODES, type DB, type TransferMode } from "../../../db/schema";
import { bpsShareFen, isVoucherExpired } from "../ledger";
import { chinaDate } from "./validation";

/** A refusal about the vouchers chosen for a purchase: `key` is an i18n key, `field` the form field it is about. */
export class VoucherError extends Error {
  constructor(readonly key: string, readonly field: string, readonly params: Record<string, string | number> = {}) {
    super(`${field}: ${key}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ""}`);
    this.name = "VoucherError";
  }
}

export interface VoucherBalance {
  voucherId: number;
  availableFen: number;
  expiresAt: Date;
}

export interface VoucherPartInput {
  priceFen: number;
  coverageBps: number;
  /** what is left of the enterprise's yearly cap in this programme */
  capRemainingFen: number;
  vouchers: readonly VoucherBalance[];
}

export type VoucherPartLimit = "coverage" | "cap" | "balance";

export interface VoucherPart {
  voucherPartFen: number;
  /** what the buyer pays by card or bank transfer */
  cashPartFen: number;
  balanceFen: number;
  coverageLimitFen: number;
  capRemainingFen: number;
  /** which of the three bounds decided the voucher part (ties: coverage, then cap, then balance) */
  limitedBy: VoucherPartLimit;
  /** how much each voucher pays: the soonest-expiring first, so nothing useful is left to lapse */
  allocations: { voucherId: number; amountFen: number }[];
}

function assertWholeFen(value: number, field: string, { positive }: { positive: boolean }): void {
  if (!Number.isSafeInteger(value) || value < 0 || (positive && value === 0)) {
    throw new VoucherError(positive ? "vouchers.error.pricePositive" : "vouchers.error.amountInvalid", field, { value: String(value) });
  }
}

/**
 * voucher part = min(the chosen vouchers' available balance, coverage × price, what is left of the yearly cap).
 * coverage × price is rounded down to the fen (floor(price × bps / 10 000), the ledger's one rounding rule), so a
 * voucher never pays more than its ratio. Pure: the same input always gives the same split.
 */
export function computeVoucherPart(input: VoucherPartInput): VoucherPart {
  assertWholeFen(input.priceFen, "priceFen", { positive: true });
  assertWholeFen(input.capRemainingFen, "capRemainingFen", { positive: false });
  if (!Number.isInteger(input.coverageBps) || input.coverageBps < 0 || input.coverageBps > 10_000) {
    throw new VoucherError("vouchers.error.amountInvalid", "coverageBps", { value: String(input.coverageBps) });
  }
  const seen = new Set<number>();
  for (const v of input.vouchers) {
    assertWholeFen(v.availableFen, "vouchers", { positive: false });
    if (seen.has(v.voucherId)) throw new VoucherError("vouchers.error.duplicateVoucher", "vouchers");
    seen.add(v.voucherId);
  }
  const balanceFen = input.vouchers.reduce((sum, v) => sum + v.availableFen, 0);
  const coverageLimitFen = bpsShareFen(input.priceFen, input.coverageBps);
  const voucherPartFen = Math.min(balanceFen, coverageLimitFen, input.capRemainingFen);
  const limitedBy: VoucherPartLimit =
    voucherPartFen === coverageLimitFen ? "coverage" : voucherPartFen === input.capRemainingFen ? "cap" : "balance";

  const allocations: VoucherPart["allocations"] = [];
  let left = voucherPartFen;
  const ordered = [...input.vouchers].sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || a.voucherId - b.voucherId);
  for (const v of ordered) {
    if (left === 0) break;
    const take = Math.min(left, v.availableFen);
    if (take > 0) allocations.push({ voucherId: v.voucherId, amountFen: take });
    left -= take;
  }
  return {
    voucherPartFen,
    cashPartFen: input.priceFen - voucherPartFen,
    balanceFen,
    coverageLimitFen,
    capRemainingFen: input.capRemainingFen,
    limitedBy,
    allocations,
  };
}

/** What an enterprise has used of a programme's yearly cap: the database's voucher_cap_used (db/migrations/0006). */
function capUsedSql(enterpriseId: RawBuilder<unknown>, programmeId: RawBuilder<unknown>, now: Date): RawBuilder<number> {
  return sql<number>`voucher_cap_used(${enterpriseId}, ${programmeId}, ${now}::timestamptz)`;
}

export async function capUsedFen(db: Kysely<DB>, enterpriseId: number, programmeId: number, now: Date = new Date()): Promise<number> {
  const { rows } = await sql<{ used: number }>`select ${capUsedSql(
    sql`${enterpriseId}::bigint`,
    sql`${programmeId}::bigint`,
    now,
  )} as used`.execute(db);
  return rows[0].used;
}

export interface VoucherQuoteInput {
  enterpriseId: number;
  voucherIds: readonly number[];
  priceFen: number;
  /** the purchase's transfer mode: the programme must cover it */
  mode: TransferMode;
  /** the seller: vouchers never pay between related parties (related-parties.ts) */
  sellerOrganisationId: number;
  now?: Date;
}

export interface VoucherQuote extends VoucherPart {
  programmeId: number;
  coverageBps: number;
  yearlyCapFen: number;
  capUsedFen: number;
  vouchers: { voucherId: number; serial: string; availableFen: number; expiresAt: Date }[];
}

/**
 * The voucher part of a purchase, computed on the server from the ledger's balances, for showing before paying.
 * Throws VoucherError (nothing changes) for vouchers that are not the buyer's, revoked, expired, not yet valid, used up, from
 * different programmes, or from a programme that does not cover this kind of purchase, and for a purchase between
 * related parties.
 */
export async function quoteVoucherPart(db: Kysely<DB>, input: VoucherQuoteInput): Promise<VoucherQuote> {
  const now = input.now ?? new Date();
  assertWholeFen(input.priceFen, "priceFen", { positive: true });
  if (!(TRANSFER_MODES as readonly string[]).includes(input.mode)) throw new VoucherError("vouchers.error.modeNotCovered", "mode");
  const ids = [...new Set(input.voucherIds)];
  if (ids.length === 0) throw new VoucherError("vouchers.error.noVoucherChosen", "vouchers");
  if (ids.length !== input.voucherIds.length) throw new VoucherError("vouchers.error.duplicateVoucher", "vouchers");
  if (ids.length > 20 || ids.some((id) => !Number.isSafeInteger(id) || id <= 0))
    throw new VoucherError("vouchers.error.voucherNotYours", "vouchers");

  const rows = await db
    .selectFrom("vouchers as v")
    .innerJoin("voucher_programmes as p", "p.id", "v.programme_id")
    .leftJoin("ledger_accounts as a", (join) => join.onRef("a.voucher_id", "=", "v.id").on("a.purpose", "=", "voucher_available"))
    .select([
      "v.id",
      "v.serial",
      "v.enterprise_id",
      "v.status",
      "v.expires_at",
      "v.programme_id",
      "p.coverage_bps",
      "p.yearly_cap_fen",
      "p.valid_from",
      "p.qualifying_modes",
      "a.balance",
      capUsedSql(sql.ref("v.enterprise_id"), sql.ref("v.programme_id"), now).as("cap_used"),
      sql<boolean>`exists (select 1 from related_parties rp
        where rp.enterprise_id = v.enterprise_id and rp.institution_id = ${input.sellerOrganisationId}::bigint
          and rp.relation <> 'none')`.as("related"),
    ])
    .where("v.id", "in", ids)
    .orderBy("v.id")
    .execute();
  if (rows.length !== ids.length || rows.some((r) => r.enterprise_id !== input.enterpriseId)) {
    throw new VoucherError("vouchers.error.voucherNotYours", "vouchers");
  }
  const programmeId = rows[0].programme_id;
  if (rows.some((r) => r.programme_id !== programmeId)) throw new VoucherError("vouchers.error.mixedProgrammes", "vouchers");
  if (rows[0].related) throw new VoucherError("vouchers.error.relatedParty", "vouchers");
  const today = chinaDate(now);
  for (const r of rows) {
    if (r.status === "revoked") throw new VoucherError("vouchers.error.voucherRevoked", "vouchers", { serial: r.serial });
    if (isVoucherExpired({ status: r.status, expiresAt: r.expires_at }, now)) {
      throw new VoucherError("vouchers.error.voucherExpired", "vouchers", { serial: r.serial });
    }
    if (today < r.valid_from)
      throw new VoucherError("vouchers.error.voucherNotYetValid", "vouchers", { serial: r.serial, date: r.valid_from });
    if ((r.balance ?? 0) === 0) throw new VoucherError("vouchers.error.voucherUsedUp", "vouchers", { serial: r.serial });
  }
  if (!rows[0].qualifying_modes.includes(input.mode)) throw new VoucherError("vouchers.error.modeNotCovered", "mode");

  const used = rows[0].cap_used;
  const part = computeVoucherPart({
    priceFen: input.priceFen,
    coverageBps: rows[0].coverage_bps,
    capRemainingFen: Math.max(0, rows[0].yearly_cap_fen - used),
    vouchers: rows.map((r) => ({ voucherId: r.id, availableFen: r.balance ?? 0, expiresAt: r.expires_at })),
  });
  return {
    ...part,
    programmeId,
    coverageBps: rows[0].coverage_bps,
    yearlyCapFen: rows[0].yearly_cap_fen,
    capUsedFen: used,
    vouchers: rows.map((r) => ({ voucherId: r.id, serial: r.serial, availableFen: r.balance ?? 0, expiresAt: r.expires_at })),
  };
}

