import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** Typed view of the tables created by db/migrations. int8 columns read as number (see db/client.ts). */

type Id = Generated<number>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
// Pass objects, never JSON text: postgres.js serialises the value itself, so a string would be stored as a JSON string.
type JsonObject = ColumnType<Record<string, unknown>, Record<string, unknown> | undefined, Record<string, unknown>>;

export const FIELD_CODES = [
  "electronic_information",
  "biomedicine",
  "aerospace",
  "new_materials",
  "hightech_services",
  "new_energy",
  "resources_environment",
  "advanced_manufacturing",
  "modern_agriculture",
  "urban_social",
] as const;
export type FieldCode = (typeof FIELD_CODES)[number];

export const ORGANISATION_KINDS = ["enterprise", "institution", "bureau", "operator"] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];
export type InstitutionType = "university" | "institute";

export const RESULT_STATUSES = ["draft", "pending_review", "listed", "reserved", "transferred", "withdrawn", "rejected"] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export const IP_TYPES = [
  "invention_patent",
  "utility_model",
  "design_patent",
  "software_copyright",
  "ic_layout",
  "plant_variety",
  "trade_secret",
] as const;
export type IpType = (typeof IP_TYPES)[number];

export const TRANSFER_MODES = [
  "assignment",
  "exclusive_license",
  "sole_license",
  "nonexclusive_license",
  "equity",
  "development",
  "service",
] as const;
export type TransferMode = (typeof TRANSFER_MODES)[number];

export interface OrganisationsTable {
  id: Id;
  kind: OrganisationKind;
  institution_type: InstitutionType | null;
  name: string;
  name_en: string | null;
  credit_code: string | null;
  region: string | null;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Id;
  organisation_id: number;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: CreatedAt;
  /** set on an organisation's first user by the database; see db/migrations/0015_organisation_members.ts */
  is_org_admin: Generated<boolean>;
  /** a first password someone else chose: the user sets their own before anything else */
  must_change_password: Generated<boolean>;
  disabled_at: Date | null;
  password_changed_at: Date | null;
  last_login_at: Date | null;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: CreatedAt;
  expires_at: Timestamp;
  user_agent: string | null;
}

export interface LoginAttemptsTable {
  id: Id;
  email: string;
  ip: string;
  succeeded: boolean;
  attempted_at: CreatedAt;
}

export interface AuditLogTable {
  id: Id;
  actor_user_id: number | null;
  action: string;
  subject_type: string;
  subject_id: string;
  detail: JsonObject;
  created_at: CreatedAt;
}

export interface TechnologyResultsTable {
  id: Id;
  institution_id: number;
  title: string;
  title_en: string | null;
  summary: string;
  description: Generated<string>;
  field: FieldCode;
  keywords: Generated<string[]>;
  trl: number;
  region: string | null;
  state_funded: Generated<boolean>;
  voucher_eligible: Generated<boolean>;
  inventors: Generated<string[]>;
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  status: Generated<ResultStatus>;
  rejection_reason: string | null;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  submitted_at: Timestamp | null;
  listed_at: Timestamp | null;
  confirmed_at: Timestamp | null;
  transferred_at: Timestamp | null;
}

export interface ResultIpItemsTable {
  id: Id;
  result_id: number;
  type: IpType;
  number: string | null;
  status: string;
}

export interface ResultModesTable {
  result_id: number;
  mode: TransferMode;
  /** null: negotiable (面议) */
  price_fen: number | null;
}

