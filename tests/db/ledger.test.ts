import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import {
  ensureAccount,
  findTransaction,
  IdempotencyConflictError,
  InsufficientFundsError,
  ledgerCheck,
  LedgerError,
  LedgerInputError,
  postTransaction,
  reverseTransaction,
  type PostTransactionInput,
} from "../../app/services/ledger";
import { describeEachEngine } from "../helpers/db";
import { createParty, withoutTriggers } from "./ledger-fixtures";

// The database's own guarantees, exercised both through the service and with raw SQL that bypasses it.

async function count(db: Database, table: "ledger_transactions" | "ledger_entries"): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function balance(db: Database, id: number): Promise<number> {
  return (await db.selectFrom("ledger_accounts").select("balance").where("id", "=", id).executeTakeFirstOrThrow()).balance;
}

/** Inserts a transaction and entries with raw SQL in one database transaction, as a buggy caller or psql could. */
async function rawPost(db: Database, key: string, amounts: [number, number][], reverses: number | null = null) {
  await db.transaction().execute(async (trx) => {
    const kind = reverses === null ? "card_payment" : "reversal";
    const { rows } = await sql<{ id: number }>`
      insert into ledger_transactions (kind, idempotency_key, reverses_transaction_id)
      values (${kind}, ${key}, ${reverses}) returning id`.execute(trx);
    for (const [account, amount] of amounts) {
      await sql`insert into ledger_entries (transaction_id, account_id, amount) values (${rows[0].id}, ${account}, ${amount})`.execute(trx);
    }
  });
}

