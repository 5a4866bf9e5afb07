import { sql, type Kysely, type RawBuilder } from "kysely";
import type { DB, OrderStatus } from "../../../db/schema";
import { env } from "../../env.server";
import { REGIONS } from "../accounts/regions";
import { regionLabel } from "../contracts/registry";
import { assertBps, PLATFORM_BUCKETS } from "../ledger";
import { chinaDate } from "../vouchers/validation";
import { CheckoutError } from "./errors";
import { CONTRACT_TYPE_BY_MODE } from "./rules";

// Completion of a paid order runs in the database as order_settle (db/migrations/0006_order_settlement.ts), one round
// trip for the checkout's busiest step. The rules it applies are this application's and go in as arguments.

type SettleOutcome = "completed" | "already_done" | "closed" | "method_mismatch" | "amount_mismatch" | "key_of_other_order" | "not_found" | "exclusive";

interface SettleRow {
  outcome: SettleOutcome;
  contract_id: number | null;
  order_status: OrderStatus | null;
  expected_method: string | null;
  expected_amount: number | null;
}

export interface SettleInput {
  orderId: number;
  method: "card" | "bank_transfer" | "voucher";
  /** the cash received; null for an order the vouchers paid in full */
  amountFen: number | null;
  externalRef: string | null;
  idempotencyKey: string | null;
  actorUserId: number | null;
  now: Date;
  /** an exclusive order's result was transferred by the caller, in this transaction */
  transferred: boolean;
}

export interface Settled {
  orderId: number;
  status: OrderStatus;
  contractId: number | null;
  alreadyDone: boolean;
}

const rulesByFee = new Map<number, string>();

/** The settlement rules as the function takes them: contract type by mode, region names, fee, platform buckets. */
function settlementRules(feeBps: number): string {
  let rules = rulesByFee.get(feeBps);
  if (rules === undefined) {
    assertBps(feeBps, "PLATFORM_FEE_BPS");
    rules = JSON.stringify({
      contract_types: CONTRACT_TYPE_BY_MODE,
      region_labels: Object.fromEntries(REGIONS.map((code) => [code, regionLabel(code)])),
      fee_bps: feeBps,
      platform_buckets: PLATFORM_BUCKETS,
    });
    rulesByFee.set(feeBps, rules);
  }
  return rules;
}

/** The call of order_settle on `order` (an id, or a column of the surrounding statement) with the input's terms. */
function orderSettleCall(order: RawBuilder<unknown>, input: Omit<SettleInput, "orderId">): RawBuilder<unknown> {
  return sql`order_settle(${order}, ${input.method}, ${input.amountFen}::bigint, ${input.externalRef}, ${input.idempotencyKey},
    ${input.actorUserId}::bigint, ${input.now}::timestamptz, ${chinaDate(input.now)}::date, ${input.transferred},
    ${settlementRules(env().PLATFORM_FEE_BPS)}::text::jsonb)`;
}

/**
 * The card payment of a Checkout Session, settled in the statement that finds the session's order: Stripe's
 * checkout.session.completed in one round trip. Only a completion (or a repeat of one) is answered; for anything else
 * (no such session, an order other than `claimedOrderId`, an outcome order_settle refuses, which changes nothing) the
 * answer is null and the caller takes the path that looks the order up and explains.
 */
export async function settleSession(
  db: Kysely<DB>,
  input: { sessionId: string; claimedOrderId: number | null; amountFen: number; externalRef: string; idempotencyKey: string; now: Date },
): Promise<Settled | null> {
  const payment = { ...input, method: "card" as const, actorUserId: null, transferred: false };
  const { rows } = await sql<SettleRow & { order_id: number }>`
    select o.id as order_id, s.* from orders o
     cross join lateral ${orderSettleCall(sql.ref("o.id"), payment)} s
     where o.stripe_checkout_session_id = ${input.sessionId}
       and (${input.claimedOrderId}::bigint is null or o.id = ${input.claimedOrderId}::bigint)`.execute(db);
  const row = rows[0];
  if (!row || (row.outcome !== "completed" && row.outcome !== "already_done")) return null;
  return { orderId: row.order_id, status: row.order_status as OrderStatus, contractId: row.contract_id, alreadyDone: row.outcome === "already_done" };
}

/**
 * Settles a pending order (order_settle): contract, voucher redemptions, payment and fee, completed order. Returns
 * "exclusive" untouched for an exclusive order not yet transferred; throws CheckoutError for the refusals, having
 * changed nothing.
 */
export async function settleOrder(db: Kysely<DB>, input: SettleInput): Promise<Settled | "exclusive"> {
  const { rows } = await sql<SettleRow>`select * from ${orderSettleCall(sql`${input.orderId}::bigint`, input)}`.execute(db);
  const row = rows[0];
  const done = (alreadyDone: boolean): Settled => ({
    orderId: input.orderId,
    status: row.order_status as OrderStatus,
    contractId: row.contract_id,
    alreadyDone,
  });
  switch (row.outcome) {
    case "completed":
      return done(false);
    case "already_done":
      return done(true);
    case "exclusive":
      return "exclusive";
    case "not_found":
      throw new CheckoutError("not_found", "checkout.error.orderNotFound", { id: input.orderId }, "orderId");
    case "key_of_other_order":
      throw new CheckoutError("invalid", "checkout.error.keyOfOtherOrder", { key: input.idempotencyKey ?? "" }, "idempotencyKey");
    case "closed":
      throw new CheckoutError("conflict", "checkout.error.orderClosed", { status: row.order_status ?? "" }, "orderId");
    case "method_mismatch":
      throw new CheckoutError("invalid", "checkout.error.methodMismatch", { expected: row.expected_method ?? "" }, "method");
    case "amount_mismatch":
      throw new CheckoutError(
        "invalid",
        "checkout.error.amountMismatch",
        { expected: row.expected_amount ?? 0, got: input.amountFen ?? 0 },
        "amountFen",
      );
  }
}
