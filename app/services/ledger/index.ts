// The double-entry ledger: chart of accounts, posting, reversal, the market's money flows and the invariant check.
export * from "./accounts";
export * from "./check";
export * from "./errors";
export * from "./flows";
export * from "./money";
export * from "./post";
