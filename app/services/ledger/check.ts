import { sql, type Kysely, type RawBuilder } from "kysely";
import { LEDGER_ACCOUNT_PURPOSES, type DB, type LedgerAccountPurpose } from "../../../db/schema";
import { CHART, PLATFORM_BUCKETS } from "./accounts";

// ledgerCheck recomputes everything the ledger maintains and compares, so a bug anywhere (or a hand edit that slipped
// past the triggers) shows up as a named violation. It only reads; run it any time, e.g. after the checkout bench.

export interface LedgerViolation {
  check: string;
  message: string;
}

export interface LedgerCheckResult {
  name: string;
  description: string;
  violations: number;
}

export interface LedgerCheckReport {
  ok: boolean;
  counts: { accounts: number; transactions: number; entries: number; programmes: number; vouchers: number; batches: number };
  /** Sum of balances per account purpose (normal-side terms). */
  totals: { purpose: LedgerAccountPurpose; accounts: number; balanceFen: number }[];
  checks: LedgerCheckResult[];
  /** The violations found, at most `limit` per check. */
  violations: LedgerViolation[];
  durationMs: number;
}

type Row = Record<string, unknown>;

interface Check {
  name: string;
  description: string;
  run(db: Kysely<DB>, limit: number): Promise<string[]>;
}

