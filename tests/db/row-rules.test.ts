import { sql } from "kysely";
import { expect, it } from "vitest";
import { violatedConstraint } from "../../app/services/checkout/errors";
import { describeEachEngine } from "../helpers/db";

// The checkout tables' rules run in their BEFORE triggers (db/migrations/0008). A broken rule must fail as its CHECK
// did, with SQLSTATE 23514 and the constraint's name, and write nothing.

async function refusal(work: Promise<unknown>): Promise<{ code: string; constraint: string } | null> {
  try {
    await work;
  } catch (error) {
    return violatedConstraint(error);
  }
  throw new Error("the statement was accepted");
}

const CONTRACT = {
  contract_no: "RULES-1",
  signed_on: "2026-03-02",
  type: "license",
  field: "biomedicine",
  seller: "洛阳理工学院",
  seller_type: "university",
  buyer: "洛阳轴承有限公司",
  buyer_region: "涧西区",
  amount_fen: 1_000_000,
  technical_income_fen: 900_000,
  source: "manual",
};

describeEachEngine("row rules in triggers", (db) => {
  const count = async (table: "contracts" | "ledger_transactions" | "ledger_entries" | "order_events" | "orders") =>
    Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db())).rows[0].n);

  it("refuses a contract that breaks a rule, under the rule's name, and writes nothing", async () => {
    const before = await count("contracts");
    const insert = (change: Record<string, unknown>) => db().insertInto("contracts").values({ ...CONTRACT, ...change } as never).execute();
    expect(await refusal(insert({ field: "alchemy" }))).toEqual({ code: "23514", constraint: "contracts_field_check" });
    expect(await refusal(insert({ technical_income_fen: 1_000_001 }))).toEqual({ code: "23514", constraint: "contracts_check" });
    expect(await refusal(insert({ contract_no: " RULES-1" }))).toEqual({ code: "23514", constraint: "contracts_contract_no_check" });
    expect(await refusal(insert({ source: "platform" }))).toEqual({ code: "23514", constraint: "contracts_check3" });
    expect(await refusal(insert({ buyer: "  " }))).toEqual({ code: "23514", constraint: "contracts_buyer_check" });
    expect(await count("contracts")).toBe(before);
    expect(
      Number((await sql<{ n: string }>`select coalesce(sum(contracts), 0) as n from contract_stats_daily`.execute(db())).rows[0].n),
    ).toBe(before);

    const { id } = await db().insertInto("contracts").values(CONTRACT as never).returning("id").executeTakeFirstOrThrow();
    // Voiding is the one change allowed, and it must keep the rules: a void needs its reason and time.
    const voidWithout = db().updateTable("contracts").set({ status: "voided", voided_at: new Date() }).where("id", "=", id).execute();
    expect(await refusal(voidWithout)).toEqual({ code: "23514", constraint: "contracts_check1" });
    const row = await db().selectFrom("contracts").select("status").where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.status).toBe("registered");
  });

  it("refuses ledger rows and order events that break a rule, under the rule's name", async () => {
    const [transactions, entries, events] = [await count("ledger_transactions"), await count("ledger_entries"), await count("order_events")];
    const transaction = (kind: string, key: string) =>
      sql`insert into ledger_transactions (kind, idempotency_key) values (${kind}, ${key})`.execute(db());
    expect(await refusal(transaction("gift", "rules:1"))).toEqual({ code: "23514", constraint: "ledger_transactions_kind_check" });
    expect(await refusal(transaction("reversal", "rules:2"))).toEqual({ code: "23514", constraint: "ledger_transactions_reversal_kind" });
    expect(await refusal(transaction("card_payment", ""))).toEqual({ code: "23514", constraint: "ledger_transactions_idempotency_key_check" });
    const entry = sql`insert into ledger_entries (transaction_id, account_id, amount) values (1, 1, 0)`.execute(db());
    expect(await refusal(entry)).toEqual({ code: "23514", constraint: "ledger_entries_amount_non_zero" });
    const event = sql`insert into order_events (order_id, kind) values (1, 'teleported')`.execute(db());
    expect(await refusal(event)).toEqual({ code: "23514", constraint: "order_events_kind_check" });
    expect([await count("ledger_transactions"), await count("ledger_entries"), await count("order_events")]).toEqual([transactions, entries, events]);
  });

  it("refuses an order whose state breaks a rule before its references are even looked at", async () => {
    const before = await count("orders");
    const order = (status: string, paymentRef: string | null = null) =>
      sql`insert into orders (result_id, mode, exclusive, buyer_organisation_id, buyer_user_id, seller_organisation_id,
            price_fen, voucher_part_fen, cash_due_fen, payment_method, status, expires_at, payment_ref)
          values (1, 'nonexclusive_license', false, 1, 1, 2, 100, 0, 100, 'card', ${status}, now(), ${paymentRef})`.execute(db());
    expect(await refusal(order("completed"))).toEqual({ code: "23514", constraint: "orders_check5" });
    expect(await refusal(order("lost"))).toEqual({ code: "23514", constraint: "orders_status_check" });
    expect(await refusal(order("pending", ""))).toEqual({ code: "23514", constraint: "orders_payment_ref_check" });
    expect(await count("orders")).toBe(before);
  });
});
