import type { Kysely } from "kysely";
import type { DB, LedgerAccountPurpose, NormalSide } from "../../../db/schema";
import { LedgerError, LedgerInputError } from "./errors";

/**
 * Who an account belongs to. The purpose decides which kind of owner it takes (CHART below); the database's
 * ledger_accounts_chart CHECK holds the same table, so an account can only be created the way the chart says.
 */
export type AccountOwner =
  | { kind: "platform"; bucket?: number }
  | { kind: "organisation"; organisationId: number }
  | { kind: "programme"; programmeId: number; bureauId: number }
  | { kind: "voucher"; voucherId: number; programmeId: number; enterpriseId: number }
  | { kind: "programme_institution"; programmeId: number; institutionId: number };

export interface ChartEntry {
  normalSide: NormalSide;
  mayGoNegative: boolean;
  owner: AccountOwner["kind"];
}

/**
 * The chart of accounts. Voucher money (the bureau's programme fund) and the platform's cash are two closed books in one
 * ledger: every programme's fund balance equals the sum of its credit accounts (budget, vouchers, holds, owed, in
 * payment), which ledgerCheck verifies.
 */
export const CHART: Record<LedgerAccountPurpose, ChartEntry> = {
  /** The bureau's appropriation for a programme not yet paid out (asset). */
  programme_fund: { normalSide: "debit", mayGoNegative: false, owner: "programme" },
  /** Budget not yet issued as vouchers; non-negative, so issuing never exceeds the budget. */
  programme_budget: { normalSide: "credit", mayGoNegative: false, owner: "programme" },
  /** What an enterprise can still spend from one voucher. */
  voucher_available: { normalSide: "credit", mayGoNegative: false, owner: "voucher" },
  /** Held for checkouts whose payment is pending (moved out of available, so it cannot be spent twice). */
  voucher_held: { normalSide: "credit", mayGoNegative: false, owner: "voucher" },
  /** Redeemed voucher money the bureau owes an institution (兑付 not yet batched). */
  voucher_reimbursable: { normalSide: "credit", mayGoNegative: false, owner: "programme_institution" },
  /** In a reimbursement batch, not yet paid. */
  reimbursement_in_payment: { normalSide: "credit", mayGoNegative: false, owner: "programme_institution" },
  /** Card and bank money the platform owes an institution (after the platform fee). */
  institution_payable: { normalSide: "credit", mayGoNegative: false, owner: "organisation" },
  platform_fee_revenue: { normalSide: "credit", mayGoNegative: false, owner: "platform" },
  /** Money at Stripe (asset); may go negative because payouts and disputes happen outside this ledger. */
  stripe_clearing: { normalSide: "debit", mayGoNegative: true, owner: "platform" },
  /** The platform's bank account for 对公转账 (asset); may go negative for the same reason. */
  bank_clearing: { normalSide: "debit", mayGoNegative: true, owner: "platform" },
};

/**
 * The platform's accounts (clearing, fee revenue) are touched by every checkout; one row each would make concurrent
 * checkouts queue on its row lock. Each is split into PLATFORM_BUCKETS accounts, chosen by order id, so checkouts
 * spread over them; the platform's balance for a purpose is the sum of its buckets. A reversal posts to the same
 * bucket as its original, so non-negative buckets stay non-negative.
 */
export const PLATFORM_BUCKETS = 16;

export function platformBucket(key: number | string): number {
  if (typeof key === "number") return Math.abs(key) % PLATFORM_BUCKETS;
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) % 1_000_003;
  return hash % PLATFORM_BUCKETS;
}

/** The unique, human-readable account code, e.g. "voucher:17:voucher_held" or "platform:stripe_clearing:5". */
export function accountCode(owner: AccountOwner, purpose: LedgerAccountPurpose): string {
  switch (owner.kind) {
    case "platform":
      return owner.bucket ? `platform:${purpose}:${owner.bucket}` : `platform:${purpose}`;
    case "organisation":
      return `org:${owner.organisationId}:${purpose}`;
    case "programme":
      return `programme:${owner.programmeId}:${purpose}`;
    case "voucher":
      return `voucher:${owner.voucherId}:${purpose}`;
    case "programme_institution":
      return `programme:${owner.programmeId}:org:${owner.institutionId}:${purpose}`;
  }
}

export interface AccountSpec {
  owner: AccountOwner;
  purpose: LedgerAccountPurpose;
}

