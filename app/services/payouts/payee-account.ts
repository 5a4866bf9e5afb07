import type { Kysely } from "kysely";
import { z } from "zod";
import type { DB } from "../../../db/schema";
import { formError, type Rejected } from "../accounts/types";
import { fieldErrorsFrom } from "../accounts/validation";
import type { PayeeField } from "./payee-fields";

// 收款账户 (docs/decisions/0019): the account an institution is paid into by the operator (payouts) and the bureau
// (voucher reimbursement). Its administrators keep it; it must be in the organisation's own name, so money cannot be
// sent to a person's account; a change is audit-logged and shown to the payers for a month.

/** A change this recent is pointed out to whoever pays into the account. */
export const PAYEE_CHANGE_NOTICE_DAYS = 30;

export interface PayeeAccount {
  accountName: string;
  bankName: string;
  accountNumber: string;
  updatedAt: Date;
  updatedBy: string;
  /** changed within PAYEE_CHANGE_NOTICE_DAYS */
  recentlyChanged: boolean;
}

/** Whether an account changed within PAYEE_CHANGE_NOTICE_DAYS of `now`: its payers are told to check it by phone. */
export function changedLately(updatedAt: Date, now: Date): boolean {
  return now.getTime() - updatedAt.getTime() < PAYEE_CHANGE_NOTICE_DAYS * 86_400_000;
}

/** Names compared as a bank compares them: full-width brackets as half-width, no spaces. */
function comparableName(name: string): string {
  return name.replace(/（/g, "(").replace(/）/g, ")").replace(/\s+/g, "");
}

export async function getPayeeAccount(db: Kysely<DB>, organisationId: number, now: Date = new Date()): Promise<PayeeAccount | null> {
  const row = await db
    .selectFrom("payee_accounts as a")
    .innerJoin("users as u", "u.id", "a.updated_by")
    .select(["a.account_name", "a.bank_name", "a.account_number", "a.updated_at", "u.display_name"])
    .where("a.organisation_id", "=", organisationId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    accountName: row.account_name,
    bankName: row.bank_name,
    accountNumber: row.account_number,
    updatedAt: row.updated_at,
    updatedBy: row.display_name,
    recentlyChanged: changedLately(row.updated_at, now),
  };
}

/** The organisations among `ids` with an account, and whether it changed recently (for the payers' lists). */
export async function payeeAccountStates(db: Kysely<DB>, ids: readonly number[], now: Date = new Date()): Promise<Map<number, { recentlyChanged: boolean }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("payee_accounts").select(["organisation_id", "updated_at"]).where("organisation_id", "in", [...ids]).execute();
  return new Map(rows.map((r) => [r.organisation_id, { recentlyChanged: changedLately(r.updated_at, now) }]));
}

const payeeSchema = z.object({
  accountName: z.string({ error: "payee.error.required" }).trim().min(1, "payee.error.required").max(100, "payee.error.tooLong"),
  bankName: z.string({ error: "payee.error.required" }).trim().min(2, "payee.error.bankName").max(100, "payee.error.tooLong"),
  accountNumber: z
    .string({ error: "payee.error.required" })
    .transform((v) => v.replace(/[\s-]/g, ""))
    .pipe(z.string().min(1, "payee.error.required").regex(/^[0-9]{8,32}$/, "payee.error.accountNumber")),
}) satisfies z.ZodType<Record<PayeeField, string>, unknown>;

/** Sets the institution's account (an administrator of it only). Refused, with nothing changed, for bad input. */
export async function setPayeeAccount(
  db: Kysely<DB>,
  admin: { id: number; organisationId: number },
  input: Partial<Record<PayeeField, unknown>>,
  now: Date = new Date(),
): Promise<{ ok: true } | Rejected<PayeeField>> {
  const parsed = payeeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<PayeeField>(parsed.error) };
  const account = parsed.data;
  return db.transaction().execute(async (trx) => {
    const who = await trx
      .selectFrom("users as u")
      .innerJoin("organisations as o", "o.id", "u.organisation_id")
      .select(["o.name", "o.kind", "u.is_org_admin", "u.disabled_at"])
      .where("u.id", "=", admin.id)
      .where("u.organisation_id", "=", admin.organisationId)
      .forUpdate("o")
      .executeTakeFirst();
    if (!who || !who.is_org_admin || who.disabled_at !== null || who.kind !== "institution") {
      return formError("payee.error.notAdmin");
    }
    if (comparableName(account.accountName) !== comparableName(who.name)) {
      return { ok: false as const, fieldErrors: { accountName: "payee.error.nameMismatch" } };
    }
    const before = await trx
      .selectFrom("payee_accounts")
      .select(["bank_name", "account_number"])
      .where("organisation_id", "=", admin.organisationId)
      .executeTakeFirst();
    const values = { account_name: account.accountName, bank_name: account.bankName, account_number: account.accountNumber, updated_by: admin.id, updated_at: now };
    await trx
      .insertInto("payee_accounts")
      .values({ organisation_id: admin.organisationId, ...values })
      .onConflict((oc) => oc.column("organisation_id").doUpdateSet(values))
      .execute();
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: admin.id,
        action: "organisation.payee_account",
        subject_type: "organisation",
        subject_id: String(admin.organisationId),
        detail: {
          bank: account.bankName,
          account: `…${account.accountNumber.slice(-4)}`,
          before: before ? `${before.bank_name} …${before.account_number.slice(-4)}` : null,
        },
      })
      .execute();
    return { ok: true as const };
  });
}
