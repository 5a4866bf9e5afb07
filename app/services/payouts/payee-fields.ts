// The payee-account form's fields, apart from the service so the page can import them.
export const PAYEE_FIELDS = ["accountName", "bankName", "accountNumber"] as const;
export type PayeeField = (typeof PAYEE_FIELDS)[number];