export interface DB {
  organisations: OrganisationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  audit_log: AuditLogTable;
  technology_results: TechnologyResultsTable;
  result_ip_items: ResultIpItemsTable;
  result_modes: ResultModesTable;
  search_outbox: SearchOutboxTable;
  search_reindex_locks: SearchReindexLocksTable;
  search_indexes: SearchIndexesTable;
  search_documents: SearchDocumentsTable;
  contracts: ContractsTable;
  contract_stats_daily: ContractStatsDailyTable;
  contract_stats_monthly: ContractStatsMonthlyTable;
  contract_seller_monthly: ContractSellerMonthlyTable;
  voucher_programmes: VoucherProgrammesTable;
  voucher_applications: VoucherApplicationsTable;
  voucher_serial_counters: VoucherSerialCountersTable;
  vouchers: VouchersTable;
  reimbursement_batches: ReimbursementBatchesTable;
  reimbursement_batch_lines: ReimbursementBatchLinesTable;
  institution_payouts: InstitutionPayoutsTable;
  related_parties: RelatedPartiesTable;
  spot_checks: SpotChecksTable;
  spot_check_items: SpotCheckItemsTable;
  voucher_disallowances: VoucherDisallowancesTable;
  programme_top_ups: ProgrammeTopUpsTable;
  order_invoices: OrderInvoicesTable;
  contract_price_references: ContractPriceReferencesView;
  payee_accounts: PayeeAccountsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  inquiries: InquiriesTable;
  quotes: QuotesTable;
  orders: OrdersTable;
  result_reservations: ResultReservationsTable;
  order_events: OrderEventsTable;
}

export type Organisation = Selectable<OrganisationsTable>;
export type NewOrganisation = Insertable<OrganisationsTable>;
export type User = Selectable<UsersTable>;
export type TechnologyResult = Selectable<TechnologyResultsTable>;
export type NewTechnologyResult = Insertable<TechnologyResultsTable>;
export type TechnologyResultUpdate = Updateable<TechnologyResultsTable>;

// ---- Contract registry and turnover rollups (db/migrations/0003_contracts.ts) ----

export const CONTRACT_TYPES = ["development", "transfer", "license", "consulting", "service"] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

export const SELLER_TYPES = ["university", "institute", "enterprise", "other"] as const;
export type SellerType = (typeof SELLER_TYPES)[number];

export const CONTRACT_SOURCES = ["platform", "manual", "import"] as const;
export type ContractSource = (typeof CONTRACT_SOURCES)[number];

export type ContractStatus = "registered" | "voided";

export interface ContractsTable {
  id: Id;
  contract_no: string;
  /** Assigned by a trigger at registration: year + 410300 + sequence. */
  certificate_no: ColumnType<string, string | undefined, never>;
  /** 'YYYY-MM-DD' */
  signed_on: string;
  type: ContractType;
  field: FieldCode;
  seller: string;
  seller_type: SellerType;
  seller_organisation_id: number | null;
  buyer: string;
  buyer_organisation_id: number | null;
  buyer_region: string;
  amount_fen: number;
  technical_income_fen: number;
  source: ContractSource;
  /** The platform order (orders arrive in 0004); null for manual and imported contracts. */
  order_id: number | null;
  status: Generated<ContractStatus>;
  void_reason: string | null;
  voided_by: number | null;
  voided_at: Timestamp | null;
  registered_by: number | null;
  registered_at: CreatedAt;
}

/** Rollups are written only by the contracts triggers; read them, never insert. */
interface ContractStatsKeys {
  type: ContractType;
  field: FieldCode;
  seller_type: SellerType;
  buyer_region: string;
  contracts: number;
  amount_fen: number;
  technical_income_fen: number;
}
export interface ContractStatsDailyTable extends ContractStatsKeys {
  day: string;
}
export interface ContractStatsMonthlyTable extends ContractStatsKeys {
  /** first day of the month, 'YYYY-MM-01' */
  month: string;
}
export interface ContractSellerMonthlyTable {
  month: string;
  seller: string;
  seller_type: SellerType;
  contracts: number;
  amount_fen: number;
  technical_income_fen: number;
}

export type Contract = Selectable<ContractsTable>;
export type NewContract = Insertable<ContractsTable>;

// ---- Innovation vouchers, reimbursement and the double-entry ledger (db/migrations/0004_ledger.ts) ----

export type VoucherProgrammeStatus = "open" | "closed";
export type VoucherApplicationStatus = "pending" | "approved" | "rejected" | "withdrawn";
export type VoucherStatus = "active" | "expired" | "revoked";
export type ReimbursementBatchStatus = "pending" | "paid";