function accountRow(spec: AccountSpec) {
  const chart = CHART[spec.purpose];
  if (!chart) throw new LedgerInputError("purpose", `unknown account purpose "${String(spec.purpose)}"`);
  const { owner } = spec;
  if (owner.kind !== chart.owner) {
    throw new LedgerInputError("owner", `a ${spec.purpose} account belongs to a ${chart.owner}, not a ${owner.kind}`);
  }
  if (owner.kind === "platform" && owner.bucket !== undefined) {
    if (!Number.isInteger(owner.bucket) || owner.bucket < 0 || owner.bucket >= PLATFORM_BUCKETS) {
      throw new LedgerInputError("owner.bucket", `must be a bucket from 0 to ${PLATFORM_BUCKETS - 1}, got ${String(owner.bucket)}`);
    }
  }
  for (const [key, value] of Object.entries(owner)) {
    if (key !== "kind" && key !== "bucket" && !(Number.isSafeInteger(value) && (value as number) > 0)) {
      throw new LedgerInputError(`owner.${key}`, `must be a positive id, got ${String(value)}`);
    }
  }
  return {
    code: accountCode(owner, spec.purpose),
    purpose: spec.purpose,
    normal_side: chart.normalSide,
    may_go_negative: chart.mayGoNegative,
    owner_organisation_id:
      owner.kind === "organisation"
        ? owner.organisationId
        : owner.kind === "programme"
        ? owner.bureauId
        : owner.kind === "voucher"
        ? owner.enterpriseId
        : owner.kind === "programme_institution"
        ? owner.institutionId
        : null,
    programme_id:
      owner.kind === "programme" || owner.kind === "voucher" || owner.kind === "programme_institution" ? owner.programmeId : null,
    voucher_id: owner.kind === "voucher" ? owner.voucherId : null,
  };
}

/** Checks that an account spec follows the chart (owner kind, positive ids) and returns its code. */
export function specCode(spec: AccountSpec): string {
  return accountRow(spec).code;
}

/**
 * The ids of the given accounts, creating any that do not exist yet (in the caller's transaction, if any). One
 * query when they all exist, which is the common case.
 */
export async function ensureAccounts(db: Kysely<DB>, specs: readonly AccountSpec[]): Promise<number[]> {
  if (specs.length === 0) return [];
  const rows = specs.map(accountRow);
  const codes = [...new Set(rows.map((r) => r.code))];
  const find = async () => {
    const found = await db.selectFrom("ledger_accounts").select(["id", "code"]).where("code", "in", codes).execute();
    return new Map(found.map((r) => [r.code, r.id]));
  };
  let ids = await find();
  const missing = rows.filter((r, i) => !ids.has(r.code) && rows.findIndex((x) => x.code === r.code) === i);
  if (missing.length > 0) {
    // A concurrent creator makes this wait for its commit and then do nothing; the second look-up then sees its row.
    await db
      .insertInto("ledger_accounts")
      .values(missing)
      .onConflict((oc) => oc.column("code").doNothing())
      .execute();
    ids = await find();
  }
  return rows.map((r) => {
    const id = ids.get(r.code);
    if (id === undefined) throw new LedgerError("not_found", `ledger account ${r.code} could not be created`);
    return id;
  });
}

export async function ensureAccount(db: Kysely<DB>, owner: AccountOwner, purpose: LedgerAccountPurpose): Promise<number> {
  const [id] = await ensureAccounts(db, [{ owner, purpose }]);
  return id;
}

export interface AccountBalance {
  id: number;
  code: string;
  purpose: LedgerAccountPurpose;
  balanceFen: number;
}

/** An account's current balance (in its normal side's terms), or null when it was never created. */
export async function findAccount(db: Kysely<DB>, owner: AccountOwner, purpose: LedgerAccountPurpose): Promise<AccountBalance | null> {
  const row = await db
    .selectFrom("ledger_accounts")
    .select(["id", "code", "purpose", "balance"])
    .where("code", "=", accountCode(owner, purpose))
    .executeTakeFirst();
  return row ? { id: row.id, code: row.code, purpose: row.purpose, balanceFen: row.balance } : null;
}

/** The balance of an account, 0 when it was never created. */
export async function balanceOf(db: Kysely<DB>, owner: AccountOwner, purpose: LedgerAccountPurpose): Promise<number> {
  return (await findAccount(db, owner, purpose))?.balanceFen ?? 0;
}

/** Balances by account code, for accounts whose code starts with a prefix (e.g. "programme:3:"). */
export async function balancesByPrefix(db: Kysely<DB>, prefix: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("ledger_accounts")
    .select(["code", "balance"])
    .where("code", "like", `${prefix.replace(/[\\%_]/g, "\\$&")}%`)
    .execute();
  return new Map(rows.map((r) => [r.code, r.balance]));
}

/** The platform's balance for a purpose: the sum over its buckets. */
export async function platformBalance(
  db: Kysely<DB>,
  purpose: "stripe_clearing" | "bank_clearing" | "platform_fee_revenue",
): Promise<number> {
  const row = await db
    .selectFrom("ledger_accounts")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("balance"), eb.lit(0)).as("total"))
    .where("purpose", "=", purpose)
    .where("owner_organisation_id", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}
