import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { ensureAccount, ledgerCheck, postTransaction } from "../../app/services/ledger";
import { approveApplication, applyForVoucher } from "../../app/services/vouchers";
import { createTestDatabase, testEngines, type TestDatabase } from "../helpers/db";
import { balanceByCode, createParties, createParty, createTestProgramme, NOW, type Parties } from "./ledger-fixtures";

// Races on a PostgreSQL server with real parallel connections (PGlite is a single connection, so it cannot race).
// Checkouts racing for one voucher or one exclusive result are in checkout-race.test.ts.

const onServer = testEngines.includes("postgres");

describe.skipIf(!onServer)("ledger under concurrency [postgres]", () => {
  let handle: TestDatabase;
  let db: Database;
  let p: Parties;

  beforeAll(async () => {
    handle = await createTestDatabase("postgres", { maxConnections: 60 });
    db = handle.db;
    p = await createParties(db);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("concurrent approvals never issue beyond the budget", async () => {
    // Budget for exactly five vouchers; twelve enterprises are approved at once.
    const small = await createTestProgramme(db, p.bureau, { totalBudget: "50000", voucherAmount: "10000", yearlyCap: "10000" });
    const applications: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const enterprise = await createParty(db, "enterprise");
      const applied = await applyForVoucher(db, enterprise, {
        programmeId: String(small),
        purpose: "检测服务",
        contactName: "李工",
        contactPhone: "13800000000",
      });
      if (!applied.ok) throw new Error("application refused");
      applications.push(applied.applicationId);
    }
    const results = await Promise.all(applications.map((id) => approveApplication(db, p.bureau, id, NOW)));
    const issued = results.flatMap((r) => (r.ok ? [r.voucher.serial] : []));
    expect(issued).toHaveLength(5);
    expect(new Set(issued).size).toBe(5);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.formError?.key === "vouchers.error.budgetExhausted")).toBe(true);
    expect(await balanceByCode(db, `programme:${small}:programme_budget`)).toBe(0);
    const pending = await db
      .selectFrom("voucher_applications")
      .select("id")
      .where("programme_id", "=", small)
      .where("status", "=", "pending")
      .execute();
    expect(pending).toHaveLength(7);
    expect((await ledgerCheck(db)).violations).toEqual([]);
  });

  it("concurrent retries of one idempotency key post exactly once", async () => {
    const stripe = await ensureAccount(db, { kind: "platform" }, "stripe_clearing");
    const bank = await ensureAccount(db, { kind: "platform" }, "bank_clearing");
    const before = await balanceByCode(db, "platform:stripe_clearing");
    const input = {
      kind: "card_payment" as const,
      idempotencyKey: "race:same-key",
      entries: [
        { accountId: stripe, amountFen: 777 },
        { accountId: bank, amountFen: -777 },
      ],
    };
    const results = await Promise.all(Array.from({ length: 30 }, () => postTransaction(db, input)));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await balanceByCode(db, "platform:stripe_clearing")).toBe(before + 777);
  });

  it("transfers crossing between the same accounts in both directions do not deadlock", async () => {
    const a = await ensureAccount(db, { kind: "platform" }, "stripe_clearing");
    const b = await ensureAccount(db, { kind: "platform" }, "bank_clearing");
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        postTransaction(db, {
          kind: "card_payment",
          idempotencyKey: `cross:${i}`,
          // Listed in opposite orders on purpose; posting sorts them so locks are always taken a-then-b.
          entries:
            i % 2 === 0
              ? [
                  { accountId: a, amountFen: 10 },
                  { accountId: b, amountFen: -10 },
                ]
              : [
                  { accountId: b, amountFen: 10 },
                  { accountId: a, amountFen: -10 },
                ],
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect((await ledgerCheck(db)).violations).toEqual([]);
  });
});
