import type { OrganisationKind } from "../../../db/schema";

/** The signed-in user as every loader and component sees it; `role` is the kind of the user's organisation. */
export interface SessionUser {
  id: number;
  email: string;
  displayName: string;
  organisationId: number;
  organisationName: string;
  role: OrganisationKind;
  /** manages the organisation's accounts (/account/members) */
  isOrgAdmin: boolean;
  /** signed in with a first password someone else chose: every workspace page sends them to set their own */
  mustChangePassword: boolean;
}

/** A UI message: an i18n key plus values for its `{placeholders}`. */
export interface Message {
  key: string;
  params?: Record<string, string | number>;
}

/** Field name → i18n key of the problem with it (the first one found). */
export type FieldErrors<F extends string = string> = Partial<Record<F, string>>;

/** What a service returns for input it refuses: field errors and/or one error about the whole form. Nothing was written. */
export interface Rejected<F extends string = string> {
  ok: false;
  fieldErrors: FieldErrors<F>;
  formError?: Message;
}

/** A refusal of the whole form (no field to point at), with an i18n key. */
export function formError(key: string, params?: Message["params"]): Rejected<never> {
  return { ok: false, fieldErrors: {}, formError: { key, params } };
}
