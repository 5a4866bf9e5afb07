import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** Typed view of the tables created by db/migrations. int8 columns read as number (see db/client.ts). */

type Id = Generated<number>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type JsonObject = ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, string>;

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
}

export type Organisation = Selectable<OrganisationsTable>;
export type NewOrganisation = Insertable<OrganisationsTable>;
export type User = Selectable<UsersTable>;
export type TechnologyResult = Selectable<TechnologyResultsTable>;
export type NewTechnologyResult = Insertable<TechnologyResultsTable>;
export type TechnologyResultUpdate = Updateable<TechnologyResultsTable>;
