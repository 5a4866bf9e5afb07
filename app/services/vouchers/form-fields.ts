// Field names of the voucher forms, in a module free of server code so pages can import them into the browser bundle.
// applications.ts and programmes.ts check at compile time that these lists match their schemas.
export const APPLICATION_FIELDS = ["programmeId", "purpose", "contactName", "contactPhone"] as const;
export const PROGRAMME_FIELDS = [
  "name",
  "year",
  "totalBudget",
  "coveragePercent",
  "yearlyCap",
  "voucherAmount",
  "validFrom",
  "validTo",
  "qualifyingModes",
] as const;

/** True only when A and B are the same union. */
export type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
