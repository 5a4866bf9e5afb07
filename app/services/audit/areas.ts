// The areas of the market the audit log can be narrowed to (a page's filter imports this without the database).
export const AUDIT_AREAS = ["accounts", "catalogue", "contracts", "vouchers", "money"] as const;
export type AuditArea = (typeof AUDIT_AREAS)[number];
