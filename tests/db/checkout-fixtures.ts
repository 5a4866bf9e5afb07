import type { Kysely } from "kysely";
import type { DB, TransferMode } from "../../db/schema";
import type { SessionUser } from "../../app/services/accounts/types";
import type { Buyer } from "../../app/services/checkout";
import { makeMember } from "../helpers/catalogue";
import { createTestProgramme, issueVoucher, listedResultOf } from "./ledger-fixtures";

// Set-up for the checkout suites: a market with a bureau, sellers, buyers, a voucher programme (50% coverage, 20 万 a
// year per enterprise, 10 万 vouchers, 2000 万 budget) and listed results, all made through the real services.

export interface Market {
  bureau: SessionUser;
  operator: SessionUser;
  seller: SessionUser;
  buyer: SessionUser;
  otherBuyer: SessionUser;
  programmeId: number;
}

export const asActor = (u: SessionUser) => ({ userId: u.id, organisationId: u.organisationId });
export const asBuyer = (u: SessionUser): Buyer => ({ userId: u.id, organisationId: u.organisationId });

export async function createMarket(db: Kysely<DB>): Promise<Market> {
  const bureau = await makeMember(db, "bureau");
  const market: Market = {
    bureau,
    operator: await makeMember(db, "operator"),
    seller: await makeMember(db, "institution", `洛阳理工大学-${Math.random().toString(36).slice(2, 7)}`),
    buyer: await makeMember(db, "enterprise"),
    otherBuyer: await makeMember(db, "enterprise"),
    programmeId: await createTestProgramme(db, asActor(bureau), {
      totalBudget: "20000000",
      qualifyingModes: ["assignment", "exclusive_license", "sole_license", "nonexclusive_license", "equity", "development", "service"],
    }),
  };
  return market;
}

export async function voucherFor(db: Kysely<DB>, market: Market, enterprise: SessionUser, programmeId = market.programmeId) {
  return issueVoucher(db, programmeId, asActor(enterprise), asActor(market.bureau));
}

/** A listed result of the seller with the given modes (price in fen, null = negotiable). */
export function listedResult(
  db: Kysely<DB>,
  market: Market,
  modes: { mode: TransferMode; price_fen: number | null }[],
  options: { stateFunded?: boolean; seller?: SessionUser } = {},
): Promise<number> {
  return listedResultOf(db, asActor(options.seller ?? market.seller), asActor(market.bureau), modes, options);
}

export async function resultStatus(db: Kysely<DB>, id: number) {
  return (await db.selectFrom("technology_results").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;
}

export async function orderRow(db: Kysely<DB>, id: number) {
  return db.selectFrom("orders").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

export async function balance(db: Kysely<DB>, code: string): Promise<number> {
  return (await db.selectFrom("ledger_accounts").select("balance").where("code", "=", code).executeTakeFirst())?.balance ?? 0;
}

/** A snapshot of everything a refused call must leave untouched. */
export async function footprint(db: Kysely<DB>) {
  const count = async (table: "orders" | "order_events" | "result_reservations" | "ledger_transactions" | "contracts" | "inquiries" | "quotes") =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  const statuses = await db.selectFrom("technology_results").select(["id", "status"]).orderBy("id").execute();
  const orders = await db.selectFrom("orders").select(["id", "status"]).orderBy("id").execute();
  return {
    orders: await count("orders"),
    events: await count("order_events"),
    reservations: await count("result_reservations"),
    ledger: await count("ledger_transactions"),
    contracts: await count("contracts"),
    inquiries: await count("inquiries"),
    quotes: await count("quotes"),
    statuses,
    orderStatuses: orders,
  };
}
