import { sql, type Kysely } from "kysely";
import type { DB, VoucherProgrammeStatus } from "../../../db/schema";
import { translator, type Locale } from "../../i18n";
import type { CsvCell } from "../contracts/csv";
import { fenToYuan } from "../contracts/money";
import type { DateRange } from "./range";

// The voucher programme panel of the turnover dashboard (docs/decisions/0006-voucher-statistics.md).
//
// Two kinds of figure, labelled as such everywhere they are shown:
// - "to date" (截至今日): the state of the programme now, read from the ledger's maintained balances (budget left,
//   reimbursed, awaiting reimbursement, redeemed) and the voucher rows (issued): what the budget bar needs.
// - "in the period" (本期): what happened within the selected dates: vouchers issued (issue time), voucher parts
//   redeemed into purchases (posting time), reimbursements paid (payment time), enterprises served.
// Neither reads the ledger as a whole: balances are per programme (and institution), and the redemptions are reached
// from the programme's vouchers through the ledger's voucher index.

/** Figures of one programme, or of all shown programmes together. All money in integer fen. */
export interface VoucherFigures {
  /** the programme's whole budget (fixed at creation) */
  budgetFen: number;
  /** vouchers issued to date, and their face value */
  issuedCount: number;
  issuedFen: number;
  /** voucher parts posted into purchases to date, refunded purchases excluded */
  redeemedFen: number;
  /** paid to institutions by the bureau (兑付) to date */
  reimbursedFen: number;
  /** redeemed but not yet paid to institutions (owed, or in a batch awaiting payment) */
  awaitingReimbursementFen: number;
  /** still on vouchers: available to spend or held for a pending payment */
  outstandingFen: number;
  /** returned to the budget from expired vouchers */
  returnedFen: number;
  /** budget − issued + returned: what can still be issued (the ledger's programme budget balance) */
  budgetLeftFen: number;
  /** budget − budget left */
  budgetUsedFen: number;
  /** budget used in percent, rounded down to one decimal (so 99.96% shows as 99.9%, never as a full budget) */
  budgetUsedPct: number;
  /** distinct enterprises with a redemption still standing (not refunded) */
  enterprisesServed: number;
  period: PeriodFigures;
}

/** What happened within the selected dates (China calendar days, both inclusive). */
export interface PeriodFigures {
  issuedCount: number;
  issuedFen: number;
  /** redemptions posted within the period and still standing */
  redeemedFen: number;
  /** reimbursement batches paid within the period */
  reimbursedFen: number;
  enterprisesServed: number;
}

export interface ProgrammeFigures extends VoucherFigures {
  programmeId: number;
  name: string;
  year: number;
  status: VoucherProgrammeStatus;
  validFrom: string;
  validTo: string;
  voucherAmountFen: number;
  /** the budget left cannot pay for one more voucher */
  exhausted: boolean;
}

export interface VoucherPanel {
  from: string;
  to: string;
  /** programmes active in the range (created or valid within it) or that paid a reimbursement within it; newest first */
  programmes: ProgrammeFigures[];
  /** all shown programmes together; enterprises are counted once even when served by several programmes */
  total: VoucherFigures;
  /** false when the bureau has no programme at all (as opposed to none in this range) */
  anyProgramme: boolean;
}

/** used / budget in percent, rounded down to one decimal, in integers. */
export function budgetUsedPct(usedFen: number, budgetFen: number): number {
  if (budgetFen <= 0 || usedFen <= 0) return 0;
  return Number((BigInt(usedFen) * 1000n) / BigInt(budgetFen)) / 10;
}

const EMPTY_PERIOD: PeriodFigures = { issuedCount: 0, issuedFen: 0, redeemedFen: 0, reimbursedFen: 0, enterprisesServed: 0 };