async function rows<T extends Row>(db: Kysely<DB>, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

const SIGNED = sql`case when a.normal_side = 'debit' then e.amount else -e.amount end`;

const CHECKS: Check[] = [
  {
    name: "transactions_balance",
    description: "every transaction has at least two entries and sums to zero in each currency",
    async run(db, limit) {
      const found = await rows<{ id: number; key: string; n: number; total: number }>(
        db,
        sql`select t.id, t.idempotency_key as key, count(e.id)::int as n, coalesce(sum(e.amount), 0)::bigint as total
              from ledger_transactions t left join ledger_entries e on e.transaction_id = t.id
             group by t.id having count(e.id) < 2 or coalesce(sum(e.amount), 0) <> 0
             order by t.id limit ${limit}`,
      );
      const byCurrency = await rows<{ id: number; currency: string; total: number }>(
        db,
        sql`select e.transaction_id as id, a.currency, sum(e.amount)::bigint as total
              from ledger_entries e join ledger_accounts a on a.id = e.account_id
             group by e.transaction_id, a.currency having sum(e.amount) <> 0
             order by 1 limit ${limit}`,
      );
      return [
        ...found.map((r) => `transaction ${r.id} (${r.key}): ${r.n} entries summing to ${r.total} fen`),
        ...byCurrency.map((r) => `transaction ${r.id}: ${r.currency} entries sum to ${r.total} fen`),
      ];
    },
  },
  {
    name: "balances_match_entries",
    description: "each account's maintained balance and version equal those recomputed from its entries",
    async run(db, limit) {
      const found = await rows<{ id: number; code: string; balance: number; recomputed: number; version: number; n: number }>(
        db,
        sql`select a.id, a.code, a.balance, a.version, coalesce(sum(${SIGNED}), 0)::bigint as recomputed, count(e.id)::bigint as n
              from ledger_accounts a left join ledger_entries e on e.account_id = a.id
             group by a.id
            having a.balance <> coalesce(sum(${SIGNED}), 0) or a.version <> count(e.id)
             order by a.id limit ${limit}`,
      );
      return found.map(
        (r) =>
          `account ${r.id} (${r.code}): balance ${r.balance} but entries give ${r.recomputed}; version ${r.version} but ${r.n} entries`,
      );
    },
  },
  {
    name: "running_balances",
    description: "every entry's balance_after and account_version replay its account's history",
    async run(db, limit) {
      const found = await rows<{ id: number; code: string; balance_after: number; running: number; account_version: number; rn: number }>(
        db,
        sql`select * from (
              select e.id, a.code, e.balance_after, e.account_version,
                     sum(${SIGNED}) over w as running, row_number() over w as rn
                from ledger_entries e join ledger_accounts a on a.id = e.account_id
              window w as (partition by e.account_id order by e.account_version rows between unbounded preceding and current row)
            ) x where running <> balance_after or rn <> account_version
            order by id limit ${limit}`,
      );
      return found.map(
        (r) =>
          `entry ${r.id} on ${r.code}: balance_after ${r.balance_after} (version ${r.account_version}) but replay gives ${r.running} (entry ${r.rn})`,
      );
    },
  },
  {
    name: "non_negative",
    description: "no account flagged must-not-go-negative is below zero",
    async run(db, limit) {
      const found = await rows<{ id: number; code: string; balance: number }>(
        db,
        sql`select id, code, balance from ledger_accounts where not may_go_negative and balance < 0 order by id limit ${limit}`,
      );
      return found.map((r) => `account ${r.id} (${r.code}) is at ${r.balance} fen`);
    },
  },
  {
    name: "chart_of_accounts",
    description: "every account's side, flag and code follow the chart of accounts",
    async run(db, limit) {
      const found = await db
        .selectFrom("ledger_accounts")
        .select(["id", "code", "purpose", "normal_side", "may_go_negative", "owner_organisation_id", "programme_id", "voucher_id"])
        .orderBy("id")
        .execute();
      const problems: string[] = [];
      for (const a of found) {
        const chart = CHART[a.purpose];
        const expectedCode = !chart
          ? null
          : chart.owner === "platform"
          ? `platform:${a.purpose}`
          : chart.owner === "organisation"
          ? `org:${a.owner_organisation_id}:${a.purpose}`
          : chart.owner === "programme"
          ? `programme:${a.programme_id}:${a.purpose}`
          : chart.owner === "voucher"
          ? `voucher:${a.voucher_id}:${a.purpose}`
          : `programme:${a.programme_id}:org:${a.owner_organisation_id}:${a.purpose}`;
        const bucket = /^platform:([a-z_]+)(?::(\d+))?$/.exec(a.code);
        const codeOk =
          chart?.owner === "platform"
            ? bucket !== null &&
              bucket[1] === a.purpose &&
              (bucket[2] === undefined || (Number(bucket[2]) >= 1 && Number(bucket[2]) < PLATFORM_BUCKETS))
            : expectedCode === a.code;
        if (!chart || chart.normalSide !== a.normal_side || chart.mayGoNegative !== a.may_go_negative || !codeOk) {
          problems.push(
            `account ${a.id} (${a.code}): ${a.purpose} ${a.normal_side}${
              a.may_go_negative ? " may go negative" : ""
            } does not match the chart`,
          );
        }
        if (problems.length >= limit) break;
      }
      return problems;
    },
  },
  {
    name: "reversals",
    description: "a reversal posts the exact negation of its original, which is no reversal and is reversed at most once",
    async run(db, limit) {
      const malformed = await rows<{ id: number; original: number | null }>(
        db,
        sql`select r.id, r.reverses_transaction_id as original from ledger_transactions r
             where (r.kind = 'reversal') <> (r.reverses_transaction_id is not null)
                or (r.reverses_transaction_id is not null and (
                     exists (select 1 from ledger_transactions o where o.id = r.reverses_transaction_id and o.reverses_transaction_id is not null)
                     or exists (select 1 from (
                          select account_id, amount from ledger_entries where transaction_id = r.id
                          union all
                          select account_id, amount from ledger_entries where transaction_id = r.reverses_transaction_id
                        ) x group by account_id having sum(amount) <> 0)))
             order by r.id limit ${limit}`,
      );
      const twice = await rows<{ original: number; n: number }>(
        db,
        sql`select reverses_transaction_id as original, count(*)::int as n from ledger_transactions
             where reverses_transaction_id is not null group by 1 having count(*) > 1 order by 1 limit ${limit}`,
      );
      return [
        ...malformed.map((r) => `transaction ${r.id} is not a well-formed reversal of ${r.original ?? "anything"}`),
        ...twice.map((r) => `transaction ${r.original} is reversed ${r.n} times`),
      ];
    },
  },
  {
    name: "voucher_accounts_linked",
    description: "every entry on a voucher's accounts belongs to a transaction linked to that voucher",
    async run(db, limit) {
      const found = await rows<{ id: number; code: string; tx: number }>(
        db,
        sql`select e.id, a.code, t.id as tx from ledger_entries e
              join ledger_accounts a on a.id = e.account_id
              join ledger_transactions t on t.id = e.transaction_id
             where a.voucher_id is not null and t.voucher_id is distinct from a.voucher_id
             order by e.id limit ${limit}`,
      );
      return found.map((r) => `entry ${r.id} on ${r.code} is in transaction ${r.tx}, which is not linked to that voucher`);
    },
  },
  {
    name: "vouchers",
    description:
      "each voucher is issued once for its amount; issued = available + held + redeemed + returned; an expired or revoked voucher has nothing available",
    async run(db, limit) {
      const found = await rows<{
        id: number;
        serial: string;
        amount_fen: number;
        status: string;
        issues: number;
        issued: number;
        available: number | null;
        held: number | null;
        redeemed: number;
        returned: number;
      }>(
        db,
        sql`with moves as (
              select t.voucher_id, t.kind, a.purpose, e.amount
                from ledger_transactions t
                join ledger_entries e on e.transaction_id = t.id
                join ledger_accounts a on a.id = e.account_id
               where t.voucher_id is not null
            ), per_voucher as (
              select voucher_id,
                     count(*) filter (where kind = 'voucher_issue' and purpose = 'voucher_available') as issues,
                     coalesce(-sum(amount) filter (where kind = 'voucher_issue' and purpose = 'voucher_available'), 0) as issued,
                     coalesce(-sum(amount) filter (where purpose = 'voucher_reimbursable'), 0) as redeemed,
                     coalesce(-sum(amount) filter (where purpose = 'programme_budget' and kind <> 'voucher_issue'), 0) as returned
                from moves group by voucher_id
            )
            select v.id, v.serial, v.amount_fen, v.status,
                   coalesce(m.issues, 0)::int as issues, coalesce(m.issued, 0)::bigint as issued,
                   av.balance as available, hd.balance as held,
                   coalesce(m.redeemed, 0)::bigint as redeemed, coalesce(m.returned, 0)::bigint as returned
              from vouchers v
              left join per_voucher m on m.voucher_id = v.id
              left join ledger_accounts av on av.voucher_id = v.id and av.purpose = 'voucher_available'
              left join ledger_accounts hd on hd.voucher_id = v.id and hd.purpose = 'voucher_held'
             where coalesce(m.issues, 0) <> 1
                or coalesce(m.issued, 0) <> v.amount_fen
                or av.id is null or hd.id is null
                or coalesce(m.issued, 0) <> av.balance + hd.balance + coalesce(m.redeemed, 0) + coalesce(m.returned, 0)
                or coalesce(m.redeemed, 0) < 0 or coalesce(m.returned, 0) < 0
                or (v.status in ('expired', 'revoked') and av.balance <> 0)
             order by v.id limit ${limit}`,
      );
      return found.map(
        (r) =>
          `voucher ${r.serial} (${r.status}, ${r.amount_fen} fen): issued ${r.issues}× for ${r.issued}; available ${
            r.available ?? "none"
          }, ` + `held ${r.held ?? "none"}, redeemed ${r.redeemed}, returned ${r.returned}`,
      );
    },
  },
  {
    name: "programmes",
    description: "each programme is funded with exactly its budget, and its fund equals budget + vouchers + holds + owed + in payment",
    async run(db, limit) {
      const found = await rows<{ id: number; name: string; total: number; funded: number; fund: number | null; credits: number }>(
        db,
        sql`select p.id, p.name, p.total_budget_fen as total,
                   coalesce((select sum(e.amount) from ledger_transactions t
                               join ledger_entries e on e.transaction_id = t.id
                               join ledger_accounts a on a.id = e.account_id and a.purpose = 'programme_fund'
                              where t.kind = 'programme_funding' and t.programme_id = p.id), 0)::bigint as funded,
                   (select balance from ledger_accounts where programme_id = p.id and purpose = 'programme_fund') as fund,
                   coalesce((select sum(balance) from ledger_accounts where programme_id = p.id and normal_side = 'credit'), 0)::bigint as credits
              from voucher_programmes p
             order by p.id`,
      );
      return found
        .filter((r) => r.funded !== r.total || r.fund === null || r.fund !== r.credits)
        .slice(0, limit)
        .map(
          (r) =>
            `programme ${r.id} (${r.name}): budget ${r.total}, funded ${r.funded}; fund ${r.fund ?? "missing"} vs its accounts ${
              r.credits
            }`,
        );
    },
  },
  {
    name: "reimbursement_batches",
    description: "each batch's lines add up to its total and match what the ledger moved into payment (and paid, once paid)",
    async run(db, limit) {
      const lines = await rows<{
        batch_id: number;
        institution_id: number;
        amount_fen: number;
        moved: number;
        paid: number;
        status: string;
      }>(
        db,
        sql`select l.batch_id, l.institution_id, l.amount_fen, b.status,
                   coalesce((select -sum(e.amount) from ledger_transactions t
                               join ledger_entries e on e.transaction_id = t.id
                               join ledger_accounts a on a.id = e.account_id
                              where t.reimbursement_batch_id = l.batch_id and t.kind = 'reimbursement_batch'
                                and a.purpose = 'reimbursement_in_payment' and a.owner_organisation_id = l.institution_id), 0)::bigint as moved,
                   coalesce((select sum(e.amount) from ledger_transactions t
                               join ledger_entries e on e.transaction_id = t.id
                               join ledger_accounts a on a.id = e.account_id
                              where t.reimbursement_batch_id = l.batch_id and t.kind = 'reimbursement_paid'
                                and a.purpose = 'reimbursement_in_payment' and a.owner_organisation_id = l.institution_id), 0)::bigint as paid
              from reimbursement_batch_lines l join reimbursement_batches b on b.id = l.batch_id
             order by l.batch_id, l.institution_id`,
      );
      const totals = await rows<{ id: number; total_fen: number; lines: number }>(
        db,
        sql`select b.id, b.total_fen, coalesce(sum(l.amount_fen), 0)::bigint as lines
              from reimbursement_batches b left join reimbursement_batch_lines l on l.batch_id = b.id
             group by b.id having b.total_fen <> coalesce(sum(l.amount_fen), 0) order by b.id limit ${limit}`,
      );
      return [
        ...totals.map((r) => `batch ${r.id}: total ${r.total_fen} but lines sum to ${r.lines}`),
        ...lines
          .filter((l) => l.moved !== l.amount_fen || l.paid !== (l.status === "paid" ? l.amount_fen : 0))
          .slice(0, limit)
          .map(
            (l) =>
              `batch ${l.batch_id}, institution ${l.institution_id}: line ${l.amount_fen}, moved ${l.moved}, paid ${l.paid} (${l.status})`,
          ),
      ];
    },
  },
  {
    name: "institution_payouts",
    description: "each payout to an institution is posted once, for its amount, off that institution's payable; every payout posting has its record",
    async run(db, limit) {
      const unposted = await rows<{ id: number; institution_id: number; amount_fen: number; posted: number }>(
        db,
        sql`select * from (
              select p.id, p.institution_id, p.amount_fen,
                     coalesce((select sum(e.amount) from ledger_transactions t
                                 join ledger_entries e on e.transaction_id = t.id
                                 join ledger_accounts a on a.id = e.account_id
                                where t.idempotency_key = 'institution-payout:' || p.id and t.kind = 'institution_payout'
                                  and a.purpose = 'institution_payable' and a.owner_organisation_id = p.institution_id), 0)::bigint as posted
                from institution_payouts p) x
             where posted <> amount_fen order by id limit ${limit}`,
      );
      const orphans = await rows<{ id: number; key: string }>(
        db,
        sql`select t.id, t.idempotency_key as key from ledger_transactions t
             where t.kind = 'institution_payout'
               and not exists (select 1 from institution_payouts p where 'institution-payout:' || p.id = t.idempotency_key)
             order by t.id limit ${limit}`,
      );
      return [
        ...unposted.map((r) => `payout ${r.id} to institution ${r.institution_id}: ${r.amount_fen} fen recorded, ${r.posted} posted off its payable`),
        ...orphans.map((r) => `transaction ${r.id} (${r.key}) pays an institution out with no payout recorded`),
      ];
    },
  },
  {
    name: "voucher_applications",
    description: "an application is approved exactly when a voucher was issued on it, to the same enterprise and programme",
    async run(db, limit) {
      const found = await rows<{ id: number; status: string; voucher: number | null }>(
        db,
        sql`select a.id, a.status, v.id as voucher from voucher_applications a left join vouchers v on v.application_id = a.id
             where (a.status = 'approved') <> (v.id is not null)
                or v.enterprise_id <> a.enterprise_id or v.programme_id <> a.programme_id
             order by a.id limit ${limit}`,
      );
      return found.map((r) => `application ${r.id} is ${r.status} with ${r.voucher ? `voucher ${r.voucher}` : "no voucher"}`);
    },
  },
];

/** Runs every invariant check; `limit` caps the violations listed per check (counts stay exact up to it). */
export async function ledgerCheck(db: Kysely<DB>, options: { limit?: number } = {}): Promise<LedgerCheckReport> {
  const started = performance.now();
  const limit = options.limit ?? 50;
  // One snapshot for every query, so postings committed while the check runs cannot make it contradict itself.
  const run = async (trx: Kysely<DB>, ownTransaction: boolean) => {
    if (ownTransaction) await sql`set transaction isolation level repeatable read, read only`.execute(trx);
    const checks: LedgerCheckResult[] = [];
    const violations: LedgerViolation[] = [];
    for (const check of CHECKS) {
      const found = await check.run(trx, limit);
      checks.push({ name: check.name, description: check.description, violations: found.length });
      violations.push(...found.map((message) => ({ check: check.name, message })));
    }
    const [counts] = await rows<LedgerCheckReport["counts"]>(
      trx,
      sql`select (select count(*) from ledger_accounts)::int as accounts,
                 (select count(*) from ledger_transactions)::int as transactions,
                 (select count(*) from ledger_entries)::int as entries,
                 (select count(*) from voucher_programmes)::int as programmes,
                 (select count(*) from vouchers)::int as vouchers,
                 (select count(*) from reimbursement_batches)::int as batches`,
    );
    const totals = await rows<{ purpose: LedgerAccountPurpose; accounts: number; balance: number }>(
      trx,
      sql`select purpose, count(*)::int as accounts, sum(balance)::bigint as balance from ledger_accounts group by purpose`,
    );
    const byPurpose = new Map(totals.map((t) => [t.purpose, t]));
    return {
      ok: violations.length === 0,
      counts,
      totals: LEDGER_ACCOUNT_PURPOSES.map((purpose) => ({
        purpose,
        accounts: byPurpose.get(purpose)?.accounts ?? 0,
        balanceFen: byPurpose.get(purpose)?.balance ?? 0,
      })),
      checks,
      violations,
      durationMs: 0,
    };
  };
  const report = db.isTransaction ? await run(db, false) : await db.transaction().execute((trx) => run(trx, true));
  return { ...report, durationMs: Math.round(performance.now() - started) };
}

function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const digits = String(Math.abs(fen)).padStart(3, "0");
  return `${sign}¥${digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${digits.slice(-2)}`;
}

