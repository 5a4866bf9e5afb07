// The sign-up form's vocabulary, kept apart from sign-up.ts so the page can import it into the browser bundle without
// pulling in the database and argon2.

/** Who may sign up: enterprises, and institutions of two types. Bureau and operator users come from the CLI or seed. */
export const SIGN_UP_ORGANISATION_TYPES = ["enterprise", "university", "institute"] as const;
export type SignUpOrganisationType = (typeof SIGN_UP_ORGANISATION_TYPES)[number];

/** The form's fields in display order. */
export const SIGN_UP_FIELDS = ["organisationType", "organisationName", "creditCode", "region", "displayName", "email", "password"] as const;
export type SignUpField = (typeof SIGN_UP_FIELDS)[number];