interface ProgrammeRow {
  id: number;
  name: string;
  year: number;
  status: VoucherProgrammeStatus;
  valid_from: string;
  valid_to: string;
  total_budget_fen: number;
  voucher_amount_fen: number;
  fund: number;
  budget_left: number;
  owed: number;
  in_payment: number;
  issued_count: number;
  issued_fen: number;
  period_issued_count: number;
  period_issued_fen: number;
  period_reimbursed_fen: number;
}

interface ServedRow {
  programme_id: number | null;
  served: number;
  redeemed: number;
  period_served: number;
  period_redeemed: number;
}

/**
 * The voucher panel for a date range. `bureauId` limits it to one bureau's programmes (the dashboard passes the
 * signed-in bureau's organisation, as the voucher pages do).
 */
export async function voucherPanel(db: Kysely<DB>, range: DateRange, options: { bureauId?: number } = {}): Promise<VoucherPanel> {
  // Range ends are China calendar days; timestamps compare against local midnight.
  const start = sql`(${range.from}::date::timestamp at time zone 'Asia/Shanghai')`;
  const end = sql`((${range.to}::date + 1)::timestamp at time zone 'Asia/Shanghai')`;
  const bureau = options.bureauId === undefined ? sql`true` : sql`p.bureau_id = ${options.bureauId}`;
  const inPeriod = (column: string) => sql`(${sql.ref(column)} >= ${start} and ${sql.ref(column)} < ${end})`;

  // One row per programme: balances from ledger_accounts (programme_id, purpose) — the fund, the unissued budget and
  // one owed / in-payment account per institution — the voucher rows by programme, and the paid batches by programme.
  const { rows: programmes } = await sql<ProgrammeRow>`
    select p.id, p.name, p.year, p.status, p.valid_from, p.valid_to, p.total_budget_fen, p.voucher_amount_fen,
           acc.fund, acc.budget_left, acc.owed, acc.in_payment,
           vou.issued_count, vou.issued_fen, vou.period_issued_count, vou.period_issued_fen,
           bat.period_reimbursed_fen
      from (
        select * from voucher_programmes p
         where ${bureau}
           and ((least(p.valid_from, (p.created_at at time zone 'Asia/Shanghai')::date) <= ${range.to}::date
                  and p.valid_to >= ${range.from}::date)
                or exists (select 1 from reimbursement_batches b
                            where b.programme_id = p.id and b.status = 'paid' and ${inPeriod("b.paid_at")}))
      ) p
      cross join lateral (
        select coalesce(sum(a.balance) filter (where a.purpose = 'programme_fund'), 0)::bigint as fund,
               coalesce(sum(a.balance) filter (where a.purpose = 'programme_budget'), 0)::bigint as budget_left,
               coalesce(sum(a.balance) filter (where a.purpose = 'voucher_reimbursable'), 0)::bigint as owed,
               coalesce(sum(a.balance) filter (where a.purpose = 'reimbursement_in_payment'), 0)::bigint as in_payment
          from ledger_accounts a
         where a.programme_id = p.id
           and a.purpose in ('programme_fund', 'programme_budget', 'voucher_reimbursable', 'reimbursement_in_payment')
      ) acc
      cross join lateral (
        select count(*)::bigint as issued_count,
               coalesce(sum(v.amount_fen), 0)::bigint as issued_fen,
               (count(*) filter (where ${inPeriod("v.issued_at")}))::bigint as period_issued_count,
               coalesce(sum(v.amount_fen) filter (where ${inPeriod("v.issued_at")}), 0)::bigint as period_issued_fen
          from vouchers v
         where v.programme_id = p.id
      ) vou
      cross join lateral (
        select coalesce(sum(b.total_fen), 0)::bigint as period_reimbursed_fen
          from reimbursement_batches b
         where b.programme_id = p.id and b.status = 'paid' and ${inPeriod("b.paid_at")}
      ) bat
     order by p.year desc, p.id desc`.execute(db);

  if (programmes.length === 0) {
    const { rows } = await sql<{ found: boolean }>`
      select exists (select 1 from voucher_programmes p where ${bureau}) as found`.execute(db);
    return { from: range.from, to: range.to, programmes: [], total: totalOf([], null), anyProgramme: rows[0]?.found ?? false };
  }

  // Redemptions still standing (a voucher_post without a reversal). They are the credits to the shown programmes' owed
  // accounts (one per programme and institution, index on programme_id and purpose), read through the entries' index
  // on (account_id, account_version): the work grows with these programmes' redemptions, not with the ledger. Grouping
  // sets give each programme's figures and the total, where an enterprise served by two programmes counts once.
  const ids = sql.join(programmes.map((p) => p.id));
  const { rows: served } = await sql<ServedRow>`
    select r.programme_id,
           count(distinct r.enterprise_id)::bigint as served,
           coalesce(sum(r.fen), 0)::bigint as redeemed,
           (count(distinct r.enterprise_id) filter (where ${inPeriod("r.effective_at")}))::bigint as period_served,
           coalesce(sum(r.fen) filter (where ${inPeriod("r.effective_at")}), 0)::bigint as period_redeemed
      from (
        select a.programme_id, v.enterprise_id, t.effective_at, -e.amount as fen
          from ledger_accounts a
          join ledger_entries e on e.account_id = a.id
          join ledger_transactions t on t.id = e.transaction_id and t.kind = 'voucher_post'
          join vouchers v on v.id = t.voucher_id
         where a.programme_id in (${ids}) and a.purpose = 'voucher_reimbursable'
           and not exists (select 1 from ledger_transactions x where x.reverses_transaction_id = t.id)
      ) r
     group by grouping sets ((r.programme_id), ())`.execute(db);

  const figures = programmes.map((p): ProgrammeFigures => {
    const s = served.find((r) => r.programme_id === p.id);
    const reimbursedFen = p.total_budget_fen - p.fund;
    const redeemedFen = p.owed + p.in_payment + reimbursedFen;
    const returnedFen = p.budget_left - p.total_budget_fen + p.issued_fen;
    const budgetUsedFen = p.total_budget_fen - p.budget_left;
    return {
      programmeId: p.id,
      name: p.name,
      year: p.year,
      status: p.status,
      validFrom: p.valid_from,
      validTo: p.valid_to,
      voucherAmountFen: p.voucher_amount_fen,
      exhausted: p.budget_left < p.voucher_amount_fen,
      budgetFen: p.total_budget_fen,
      issuedCount: p.issued_count,
      issuedFen: p.issued_fen,
      redeemedFen,
      reimbursedFen,
      awaitingReimbursementFen: p.owed + p.in_payment,
      outstandingFen: p.issued_fen - returnedFen - redeemedFen,
      returnedFen,
      budgetLeftFen: p.budget_left,
      budgetUsedFen,
      budgetUsedPct: budgetUsedPct(budgetUsedFen, p.total_budget_fen),
      enterprisesServed: s?.served ?? 0,
      period: {
        issuedCount: p.period_issued_count,
        issuedFen: p.period_issued_fen,
        redeemedFen: s?.period_redeemed ?? 0,
        reimbursedFen: p.period_reimbursed_fen,
        enterprisesServed: s?.period_served ?? 0,
      },
    };
  });
  return {
    from: range.from,
    to: range.to,
    programmes: figures,
    total: totalOf(figures, served.find((r) => r.programme_id === null) ?? null),
    anyProgramme: true,
  };
}

