// The checkout (issue 4): buy now and inquiry → quote → order, voucher part and holds, reservation of exclusive
// results, payment confirmation (Stripe webhook, operator's bank confirmation), completion into a technology contract,
// cancel, expiry and refund. Money moves only through app/services/ledger.
export * from "./errors";
export * from "./inquiries";
export * from "./offer";
export * from "./payments";
export * from "./queries";
export * from "./rules";
export * from "./start";
export * from "./bank";
export * from "./invoices";
