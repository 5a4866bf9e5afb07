import type { Kysely } from "kysely";
import type { ContractType, DB, FieldCode, SellerType, TransferMode } from "../../../db/schema";
import { newestPublicResults } from "./newest-public.server";
import { todayInChina } from "~/services/contracts/calendar";
import { listContracts } from "~/services/contracts/registry";
import { turnoverSummary } from "~/services/stats/turnover";

/** Results on the wall (newest first); enough to fill the screen twice over so the loop never shows a gap. */
export const WALL_SIZE = 48;
export const DEALS_SHOWN = 12;

export interface ScreenWallItem {
  id: number;
  title: string;
  field: FieldCode;
  trl: number;
  institution: string;
  modes: TransferMode[];
  /** the lowest fixed price, or null when every mode is negotiable */
  price_min_fen: number | null;
  voucher_eligible: boolean;
}

export interface ScreenDeal {
  id: number;
  signed_on: string;
  type: ContractType;
  field: FieldCode;
  amount_fen: number;
  seller_type: SellerType;
  /** Named only for contracts made on this market by a university or institute: their listing was public already. */
  seller: string | null;
}

export interface ScreenData {
  generated_at: string;
  /** results on the storefront now (listed and not stale) */
  awaiting: number;
  wall: ScreenWallItem[];
  /** this calendar year up to today (China time), with the same days a year earlier, as the stats service counts */
  turnover: {
    year: number;
    from: string;
    to: string;
    contracts: number;
    amount_fen: number;
    technical_income_fen: number;
    previous: { contracts: number; amount_fen: number };
    growth: { contracts_pct: number | null; amount_pct: number | null };
  };
  deals: ScreenDeal[];
}

/** Everything the big screen shows, from the services that own each figure (the screen adds no rules of its own). */
export async function loadScreenData(db: Kysely<DB>, now: Date = new Date()): Promise<ScreenData> {
  const today = todayInChina(now);
  const year = Number(today.slice(0, 4));
  const range = { from: `${year}-01-01`, to: today };
  const [wall, summary, deals] = await Promise.all([
    newestPublicResults(db, WALL_SIZE, now),
    turnoverSummary(db, range),
    listContracts(db, { status: "registered", to: today }, { page: 1, perPage: DEALS_SHOWN }),
  ]);
  return {
    generated_at: now.toISOString(),
    awaiting: wall.total,
    wall: wall.rows.map((r) => {
      const prices = r.modes.flatMap((m) => (m.price_fen === null ? [] : [m.price_fen]));
      return {
        id: r.id,
        title: r.title,
        field: r.field,
        trl: r.trl,
        institution: r.institution,
        modes: r.modes.map((m) => m.mode),
        price_min_fen: prices.length ? Math.min(...prices) : null,
        voucher_eligible: r.voucher_eligible,
      };
    }),
    turnover: {
      year,
      from: summary.from,
      to: summary.to,
      contracts: summary.contracts,
      amount_fen: summary.amount_fen,
      technical_income_fen: summary.technical_income_fen,
      previous: { contracts: summary.previous.contracts, amount_fen: summary.previous.amount_fen },
      growth: { contracts_pct: summary.growth.contracts_pct, amount_pct: summary.growth.amount_pct },
    },
    deals: deals.rows.map((c) => ({
      id: c.id,
      signed_on: c.signed_on,
      type: c.type,
      field: c.field,
      amount_fen: c.amount_fen,
      seller_type: c.seller_type,
      seller: c.source === "platform" && (c.seller_type === "university" || c.seller_type === "institute") ? c.seller : null,
    })),
  };
}
