import type { Kysely } from "kysely";
import { z } from "zod";
import type { DB, InstitutionType, OrganisationKind } from "../../../db/schema";
import { creditCodeProblem, normaliseCreditCode } from "./credit-code";
import { hashPassword } from "./passwords";
import { REGIONS } from "./regions";
import { SIGN_UP_FIELDS, SIGN_UP_ORGANISATION_TYPES, type SignUpField, type SignUpOrganisationType } from "./sign-up-fields";
import type { Rejected, SessionUser } from "./types";
import { findSessionUser, insertUser } from "./users";
import { emailSchema, fieldErrorsFrom, newPasswordSchema, requiredText, uniqueViolation } from "./validation";

// A missing field (null from FormData) or a blank one means "not given" for optional fields.
const blankToUndefined = (v: unknown) => (v === null || (typeof v === "string" && v.trim() === "") ? undefined : v);

const signUpSchema = z.object({
  organisationType: z.enum(SIGN_UP_ORGANISATION_TYPES, { error: "auth.error.organisationTypeRequired" }),
  organisationName: requiredText(100),
  creditCode: z
    .string({ error: "auth.error.required" })
    .trim()
    .min(1, "auth.error.required")
    .superRefine((code, ctx) => {
      const problem = creditCodeProblem(code);
      if (problem) ctx.addIssue({ code: "custom", message: `auth.error.creditCode.${problem}` });
    })
    .transform(normaliseCreditCode),
  region: z.preprocess(blankToUndefined, z.enum(REGIONS, { error: "auth.error.regionInvalid" }).optional()),
  displayName: requiredText(50),
  email: emailSchema,
  password: newPasswordSchema,
});

// The schema and the form's field list must name the same fields.
const _sameFields: [keyof z.input<typeof signUpSchema>, SignUpField] extends [SignUpField, keyof z.input<typeof signUpSchema>] ? true : never = true;

export { SIGN_UP_FIELDS, SIGN_UP_ORGANISATION_TYPES, type SignUpField, type SignUpOrganisationType };

/** Raw values as a form posts them: anything may be missing or of the wrong type. */
export type SignUpInput = Partial<Record<SignUpField, unknown>>;

export type SignUpResult = { ok: true; user: SessionUser } | Rejected<SignUpField>;

function organisationKind(type: SignUpOrganisationType): { kind: OrganisationKind; institutionType: InstitutionType | null } {
  return type === "enterprise" ? { kind: "enterprise", institutionType: null } : { kind: "institution", institutionType: type };
}

/**
 * Registers an enterprise or an institution with its first user, in one transaction. Bad or duplicate input comes
 * back as field errors (i18n keys) and writes nothing.
 */
export async function signUp(db: Kysely<DB>, input: SignUpInput): Promise<SignUpResult> {
  const parsed = signUpSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<SignUpField>(parsed.error) };
  const data = parsed.data;

  // Both duplicates are reported at once; the unique constraints below still decide a race between two sign-ups.
  const [emailRow, codeRow] = await Promise.all([
    db.selectFrom("users").select("id").where("email", "=", data.email).executeTakeFirst(),
    db.selectFrom("organisations").select("id").where("credit_code", "=", data.creditCode).executeTakeFirst(),
  ]);
  const duplicates: Rejected<SignUpField>["fieldErrors"] = {};
  if (emailRow) duplicates.email = "auth.error.emailTaken";
  if (codeRow) duplicates.creditCode = "auth.error.creditCodeTaken";
  if (emailRow || codeRow) return { ok: false, fieldErrors: duplicates };

  const passwordHash = await hashPassword(data.password);
  const { kind, institutionType } = organisationKind(data.organisationType);
  try {
    const userId = await db.transaction().execute(async (trx) => {
      const organisation = await trx
        .insertInto("organisations")
        .values({
          kind,
          institution_type: institutionType,
          name: data.organisationName,
          credit_code: data.creditCode,
          region: data.region ?? null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const id = await insertUser(trx, {
        organisationId: organisation.id,
        email: data.email,
        displayName: data.displayName,
        passwordHash,
      });
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: id,
          action: "account.sign_up",
          subject_type: "organisation",
          subject_id: String(organisation.id),
          detail: { kind, institutionType },
        })
        .execute();
      return id;
    });
    const user = await findSessionUser(db, userId);
    if (!user) throw new Error(`user ${userId} vanished right after sign-up`);
    return { ok: true, user };
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint === "users_email_key") return { ok: false, fieldErrors: { email: "auth.error.emailTaken" } };
    if (constraint === "organisations_credit_code_key") return { ok: false, fieldErrors: { creditCode: "auth.error.creditCodeTaken" } };
    throw error;
  }
}
