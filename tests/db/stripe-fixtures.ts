import type { Kysely } from "kysely";
import { expect } from "vitest";
import type { DB, TransferMode } from "../../db/schema";
import { attachStripeSession, startCheckout } from "../../app/services/checkout/start";
import { ledgerCheck } from "../../app/services/ledger";
import { handleStripeWebhook, type WebhookLogger, type WebhookOptions, type WebhookResponse } from "../../app/services/payments/webhook";
import { stripeId, stripeSignatureHeader, TEST_WEBHOOK_SECRET } from "../helpers/stripe-signing";
import { asBuyer, footprint, voucherFor, type Market } from "./checkout-fixtures";

// Set-up shared by the Stripe webhook suites: card orders placed through the real checkout (voucher part held,
// exclusive results reserved) with a Checkout Session attached, and deliveries signed as Stripe signs them.

export interface CardOrder {
  orderId: number;
  sessionId: string;
  paymentIntentId: string;
  priceFen: number;
  voucherPartFen: number;
  cashDueFen: number;
  voucherId: number | null;
}

/** One voucher for the market's buyer (its yearly cap allows only a few), to share across a suite's orders. */
export async function buyerVoucher(db: Kysely<DB>, market: Market): Promise<number> {
  return (await voucherFor(db, market, market.buyer)).voucherId;
}

/** A pending card order for the market's buyer, paying part with `voucherId` when given. */
export async function placeCardOrder(
  db: Kysely<DB>,
  market: Market,
  resultId: number,
  mode: TransferMode,
  options: { voucherId?: number | null; sessionId?: string } = {},
): Promise<CardOrder> {
  const voucherId = options.voucherId ?? null;
  const started = await startCheckout(db, asBuyer(market.buyer), {
    resultId,
    mode,
    voucherIds: voucherId ? [voucherId] : [],
    method: "card",
    cardEnabled: true,
  });
  expect(started.status).toBe("pending");
  const sessionId = options.sessionId ?? stripeId("cs");
  await attachStripeSession(db, { orderId: started.orderId, sessionId });
  return {
    orderId: started.orderId,
    sessionId,
    paymentIntentId: stripeId("pi"),
    priceFen: started.priceFen,
    voucherPartFen: started.voucherPartFen,
    cashDueFen: started.cashDueFen,
    voucherId,
  };
}

export interface CapturedLog extends WebhookLogger {
  lines: { level: "info" | "warn" | "error"; message: string; details?: Record<string, unknown> }[];
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog["lines"] = [];
  return {
    lines,
    info: (message, details) => lines.push({ level: "info", message, details }),
    warn: (message, details) => lines.push({ level: "warn", message, details }),
    error: (message, details) => lines.push({ level: "error", message, details }),
  };
}

/** Signs and delivers a payload to the webhook service; `header` overrides the signature (null: no header). */
export async function deliver(
  db: Kysely<DB>,
  payload: string,
  options: Partial<WebhookOptions> & { header?: string | null; timestamp?: number } = {},
): Promise<WebhookResponse> {
  const { header, timestamp, ...rest } = options;
  const signature = header === undefined ? stripeSignatureHeader(payload, TEST_WEBHOOK_SECRET, timestamp) : header;
  return handleStripeWebhook(db, { rawBody: payload, signature }, { secret: TEST_WEBHOOK_SECRET, log: captureLog(), ...rest });
}

/** Everything a delivery may change, for "nothing changed" assertions: the checkout's footprint plus ledger balances. */
export async function snapshot(db: Kysely<DB>) {
  const balances = await db.selectFrom("ledger_accounts").select(["code", "balance"]).orderBy("code").execute();
  const contracts = await db.selectFrom("contracts").select(["id", "status"]).orderBy("id").execute();
  return { ...(await footprint(db)), balances, contracts };
}

export async function expectLedgerBalanced(db: Kysely<DB>): Promise<void> {
  const report = await ledgerCheck(db);
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
}