function totalOf(programmes: ProgrammeFigures[], served: ServedRow | null): VoucherFigures {
  const sum = (pick: (p: ProgrammeFigures) => number) => programmes.reduce((acc, p) => acc + pick(p), 0);
  const budgetFen = sum((p) => p.budgetFen);
  const budgetUsedFen = sum((p) => p.budgetUsedFen);
  return {
    budgetFen,
    issuedCount: sum((p) => p.issuedCount),
    issuedFen: sum((p) => p.issuedFen),
    redeemedFen: sum((p) => p.redeemedFen),
    reimbursedFen: sum((p) => p.reimbursedFen),
    awaitingReimbursementFen: sum((p) => p.awaitingReimbursementFen),
    outstandingFen: sum((p) => p.outstandingFen),
    returnedFen: sum((p) => p.returnedFen),
    budgetLeftFen: sum((p) => p.budgetLeftFen),
    budgetUsedFen,
    budgetUsedPct: budgetUsedPct(budgetUsedFen, budgetFen),
    enterprisesServed: served?.served ?? 0,
    period:
      programmes.length === 0
        ? EMPTY_PERIOD
        : {
            issuedCount: sum((p) => p.period.issuedCount),
            issuedFen: sum((p) => p.period.issuedFen),
            redeemedFen: sum((p) => p.period.redeemedFen),
            reimbursedFen: sum((p) => p.period.reimbursedFen),
            enterprisesServed: served?.period_served ?? 0,
          },
  };
}

