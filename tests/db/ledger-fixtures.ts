import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "../../db/client";
import type { OrganisationKind } from "../../db/schema";
import { approveApplication, applyForVoucher, createProgramme, type Actor, type ProgrammeInput } from "../../app/services/vouchers";

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
/** Orders arrive with checkout; until then an order is just a unique id. */
export function nextOrderId(): number {
  orderIds += 1;
  return orderIds;
}
