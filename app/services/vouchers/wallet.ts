import { sql, type Kysely, type RawBuilder } from "kysely";
import type { DB, LedgerTransactionKind, VoucherStatus } from "../../../db/schema";
import { isVoucherExpired } from "../ledger";
import { lastValidDay } from "./validation";
import { capUsedFen } from "./voucher-part";

// The enterprise's voucher wallet, read straight from the ledger: what each voucher can still pay, what is held for
// pending payments, what was redeemed or returned, and every movement.

export type WalletVoucherState = "active" | "used_up" | "expired" | "revoked";

export interface WalletVoucher {
  voucherId: number;
  serial: string;
  programmeId: number;
  programmeName: string;
  programmeYear: number;
  coverageBps: number;
  amountFen: number;
  availableFen: number;
  heldFen: number;
  redeemedFen: number;
  /** returned to the programme at expiry or revocation */
  returnedFen: number;
  issuedAt: Date;
  expiresAt: Date;
  /** the last day it can be used, YYYY-MM-DD in China */
  lastValidDay: string;
  state: WalletVoucherState;
  /** why the bureau revoked it (state "revoked") */
  revocationReason: string | null;
  /** active and expiring within 30 days */
  expiresSoon: boolean;
}

export interface WalletHold {
  voucherId: number;
  serial: string;
  orderId: number;
  amountFen: number;
  since: Date;
}

export interface WalletMovement {
  transactionId: number;
  at: Date;
  kind: LedgerTransactionKind;
  voucherId: number;
  serial: string;
  orderId: number | null;
  availableDeltaFen: number;
  heldDeltaFen: number;
}

export interface WalletCap {
  programmeId: number;
  programmeName: string;
  yearlyCapFen: number;
  usedFen: number;
  remainingFen: number;
}

export interface Wallet {
  vouchers: WalletVoucher[];
  totals: { availableFen: number; heldFen: number; redeemedFen: number };
  holds: WalletHold[];
  history: WalletMovement[];
  caps: WalletCap[];
}

const SOON_MS = 30 * 24 * 60 * 60 * 1000;

/** What a voucher (`voucher`, a reference to its id) paid into purchases, net of refunds: its redemptions in the ledger. */
export function redeemedFenOf(voucher: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`coalesce((select -sum(e.amount) from ledger_transactions t
                                 join ledger_entries e on e.transaction_id = t.id
                                 join ledger_accounts a on a.id = e.account_id
                                where t.voucher_id = ${voucher} and a.purpose = 'voucher_reimbursable'), 0)::bigint`;
}

/** What a voucher can do now, from its status, expiry and balances. */
export function voucherState(
  v: { status: VoucherStatus; expiresAt: Date; availableFen: number; heldFen: number },
  now: Date,
): WalletVoucherState {
  if (v.status === "revoked") return "revoked";
  if (isVoucherExpired(v, now)) return "expired";
  return v.availableFen === 0 && v.heldFen === 0 ? "used_up" : "active";
}