export interface VoucherProgrammesTable {
  id: Id;
  bureau_id: number;
  name: string;
  year: number;
  total_budget_fen: number;
  /** share of a qualifying purchase a voucher may pay, in basis points (5000 = 50%) */
  coverage_bps: number;
  /** most an enterprise may pay by this programme's vouchers (held + redeemed) */
  yearly_cap_fen: number;
  voucher_amount_fen: number;
  /** 'YYYY-MM-DD' */
  valid_from: string;
  /** 'YYYY-MM-DD', the last day a voucher of this programme can be used */
  valid_to: string;
  qualifying_modes: TransferMode[];
  status: Generated<VoucherProgrammeStatus>;
  created_by: number | null;
  created_at: CreatedAt;
}

export interface VoucherApplicationsTable {
  id: Id;
  programme_id: number;
  enterprise_id: number;
  applicant_id: number;
  purpose: string;
  contact_name: string;
  contact_phone: string;
  status: Generated<VoucherApplicationStatus>;
  decided_by: number | null;
  decided_at: Timestamp | null;
  decision_note: string | null;
  created_at: CreatedAt;
}

export interface VoucherSerialCountersTable {
  year: number;
  last_value: number;
}

export interface VouchersTable {
  id: Id;
  serial: string;
  programme_id: number;
  enterprise_id: number;
  application_id: number;
  amount_fen: number;
  issued_at: CreatedAt;
  expires_at: Timestamp;
  status: Generated<VoucherStatus>;
  expired_at: Timestamp | null;
  /** set together when the bureau revokes the voucher (db/migrations/0012_voucher_revocation.ts) */
  revoked_at: Timestamp | null;
  revoked_by: number | null;
  revocation_reason: string | null;
}

export interface ReimbursementBatchesTable {
  id: Id;
  programme_id: number;
  status: Generated<ReimbursementBatchStatus>;
  total_fen: number;
  created_by: number | null;
  created_at: CreatedAt;
  paid_by: number | null;
  paid_at: Timestamp | null;
  payment_reference: string | null;
}

export interface ReimbursementBatchLinesTable {
  batch_id: number;
  institution_id: number;
  amount_fen: number;
}

/** 机构结算 (db/migrations/0009_institution_payouts.ts): money the operator sent an institution; never changed. */
export interface InstitutionPayoutsTable {
  id: Id;
  institution_id: number;
  amount_fen: number;
  bank_reference: string;
  note: string | null;
  paid_by: number;
  paid_at: CreatedAt;
}

/** How a pair is related; "none": the bureau looked into a suspected pair and found it unrelated. */
export const RELATIONS = ["spin_off", "shareholding", "shared_personnel", "other", "none"] as const;
export type Relation = (typeof RELATIONS)[number];

/** 关联关系 (db/migrations/0013_related_parties.ts): vouchers never pay between these two (unless relation is "none"). */
export interface RelatedPartiesTable {
  id: Id;
  enterprise_id: number;
  institution_id: number;
  relation: Relation;
  note: string | null;
  recorded_by: number;
  recorded_at: CreatedAt;
}

/** 抽查 (db/migrations/0014_spot_checks.ts): a recorded random draw of a programme's voucher purchases. */
export interface SpotChecksTable {
  id: Id;
  programme_id: number;
  period_from: string;
  period_to: string;
  sample_size: number;
  population: number;
  seed: string;
  drawn_by: number;
  drawn_at: CreatedAt;
}

export type SpotCheckOutcome = "pending" | "compliant" | "irregular";

export interface SpotCheckItemsTable {
  spot_check_id: number;
  order_id: number;
  drawn_because: "random" | "suspected";
  outcome: Generated<SpotCheckOutcome>;
  finding: string | null;
  reviewed_by: number | null;
  reviewed_at: Timestamp | null;
}

/** 收款账户: where an institution is paid (migration 0019). */
export interface PayeeAccountsTable {
  organisation_id: number;
  account_name: string;
  bank_name: string;
  account_number: string;
  updated_by: number;
  updated_at: Timestamp;
}

