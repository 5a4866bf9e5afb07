// Innovation vouchers: programmes, applications and issue, the wallet, the voucher part of a purchase, expiry and
// reimbursement (兑付). Money moves only through app/services/ledger.
export * from "./applications";
export * from "./expiry";
export * from "./programmes";
export * from "./reimbursement";
export * from "./related-parties";
export * from "./revocation";
export * from "./spot-checks";
export * from "./voucher-part";
export * from "./wallet";
export { chinaDate, endOfChinaDay, lastValidDay } from "./validation";