export async function getWallet(
  db: Kysely<DB>,
  enterpriseId: number,
  options: { now?: Date; historyLimit?: number } = {},
): Promise<Wallet> {
  const now = options.now ?? new Date();
  const vouchers = (
    await sql<{
      id: number;
      serial: string;
      programme_id: number;
      programme_name: string;
      programme_year: number;
      coverage_bps: number;
      yearly_cap_fen: number;
      amount_fen: number;
      issued_at: Date;
      expires_at: Date;
      status: VoucherStatus;
      revocation_reason: string | null;
      available: number;
      held: number;
      redeemed: number;
      returned: number;
    }>`
      select v.id, v.serial, v.programme_id, p.name as programme_name, p.year as programme_year, p.coverage_bps,
             p.yearly_cap_fen, v.amount_fen, v.issued_at, v.expires_at, v.status, v.revocation_reason,
             coalesce(av.balance, 0) as available, coalesce(hd.balance, 0) as held,
             ${redeemedFenOf(sql.ref("v.id"))} as redeemed,
             coalesce((select -sum(e.amount) from ledger_transactions t
                         join ledger_entries e on e.transaction_id = t.id
                         join ledger_accounts a on a.id = e.account_id
                        where t.voucher_id = v.id and a.purpose = 'programme_budget' and t.kind <> 'voucher_issue'), 0)::bigint as returned
        from vouchers v
        join voucher_programmes p on p.id = v.programme_id
        left join ledger_accounts av on av.voucher_id = v.id and av.purpose = 'voucher_available'
        left join ledger_accounts hd on hd.voucher_id = v.id and hd.purpose = 'voucher_held'
       where v.enterprise_id = ${enterpriseId}
       order by (v.status <> 'active'), v.expires_at, v.id`.execute(db)
  ).rows;

  const serials = new Map(vouchers.map((v) => [v.id, v.serial]));
  const ids = vouchers.map((v) => v.id);
  const [holds, history] =
    ids.length === 0
      ? [[], []]
      : await Promise.all([
          sql<{ voucher_id: number; order_id: number; amount: number; since: Date }>`
            select a.voucher_id, t.order_id, (-sum(e.amount))::bigint as amount, min(t.effective_at) as since
              from ledger_entries e
              join ledger_transactions t on t.id = e.transaction_id
              join ledger_accounts a on a.id = e.account_id
             where a.purpose = 'voucher_held' and a.owner_organisation_id = ${enterpriseId} and t.order_id is not null
             group by a.voucher_id, t.order_id having sum(e.amount) <> 0
             order by since`.execute(db),
          sql<{
            id: number;
            effective_at: Date;
            kind: LedgerTransactionKind;
            voucher_id: number;
            order_id: number | null;
            available: number;
            held: number;
          }>`
            select t.id, t.effective_at, t.kind, a.voucher_id, t.order_id,
                   coalesce(sum(-e.amount) filter (where a.purpose = 'voucher_available'), 0)::bigint as available,
                   coalesce(sum(-e.amount) filter (where a.purpose = 'voucher_held'), 0)::bigint as held
              from ledger_transactions t
              join ledger_entries e on e.transaction_id = t.id
              join ledger_accounts a on a.id = e.account_id
             where a.voucher_id is not null and a.owner_organisation_id = ${enterpriseId}
             group by t.id, a.voucher_id
             order by t.effective_at desc, t.id desc
             limit ${options.historyLimit ?? 100}`.execute(db),
        ]).then(([h, m]) => [h.rows, m.rows] as const);

  const programmes = [...new Map(vouchers.map((v) => [v.programme_id, v])).values()];
  const caps = await Promise.all(
    programmes.map(async (p) => {
      const used = await capUsedFen(db, enterpriseId, p.programme_id, now);
      return {
        programmeId: p.programme_id,
        programmeName: p.programme_name,
        yearlyCapFen: p.yearly_cap_fen,
        usedFen: used,
        remainingFen: Math.max(0, p.yearly_cap_fen - used),
      };
    }),
  );

  const walletVouchers: WalletVoucher[] = vouchers.map((v) => {
    const state = voucherState({ status: v.status, expiresAt: v.expires_at, availableFen: v.available, heldFen: v.held }, now);
    return {
      voucherId: v.id,
      serial: v.serial,
      programmeId: v.programme_id,
      programmeName: v.programme_name,
      programmeYear: v.programme_year,
      coverageBps: v.coverage_bps,
      amountFen: v.amount_fen,
      // A voucher past its expiry is shown with nothing to spend even before the expiry job has moved its money.
      availableFen: state === "expired" ? 0 : v.available,
      heldFen: v.held,
      redeemedFen: v.redeemed,
      returnedFen: v.returned,
      issuedAt: v.issued_at,
      expiresAt: v.expires_at,
      lastValidDay: lastValidDay(v.expires_at),
      state,
      revocationReason: v.revocation_reason,
      expiresSoon: state === "active" && v.expires_at.getTime() - now.getTime() < SOON_MS,
    };
  });

  return {
    vouchers: walletVouchers,
    totals: {
      availableFen: walletVouchers.reduce((s, v) => s + v.availableFen, 0),
      heldFen: walletVouchers.reduce((s, v) => s + v.heldFen, 0),
      redeemedFen: walletVouchers.reduce((s, v) => s + v.redeemedFen, 0),
    },
    holds: holds.map((h) => ({
      voucherId: h.voucher_id,
      serial: serials.get(h.voucher_id) ?? "",
      orderId: h.order_id,
      amountFen: h.amount,
      since: h.since,
    })),
    history: history.map((m) => ({
      transactionId: m.id,
      at: m.effective_at,
      kind: m.kind,
      voucherId: m.voucher_id,
      serial: serials.get(m.voucher_id) ?? "",
      orderId: m.order_id,
      availableDeltaFen: m.available,
      heldDeltaFen: m.held,
    })),
    caps,
  };
}
