import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "../../db/client";
import type { OrganisationKind, TransferMode } from "../../db/schema";
import { createResult, transition } from "../../app/services/catalogue/lifecycle";
import { markOrderPaid, startCheckout, type StartedCheckout } from "../../app/services/checkout";
import { approveApplication, applyForVoucher, createProgramme, type Actor, type ProgrammeInput } from "../../app/services/vouchers";
import { sampleInput } from "../helpers/catalogue";

// Shared set-up for the ledger and voucher suites: organisations with one user each, a funded programme, and vouchers
// issued through the real apply → approve path.

let counter = 0;

/** A unique 18-character credit code (the database only checks presence and length). */
function creditCode(): string {
  counter += 1;
  return `91410300${randomBytes(3).toString("hex").toUpperCase()}${String(counter).padStart(4, "0")}`.slice(0, 18);
}

export async function createParty(db: Database, kind: OrganisationKind, name?: string): Promise<Actor> {
  const label = name ?? `${kind}-${randomBytes(4).toString("hex")}`;
  const org = await db
    .insertInto("organisations")
    .values({
      kind,
      name: label,
      institution_type: kind === "institution" ? "university" : null,
      credit_code: kind === "enterprise" || kind === "institution" ? creditCode() : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const user = await db
    .insertInto("users")
    .values({
      organisation_id: org.id,
      email: `${label}-${randomBytes(3).toString("hex")}@example.com`.toLowerCase(),
      display_name: label,
      password_hash: "not-a-real-hash",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { organisationId: org.id, userId: user.id };
}

export interface Parties {
  bureau: Actor;
  enterprise: Actor;
  otherEnterprise: Actor;
  institution: Actor;
  otherInstitution: Actor;
}

export async function createParties(db: Database): Promise<Parties> {
  return {
    bureau: await createParty(db, "bureau"),
    enterprise: await createParty(db, "enterprise"),
    otherEnterprise: await createParty(db, "enterprise"),
    institution: await createParty(db, "institution"),
    otherInstitution: await createParty(db, "institution"),
  };
}

/** Now as the tests see it; programmes made here run from a year ago to a year ahead. */
export const NOW = new Date();
const day = (offset: number) => new Date(NOW.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

export async function createTestProgramme(db: Database, bureau: Actor, overrides: ProgrammeInput = {}): Promise<number> {
  const result = await createProgramme(db, bureau, {
    name: `创新券 ${randomBytes(4).toString("hex")}`,
    year: String(NOW.getUTCFullYear()),
    totalBudget: "1000000",
    coveragePercent: "50",
    yearlyCap: "200000",
    voucherAmount: "100000",
    validFrom: day(-365),
    validTo: day(365),
    qualifyingModes: ["assignment", "exclusive_license", "nonexclusive_license", "development", "service"],
    ...overrides,
  });
  if (!result.ok) throw new Error(`programme not created: ${JSON.stringify(result)}`);
  return result.programmeId;
}

/** Applies as the enterprise and approves as the bureau; returns the issued voucher. */
export async function issueVoucher(db: Database, programmeId: number, enterprise: Actor, bureau: Actor, now = NOW) {
  const applied = await applyForVoucher(
    db,
    enterprise,
    { programmeId: String(programmeId), purpose: "购买一项发明专利的普通许可", contactName: "张经理", contactPhone: "0379-6288 1234" },
    now,
  );
  if (!applied.ok) throw new Error(`application refused: ${JSON.stringify(applied)}`);
  const approved = await approveApplication(db, bureau, applied.applicationId, now);
  if (!approved.ok) throw new Error(`approval refused: ${JSON.stringify(approved)}`);
  return approved.voucher;
}

/** Runs statements with every trigger off (session_replication_role = replica), to plant corruption for ledgerCheck. */
export async function withoutTriggers(db: Database, statements: ReturnType<typeof sql>[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    for (const s of statements) await s.execute(trx);
  });
}

export async function balanceByCode(db: Database, code: string): Promise<number> {
  const row = await db.selectFrom("ledger_accounts").select("balance").where("code", "=", code).executeTakeFirst();
  return row?.balance ?? 0;
}

let orderIds = 1_000;
/** An order id for postings made straight through the ledger's API, with no order behind them. */
export function nextOrderId(): number {
  orderIds += 1;
  return orderIds;
}

let titles = 0;

/** A result of the institution on sale in the given modes (price in fen, null = negotiable), listed and approved. */
export async function listedResultOf(
  db: Database,
  institution: Actor,
  bureau: Actor,
  modes: { mode: TransferMode; price_fen: number | null }[],
  options: { stateFunded?: boolean } = {},
): Promise<number> {
  titles += 1;
  const seller = { id: institution.userId, organisationId: institution.organisationId, role: "institution" as const };
  const input = sampleInput({ title: `待售成果 ${titles}`, modes, state_funded: options.stateFunded ?? false });
  const { id } = await createResult(db, seller, input, { submit: true });
  await transition(db, { id: bureau.userId, organisationId: bureau.organisationId, role: "bureau" }, id, "approve");
  return id;
}

/** A non-exclusive licence of the institution on sale at `priceFen`. */
export function listedLicence(db: Database, institution: Actor, bureau: Actor, priceFen: number): Promise<number> {
  return listedResultOf(db, institution, bureau, [{ mode: "nonexclusive_license", price_fen: priceFen }]);
}

/**
 * A voucher hold as the market makes one: the enterprise starts a bank-transfer checkout of a licence of the
 * institution and the voucher pays `amountFen` of it. The price is four times that, so any coverage of 25% or more
 * allows it. Returns the pending order.
 */
export async function holdThroughCheckout(
  db: Database,
  parties: { bureau: Actor; enterprise: Actor; institution: Actor },
  voucherId: number,
  amountFen: number,
  now: Date = new Date(),
): Promise<StartedCheckout> {
  const resultId = await listedLicence(db, parties.institution, parties.bureau, amountFen * 4);
  return startCheckout(db, parties.enterprise, {
    resultId,
    mode: "nonexclusive_license",
    voucherIds: [voucherId],
    voucherAmountFen: amountFen,
    method: "bank_transfer",
    cardEnabled: false,
    now,
  });
}

/** The operator confirms a pending bank-transfer order's money: the holds are redeemed, the payment posted. */
export async function payByTransfer(db: Database, order: StartedCheckout, paidAt: Date = new Date()): Promise<void> {
  await markOrderPaid(db, {
    orderId: order.orderId,
    method: "bank_transfer",
    amountFen: order.cashDueFen,
    externalRef: `BANK-${order.orderId}`,
    idempotencyKey: `order:${order.orderId}:bank-confirm`,
    paidAt,
  });
}
