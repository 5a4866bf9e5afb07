import { EXCLUSIVE_MODES, type ContractType, type TransferMode } from "../../../db/schema";

// The checkout's rules, stated once.

/** An exclusive mode's result stays reserved for its buyer this long while the payment is pending. */
export const RESERVATION_MINUTES = 30;
/**
 * Stripe refuses a Checkout Session that would close less than 30 minutes after it is created; the card deadline gets
 * this much on top of the reservation so the session, created right after the order, can end exactly with it.
 */
export const STRIPE_SESSION_SLACK_SECONDS = 60;
/**
 * A bank transfer (对公转账) takes a day or two between companies, so an order paid that way is held (vouchers and, for
 * exclusive modes, the reservation) for this many days; the operator confirms receipt within it.
 */
export const BANK_TRANSFER_DAYS = 3;
/**
 * Stripe tells us a session expired by webhook; our own sweeper waits this much longer before expiring a card order
 * that has a session, so a payment completed at the last second is not refused for a lapse we caused.
 */
export const STRIPE_GRACE_MINUTES = 15;
/** A quote may be valid for at most this many days. */
export const MAX_QUOTE_DAYS = 90;
/** At most this many vouchers in one checkout. */
export const MAX_VOUCHERS_PER_ORDER = 20;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export function isExclusive(mode: TransferMode): boolean {
  return (EXCLUSIVE_MODES as readonly TransferMode[]).includes(mode);
}

/** The technology contract a purchase becomes (技术合同类型). */
export const CONTRACT_TYPE_BY_MODE: Record<TransferMode, ContractType> = {
  assignment: "transfer",
  exclusive_license: "license",
  sole_license: "license",
  nonexclusive_license: "license",
  equity: "transfer",
  development: "development",
  service: "service",
};

/** When an order placed at `now` lapses unless paid. */
export function paymentDeadline(method: "card" | "bank_transfer" | "voucher", now: Date): Date {
  if (method === "bank_transfer") return new Date(now.getTime() + BANK_TRANSFER_DAYS * DAY_MS);
  return new Date(now.getTime() + RESERVATION_MINUTES * MINUTE_MS + STRIPE_SESSION_SLACK_SECONDS * 1000);
}

/** The order number people read and type: the id, zero-padded to 8 digits. */
export function orderNo(orderId: number): string {
  return String(orderId).padStart(8, "0");
}

/** Luhn check digit of a digit string (catches every single-digit typo and most swapped neighbours). */
export function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** The reference code a buyer writes in the bank transfer's memo (附言): KJ + order number + check digit. */
export function bankReference(orderId: number): string {
  const no = orderNo(orderId);
  return `KJ${no}${luhnDigit(no)}`;
}

/**
 * The order id a reference code names, or null when it is malformed or its check digit is wrong. Accepts lower case,
 * spaces and hyphens as people type them from a bank statement.
 */
export function parseBankReference(text: string): number | null {
  const m = /^KJ(\d{8,})(\d)$/.exec(text.toUpperCase().replace(/[\s-]/g, ""));
  if (!m || luhnDigit(m[1]) !== m[2]) return null;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