/** 成交参考价: a materialized view over the last year's registered contracts, per field and type (migration 0018). */
export interface ContractPriceReferencesView {
  field: string;
  type: ContractType;
  contracts: number;
  p25_fen: number;
  median_fen: number;
  p75_fen: number;
  first_signed_on: string;
  last_signed_on: string;
  computed_at: Date;
}

/** 核减: the voucher part of a purchase found irregular, disallowed before reimbursement (migration 0017). */
export interface VoucherDisallowancesTable {
  order_id: number;
  spot_check_id: number;
  amount_fen: number;
  reason: string;
  decided_by: number;
  decided_at: CreatedAt;
}

export interface OrderInvoicesTable {
  order_id: number;
  title: string;
  tax_id: string;
  email: string | null;
  requested_by: number;
  requested_at: CreatedAt;
  invoice_no: string | null;
  issued_on: string | null;
  issued_by: number | null;
  issued_at: Date | null;
}

export interface ProgrammeTopUpsTable {
  id: Id;
  programme_id: number;
  amount_fen: number;
  reason: string;
  added_by: number;
  added_at: CreatedAt;
}

export const LEDGER_ACCOUNT_PURPOSES = [
  "programme_fund",
  "programme_budget",
  "voucher_available",
  "voucher_held",
  "voucher_reimbursable",
  "reimbursement_in_payment",
  "institution_payable",
  "platform_fee_revenue",
  "stripe_clearing",
  "bank_clearing",
] as const;
export type LedgerAccountPurpose = (typeof LEDGER_ACCOUNT_PURPOSES)[number];

export const LEDGER_TRANSACTION_KINDS = [
  "programme_funding",
  "voucher_issue",
  "voucher_hold",
  "voucher_release",
  "voucher_post",
  "voucher_expiry",
  "voucher_revocation",
  "voucher_disallowance",
  "card_payment",
  "bank_transfer",
  "institution_payout",
  "reimbursement_batch",
  "reimbursement_paid",
  "reversal",
] as const;
export type LedgerTransactionKind = (typeof LEDGER_TRANSACTION_KINDS)[number];

export type NormalSide = "debit" | "credit";

/** balance and version are written only by the entry trigger; insert without them. */
export interface LedgerAccountsTable {
  id: Id;
  code: string;
  purpose: LedgerAccountPurpose;
  owner_organisation_id: number | null;
  programme_id: number | null;
  voucher_id: number | null;
  currency: Generated<string>;
  normal_side: NormalSide;
  may_go_negative: boolean;
  balance: ColumnType<number, never, never>;
  version: ColumnType<number, never, never>;
  created_at: CreatedAt;
}

/** Append-only: the database refuses UPDATE, DELETE and TRUNCATE. */
export interface LedgerTransactionsTable {
  id: Id;
  kind: LedgerTransactionKind;
  idempotency_key: string;
  reverses_transaction_id: ColumnType<number | null, number | null | undefined, never>;
  order_id: ColumnType<number | null, number | null | undefined, never>;
  contract_id: ColumnType<number | null, number | null | undefined, never>;
  voucher_id: ColumnType<number | null, number | null | undefined, never>;
  programme_id: ColumnType<number | null, number | null | undefined, never>;
  reimbursement_batch_id: ColumnType<number | null, number | null | undefined, never>;
  stripe_event_id: ColumnType<string | null, string | null | undefined, never>;
  memo: ColumnType<string | null, string | null | undefined, never>;
  effective_at: ColumnType<Date, Date | string | undefined, never>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  created_txid: ColumnType<number, never, never>;
}

/** amount: signed fen, debit positive, credit negative. Append-only. */
export interface LedgerEntriesTable {
  id: Id;
  transaction_id: ColumnType<number, number, never>;
  account_id: ColumnType<number, number, never>;
  amount: ColumnType<number, number, never>;
  balance_after: ColumnType<number, never, never>;
  account_version: ColumnType<number, never, never>;
}

export type VoucherProgramme = Selectable<VoucherProgrammesTable>;
export type Voucher = Selectable<VouchersTable>;
export type VoucherApplication = Selectable<VoucherApplicationsTable>;
export type LedgerAccount = Selectable<LedgerAccountsTable>;
export type LedgerTransaction = Selectable<LedgerTransactionsTable>;
export type LedgerEntry = Selectable<LedgerEntriesTable>;