describeEachEngine("ledger invariants", (db) => {
  // stripe: debit-normal and may go negative; fee: credit-normal, must not go negative; payable likewise.
  let stripe: number;
  let bank: number;
  let fee: number;
  let payable: number;

  beforeAll(async () => {
    const institution = await createParty(db(), "institution");
    stripe = await ensureAccount(db(), { kind: "platform" }, "stripe_clearing");
    bank = await ensureAccount(db(), { kind: "platform" }, "bank_clearing");
    fee = await ensureAccount(db(), { kind: "platform" }, "platform_fee_revenue");
    payable = await ensureAccount(db(), { kind: "organisation", organisationId: institution.organisationId }, "institution_payable");
  });

  const payment = (key: string, amount: number): PostTransactionInput => ({
    kind: "card_payment",
    idempotencyKey: key,
    entries: [
      { accountId: stripe, amountFen: amount },
      { accountId: fee, amountFen: -amount / 100 },
      { accountId: payable, amountFen: -amount + amount / 100 },
    ],
    links: { orderId: 42 },
  });

  it("ensureAccount is idempotent and follows the chart", async () => {
    expect(await ensureAccount(db(), { kind: "platform" }, "stripe_clearing")).toBe(stripe);
    const row = await db().selectFrom("ledger_accounts").selectAll().where("id", "=", fee).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ code: "platform:platform_fee_revenue", normal_side: "credit", may_go_negative: false, currency: "CNY" });
    await expect(ensureAccount(db(), { kind: "platform" }, "voucher_available")).rejects.toThrow(LedgerInputError);
  });

  it("posts a balanced transaction and moves balances in each account's normal-side terms", async () => {
    const posted = await postTransaction(db(), payment("t:basic", 10_000));
    expect(posted.replayed).toBe(false);
    expect(await balance(db(), stripe)).toBe(10_000);
    expect(await balance(db(), fee)).toBe(100);
    expect(await balance(db(), payable)).toBe(9_900);
    expect(posted.entries.find((e) => e.accountId === payable)?.balanceAfterFen).toBe(9_900);
  });

  it("refuses an unbalanced transaction at commit, keeping nothing of it", async () => {
    const before = [await count(db(), "ledger_transactions"), await count(db(), "ledger_entries"), await balance(db(), stripe)];
    await expect(
      rawPost(db(), "raw:unbalanced", [
        [stripe, 500],
        [payable, -499],
      ]),
    ).rejects.toThrow(/does not balance/);
    await expect(rawPost(db(), "raw:one-leg", [[stripe, 500]])).rejects.toThrow(/at least two/);
    await expect(rawPost(db(), "raw:no-legs", [])).rejects.toThrow(/at least two/);
    expect([await count(db(), "ledger_transactions"), await count(db(), "ledger_entries"), await balance(db(), stripe)]).toEqual(before);
  });

  it("refuses a zero amount in the database", async () => {
    await expect(
      rawPost(db(), "raw:zero", [
        [stripe, 0],
        [payable, 0],
      ]),
    ).rejects.toThrow(/ledger_entries_amount_non_zero/);
  });

  it("refuses UPDATE, DELETE and TRUNCATE on entries and transactions", async () => {
    await expect(sql`update ledger_entries set amount = amount + 1`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from ledger_entries`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`truncate ledger_entries`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`update ledger_transactions set order_id = 7`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from ledger_transactions`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`truncate ledger_transactions cascade`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from ledger_accounts where id = ${bank}`.execute(db())).rejects.toThrow(/append-only/);
    expect(await count(db(), "ledger_entries")).toBeGreaterThan(0);
  });

  it("refuses to move a balance or change an account except by posting", async () => {
    await expect(sql`update ledger_accounts set balance = 1000000 where id = ${fee}`.execute(db())).rejects.toThrow(/only by posting/);
    await expect(sql`update ledger_accounts set may_go_negative = true where id = ${fee}`.execute(db())).rejects.toThrow(
      /cannot be changed/,
    );
    await expect(
      sql`insert into ledger_accounts (code, purpose, normal_side, may_go_negative) values ('platform:x', 'platform_fee_revenue', 'credit', true)`.execute(
        db(),
      ),
    ).rejects.toThrow(/ledger_accounts_chart/);
  });

  it("refuses entries added to a transaction after it was committed", async () => {
    const posted = await postTransaction(db(), payment("t:closed", 2_000));
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await sql`insert into ledger_entries (transaction_id, account_id, amount) values (${posted.id}, ${stripe}, 5), (${posted.id}, ${bank}, -5)`.execute(
            trx,
          );
        }),
    ).rejects.toThrow(/is closed/);
  });

  it("refuses an overdraft of a non-negative account, in the database and through the service", async () => {
    const feeBefore = await balance(db(), fee);
    // Raw: take more out of the fee account than it holds.
    await expect(
      rawPost(db(), "raw:overdraft", [
        [fee, feeBefore + 1],
        [bank, -(feeBefore + 1)],
      ]),
    ).rejects.toThrow(/ledger_accounts_non_negative/);
    const error = await postTransaction(db(), {
      kind: "institution_payout",
      idempotencyKey: "t:overdraft",
      entries: [
        { accountId: payable, amountFen: 1_000_000_000 },
        { accountId: bank, amountFen: -1_000_000_000 },
      ],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientFundsError);
    expect((error as InsufficientFundsError).accountId).toBe(payable);
    expect(await balance(db(), fee)).toBe(feeBefore);
    expect(
      await db().selectFrom("ledger_transactions").select("id").where("idempotency_key", "=", "t:overdraft").executeTakeFirst(),
    ).toBeUndefined();
    // A may-go-negative account can go below zero.
    await postTransaction(db(), {
      kind: "bank_transfer",
      idempotencyKey: "t:bank-negative",
      entries: [
        { accountId: payable, amountFen: 100 },
        { accountId: bank, amountFen: -100 },
      ],
    });
    expect(await balance(db(), bank)).toBeLessThan(0);
  });

  it("is idempotent by key: same content replays, different content is refused", async () => {
    const first = await postTransaction(db(), payment("t:idem", 5_000));
    const stripeAfter = await balance(db(), stripe);
    const again = await postTransaction(db(), payment("t:idem", 5_000));
    expect(again.replayed).toBe(true);
    expect(again.id).toBe(first.id);
    expect(again.entries).toEqual(first.entries);
    expect(await balance(db(), stripe)).toBe(stripeAfter);
    const conflict = await postTransaction(db(), payment("t:idem", 6_000)).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(IdempotencyConflictError);
    expect((conflict as IdempotencyConflictError).differences).toEqual(["entries"]);
    await expect(postTransaction(db(), { ...payment("t:idem", 5_000), links: { orderId: 43 } })).rejects.toThrow(/links.orderId/);
    await expect(postTransaction(db(), { ...payment("t:idem", 5_000), kind: "bank_transfer" })).rejects.toThrow(/kind/);
    expect(await balance(db(), stripe)).toBe(stripeAfter);
  });

  it("rejects bad input naming the field, writing nothing", async () => {
    const before = await count(db(), "ledger_transactions");
    const cases: [PostTransactionInput, RegExp][] = [
      [
        {
          ...payment("t:bad1", 1_000),
          entries: [
            { accountId: stripe, amountFen: 0.5 },
            { accountId: bank, amountFen: -0.5 },
          ],
        },
        /entries\[0\]\.amountFen/,
      ],
      [
        {
          ...payment("t:bad2", 1_000),
          entries: [
            { accountId: stripe, amountFen: 0 },
            { accountId: bank, amountFen: 0 },
          ],
        },
        /entries\[0\]\.amountFen/,
      ],
      [
        {
          ...payment("t:bad3", 1_000),
          entries: [
            { accountId: stripe, amountFen: 100 },
            { accountId: bank, amountFen: -99 },
          ],
        },
        /sum to zero/,
      ],
      [
        {
          ...payment("t:bad4", 1_000),
          entries: [
            { accountId: stripe, amountFen: 100 },
            { accountId: stripe, amountFen: -100 },
          ],
        },
        /appears twice/,
      ],
      [{ ...payment("t:bad5", 1_000), entries: [{ accountId: stripe, amountFen: 100 }] }, /at least two/],
      [{ ...payment("", 1_000) }, /idempotencyKey/],
      [{ ...payment("t:bad7", 1_000), kind: "reversal" }, /kind/],
      [{ ...payment("t:bad8", 1_000), links: { orderId: -1 } }, /links.orderId/],
      [
        {
          ...payment("t:bad9", 1_000),
          entries: [
            { accountId: stripe, amountFen: 2 ** 53 },
            { accountId: bank, amountFen: -(2 ** 53) },
          ],
        },
        /amountFen/,
      ],
    ];
    for (const [input, message] of cases) {
      const error = await postTransaction(db(), input).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(LedgerInputError);
      expect((error as Error).message).toMatch(message);
    }
    expect(await count(db(), "ledger_transactions")).toBe(before);
  });

  describe("reversal", () => {
    it("posts the negation once; a second reversal is refused, a retry with the same key replays", async () => {
      const original = await postTransaction(db(), payment("t:to-reverse", 3_000));
      const stripeBefore = await balance(db(), stripe);
      const reversal = await reverseTransaction(db(), { transactionId: original.id, memo: "refund" });
      expect(reversal.kind).toBe("reversal");
      expect(reversal.reversesTransactionId).toBe(original.id);
      expect(reversal.links.orderId).toBe(42);
      expect(reversal.entries.map((e) => [e.accountId, e.amountFen])).toEqual(original.entries.map((e) => [e.accountId, -e.amountFen]));
      expect(await balance(db(), stripe)).toBe(stripeBefore - 3_000);

      const replay = await reverseTransaction(db(), { transactionId: original.id });
      expect(replay.replayed).toBe(true);
      expect(replay.id).toBe(reversal.id);
      const twice = await reverseTransaction(db(), { transactionId: original.id, idempotencyKey: "another-key" }).catch((e: unknown) => e);
      expect((twice as LedgerError).code).toBe("already_reversed");
      await expect(reverseTransaction(db(), { transactionId: reversal.id })).rejects.toThrow(/not corrected by reversal/);
      expect(await balance(db(), stripe)).toBe(stripeBefore - 3_000);
    });

    it("is enforced by the database: once only, exact negation, never of a reversal", async () => {
      const original = await postTransaction(db(), payment("t:raw-reverse", 4_000));
      // Not the exact negation.
      await expect(
        rawPost(
          db(),
          "raw:rev-partial",
          [
            [stripe, -3_000],
            [payable, 3_000],
          ],
          original.id,
        ),
      ).rejects.toThrow(/exact negation/);
      await rawPost(
        db(),
        "raw:rev-ok",
        original.entries.map((e) => [e.accountId, -e.amountFen]),
        original.id,
      );
      await expect(
        rawPost(
          db(),
          "raw:rev-again",
          original.entries.map((e) => [e.accountId, -e.amountFen]),
          original.id,
        ),
      ).rejects.toThrow(/ledger_transactions_reversed_once/);
      const reversal = await db()
        .selectFrom("ledger_transactions")
        .select("id")
        .where("idempotency_key", "=", "raw:rev-ok")
        .executeTakeFirstOrThrow();
      const reversalEntries = (await findTransaction(db(), reversal.id))!.entries;
      await expect(
        rawPost(
          db(),
          "raw:rev-of-rev",
          reversalEntries.map((e) => [e.accountId, -e.amountFen]),
          reversal.id,
        ),
      ).rejects.toThrow(/cannot itself be reversed/);
    });
  });

  describe("ledgerCheck", () => {
    it("passes on the ledger the tests above built", async () => {
      const report = await ledgerCheck(db());
      expect(report.violations).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.counts.transactions).toBeGreaterThan(5);
      expect(report.totals.find((t) => t.purpose === "platform_fee_revenue")?.balanceFen).toBe(await balance(db(), fee));
    });

    it("finds corruption planted with the triggers switched off", async () => {
      // (The non-negative CHECK is a constraint, not a trigger, so even this cannot plant an overdraft.)
      await withoutTriggers(db(), [
        sql`update ledger_accounts set balance = balance + 1 where id = ${payable}`,
        sql`insert into ledger_transactions (kind, idempotency_key) values ('card_payment', 'planted')`,
        sql`insert into ledger_entries (transaction_id, account_id, amount, balance_after, account_version)
            select id, ${bank}, 7, 0, 999 from ledger_transactions where idempotency_key = 'planted'`,
      ]);
      const report = await ledgerCheck(db());
      expect(report.ok).toBe(false);
      const failed = report.checks.filter((c) => c.violations > 0).map((c) => c.name);
      expect(failed).toEqual(["transactions_balance", "balances_match_entries", "running_balances"]);
      expect(report.violations.some((v) => v.message.includes("planted"))).toBe(true);
    });
  });
});