/** The report as the CLI prints it: counts, balances per purpose, one line per check, then the violations. */
export function formatLedgerReport(report: LedgerCheckReport): string {
  const { counts } = report;
  const lines = [
    `ledger: ${counts.accounts} accounts, ${counts.transactions} transactions, ${counts.entries} entries; ` +
      `${counts.programmes} programmes, ${counts.vouchers} vouchers, ${counts.batches} reimbursement batches`,
    "balances by purpose:",
    ...report.totals.map((t) => `  ${t.purpose.padEnd(26)} ${String(t.accounts).padStart(7)} accounts  ${yuan(t.balanceFen).padStart(20)}`),
    "checks:",
    ...report.checks.map(
      (c) =>
        `  ${c.violations === 0 ? "ok  " : "FAIL"} ${c.name.padEnd(24)} ${
          c.violations === 0 ? c.description : `${c.violations} violation(s)`
        }`,
    ),
  ];
  if (report.violations.length > 0) {
    lines.push("violations:", ...report.violations.map((v) => `  [${v.check}] ${v.message}`));
  }
  lines.push(
    report.ok
      ? `OK: every invariant holds (${report.durationMs} ms)`
      : `FAILED: ${report.violations.length} violation(s) (${report.durationMs} ms)`,
  );
  return lines.join("\n");
}
