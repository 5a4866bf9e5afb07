import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";
import * as m0002 from "./0002_search";
import * as m0003 from "./0003_contracts";
import * as m0004 from "./0004_ledger";
import * as m0005 from "./0005_checkout";
import * as m0006 from "./0006_order_settlement";
import * as m0007 from "./0007_login_attempts_age";
import * as m0008 from "./0008_row_rules_in_triggers";
import * as m0009 from "./0009_institution_payouts";
import * as m0010 from "./0010_generic_plans_on_hot_path";
import * as m0011 from "./0011_voucher_balances_by_key";
import * as m0012 from "./0012_voucher_revocation";
import * as m0013 from "./0013_related_parties";
import * as m0014 from "./0014_spot_checks";
import * as m0015 from "./0015_organisation_members";
import * as m0016 from "./0016_checkout_postings_at_business_time";
import * as m0017 from "./0017_voucher_disallowances";
import * as m0018 from "./0018_price_references";
import * as m0019 from "./0019_payee_accounts";
import * as m0020 from "./0020_programme_top_ups";
import * as m0021 from "./0021_order_invoices";

/** Every migration, in order. Listed statically so the bundler, tsx and Vitest all see the same set. */
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_search": m0002,
  "0003_contracts": m0003,
  "0004_ledger": m0004,
  "0005_checkout": m0005,
  "0006_order_settlement": m0006,
  "0007_login_attempts_age": m0007,
  "0008_row_rules_in_triggers": m0008,
  "0009_institution_payouts": m0009,
  "0010_generic_plans_on_hot_path": m0010,
  "0011_voucher_balances_by_key": m0011,
  "0012_voucher_revocation": m0012,
  "0013_related_parties": m0013,
  "0014_spot_checks": m0014,
  "0015_organisation_members": m0015,
  "0016_checkout_postings_at_business_time": m0016,
  "0017_voucher_disallowances": m0017,
  "0018_price_references": m0018,
  "0019_payee_accounts": m0019,
  "0020_programme_top_ups": m0020,
  "0021_order_invoices": m0021,
};