/**
 * The panel as CSV rows: one per programme and a 合计 row; "to date" columns first, then "in the period" ones, each
 * header saying which. Money in yuan with two decimals, like the other dashboard exports.
 */
export function voucherPanelCsvRows(panel: VoucherPanel, locale: Locale): CsvCell[][] {
  const t = translator(locale);
  const yuan = (fen: number) => fenToYuan(fen);
  const toDate = (key: string) => t("dashboard.vouchers.csv.toDate", { label: t(key) });
  const inPeriod = (key: string) => t("dashboard.vouchers.csv.period", { label: t(key), from: panel.from, to: panel.to });
  const inYuan = (label: string) => t("dashboard.vouchers.csv.yuan", { label });
  const rows: CsvCell[][] = [
    [
      t("dashboard.vouchers.col.programme"),
      t("dashboard.vouchers.col.year"),
      t("dashboard.vouchers.col.validity"),
      inYuan(t("dashboard.vouchers.col.budget")),
      toDate("dashboard.vouchers.col.issuedCount"),
      inYuan(toDate("dashboard.vouchers.col.issued")),
      inYuan(toDate("dashboard.vouchers.col.redeemed")),
      inYuan(toDate("dashboard.vouchers.col.reimbursed")),
      inYuan(toDate("dashboard.vouchers.col.awaiting")),
      inYuan(toDate("dashboard.vouchers.col.outstanding")),
      inYuan(toDate("dashboard.vouchers.col.returned")),
      toDate("dashboard.vouchers.col.served"),
      inYuan(toDate("dashboard.vouchers.col.budgetLeft")),
      `${toDate("dashboard.vouchers.col.budgetUsed")} (%)`,
      inPeriod("dashboard.vouchers.col.issuedCount"),
      inYuan(inPeriod("dashboard.vouchers.col.issued")),
      inYuan(inPeriod("dashboard.vouchers.col.redeemed")),
      inYuan(inPeriod("dashboard.vouchers.col.reimbursed")),
      inPeriod("dashboard.vouchers.col.served"),
    ],
  ];
  const figures = (f: VoucherFigures): CsvCell[] => [
    yuan(f.budgetFen),
    f.issuedCount,
    yuan(f.issuedFen),
    yuan(f.redeemedFen),
    yuan(f.reimbursedFen),
    yuan(f.awaitingReimbursementFen),
    yuan(f.outstandingFen),
    yuan(f.returnedFen),
    f.enterprisesServed,
    yuan(f.budgetLeftFen),
    f.budgetUsedPct,
    f.period.issuedCount,
    yuan(f.period.issuedFen),
    yuan(f.period.redeemedFen),
    yuan(f.period.reimbursedFen),
    f.period.enterprisesServed,
  ];
  for (const p of panel.programmes) rows.push([p.name, p.year, `${p.validFrom}~${p.validTo}`, ...figures(p)]);
  rows.push([t("dashboard.total"), "", "", ...figures(panel.total)]);
  return rows;
}
