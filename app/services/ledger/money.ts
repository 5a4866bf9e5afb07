import { LedgerInputError } from "./errors";

// Money is integer fen. The one rounding rule for every basis-point share (platform fee, voucher coverage): the share
// is rounded DOWN to the fen, floor(amount × bps / 10 000), computed in BigInt so no float ever touches it. So a fee
// never exceeds its rate and a voucher never pays more than its coverage ratio; the rounding fen stays with the
// institution (fee) or the buyer's cash part (coverage).

export const BPS_DENOMINATOR = 10_000;

export function assertFen(value: unknown, field: string, { allowZero = false } = {}): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new LedgerInputError(field, `must be a whole number of fen, got ${String(value)}`);
  }
  if (value < 0 || (!allowZero && value === 0)) {
    throw new LedgerInputError(field, `must be ${allowZero ? "zero or more" : "more than zero"} fen, got ${value}`);
  }
}

export function assertBps(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > BPS_DENOMINATOR) {
    throw new LedgerInputError(field, `must be whole basis points between 0 and ${BPS_DENOMINATOR}, got ${String(value)}`);
  }
}

/** floor(amountFen × bps / 10 000). */
export function bpsShareFen(amountFen: number, bps: number): number {
  assertFen(amountFen, "amountFen", { allowZero: true });
  assertBps(bps, "bps");
  return Number((BigInt(amountFen) * BigInt(bps)) / BigInt(BPS_DENOMINATOR));
}

/** The platform's fee on money that passes through the platform (the card or bank-transfer part of an order). */
export function platformFeeFen(amountFen: number, feeBps: number): number {
  return bpsShareFen(amountFen, feeBps);
}