// ---- Search (db/migrations/0002_search.ts) ----

export interface SearchOutboxTable {
  result_id: number;
  version: Generated<number>;
  changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  available_at: ColumnType<Date, Date | string | undefined, Date | string>;
  attempts: Generated<number>;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
  last_error: string | null;
}

export interface SearchReindexLocksTable {
  index_uid: string;
  holder: string;
  started_at: CreatedAt;
  expires_at: Timestamp;
}

export interface SearchIndexesTable {
  uid: string;
  storage_id: number;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SearchDocumentsTable {
  storage_id: number;
  id: number;
  version: number;
  /** JSON text of the document; null marks a deletion. */
  doc: string | null;
}

// ---- Checkout: inquiries, quotes, orders, reservations (db/migrations/0005_checkout.ts) ----

/** Sold once: starting their checkout reserves the result; completing it transfers the result. */
export const EXCLUSIVE_MODES = ["assignment", "exclusive_license", "sole_license", "equity"] as const satisfies readonly TransferMode[];

export const INQUIRY_STATUSES = ["open", "quoted", "accepted", "declined", "withdrawn"] as const;
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];
export type QuoteStatus = "offered" | "superseded" | "accepted" | "withdrawn";

export const ORDER_STATUSES = ["pending", "completed", "cancelled", "expired", "failed", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** "voucher": the vouchers paid the whole price and nothing was due in cash. */
export type PaymentMethod = "card" | "bank_transfer" | "voucher";
export type OrderCloseReason = "checkout_expired" | "reservation_lapsed" | "cancelled" | "payment_failed" | "voucher_revoked";
export type ReservationState = "active" | "released" | "converted";
export type OrderEventKind = "created" | "stripe_session" | "paid" | "payment_failed" | "expired" | "cancelled" | "refunded";

export interface InquiriesTable {
  id: Id;
  result_id: number;
  mode: TransferMode;
  enterprise_id: number;
  user_id: number;
  institution_id: number;
  message: string;
  contact_name: string;
  contact_phone: string;
  status: Generated<InquiryStatus>;
  decline_reason: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface QuotesTable {
  id: Id;
  inquiry_id: number;
  price_fen: number;
  /** 'YYYY-MM-DD', the last China calendar day the buyer may accept */
  valid_until: string;
  note: string | null;
  status: Generated<QuoteStatus>;
  created_by: number | null;
  created_at: CreatedAt;
}

/** Parties, price and split are fixed at insert (a trigger refuses changes); status moves pending → final. */
export interface OrdersTable {
  id: Id;
  result_id: number;
  mode: TransferMode;
  exclusive: boolean;
  quote_id: number | null;
  buyer_organisation_id: number;
  buyer_user_id: number;
  seller_organisation_id: number;
  price_fen: number;
  voucher_part_fen: number;
  cash_due_fen: number;
  programme_id: number | null;
  payment_method: PaymentMethod;
  status: Generated<OrderStatus>;
  expires_at: Timestamp;
  stripe_checkout_session_id: string | null;
  stripe_checkout_url: string | null;
  payment_ref: string | null;
  contract_id: number | null;
  close_reason: OrderCloseReason | null;
  created_at: CreatedAt;
  paid_at: Timestamp | null;
  closed_at: Timestamp | null;
  refunded_at: Timestamp | null;
}

export interface ResultReservationsTable {
  order_id: number;
  result_id: number;
  reserved_at: CreatedAt;
  expires_at: Timestamp;
  state: Generated<ReservationState>;
  ended_at: Timestamp | null;
}

export interface OrderEventsTable {
  id: Id;
  order_id: number;
  kind: OrderEventKind;
  idempotency_key: string | null;
  amount_fen: number | null;
  external_ref: string | null;
  actor_user_id: number | null;
  note: string | null;
  created_at: CreatedAt;
}

export type Order = Selectable<OrdersTable>;
export type Inquiry = Selectable<InquiriesTable>;
export type Quote = Selectable<QuotesTable>;
