import type { Kysely } from "kysely";
import { SELLER_TYPES, type DB, type SellerType } from "../../../db/schema";
import { todayInChina } from "../contracts/calendar";
import { parseYuanToFen } from "../contracts/money";
import { bpsShareFen } from "../ledger/money";
import { turnoverBySeller } from "./turnover";

// 技术交易奖补: cities reward sellers of technology from the registered figures, e.g. Luoyang's 1% of a year's
// technical income, capped per seller. This works the rewards out from the registry for a year and the bureau's
// rules, to check, publish and pay (outside the market: the market's ledger holds only money that passes through it).
// A seller is a seller as registered (its name and type), as the bureau's statistics count it.

export interface RewardRules {
  year: number;
  rateBps: number;
  /** the most one seller receives for the year; null: no cap */
  capFen: number | null;
  sellerTypes: SellerType[];
}

export const DEFAULT_REWARD_RATE_BPS = 100; // 1%
export const DEFAULT_REWARD_CAP_FEN = 50_000_000; // ¥500,000 a seller a year
export const FIRST_REWARD_YEAR = 2000;

export type RewardParameter = "year" | "rate" | "cap" | "type";

/** A year's rules from the query string; absent values take the defaults (last year, 1%, ¥500,000, every seller type). */
export function parseRewardRules(
  params: URLSearchParams,
  today: string = todayInChina(),
): { ok: true; rules: RewardRules } | { ok: false; errors: Partial<Record<RewardParameter, string>> } {
  const errors: Partial<Record<RewardParameter, string>> = {};
  const thisYear = Number(today.slice(0, 4));
  const yearText = params.get("year")?.trim() || String(thisYear - 1);
  const year = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN;
  if (!(year >= FIRST_REWARD_YEAR && year <= thisYear)) errors.year = "rewards.error.year";

  const rateText = params.get("rate")?.trim() || String(DEFAULT_REWARD_RATE_BPS / 100);
  const rate = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(rateText);
  const rateBps = rate ? Number(rate[1]) * 100 + Number((rate[2] ?? "").padEnd(2, "0")) : NaN;
  if (!(rateBps >= 1 && rateBps <= 10_000)) errors.rate = "rewards.error.rate";

  // The form always sends the cap; an empty one means no cap. Without the parameter at all: the default cap.
  const capText = params.get("cap");
  let capFen: number | null = DEFAULT_REWARD_CAP_FEN;
  if (capText !== null) {
    if (capText.trim() === "") capFen = null;
    else {
      const parsed = parseYuanToFen(capText.trim());
      if (parsed.ok && parsed.fen > 0) capFen = parsed.fen;
      else errors.cap = "rewards.error.cap";
    }
  }

  const types = params.getAll("type");
  if (types.some((t) => !(SELLER_TYPES as readonly string[]).includes(t))) errors.type = "rewards.error.type";
  const sellerTypes = types.length === 0 ? [...SELLER_TYPES] : SELLER_TYPES.filter((t) => types.includes(t));

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, rules: { year, rateBps, capFen, sellerTypes } };
}

export interface RewardLine {
  seller: string;
  seller_type: SellerType;
  contracts: number;
  technical_income_fen: number;
  reward_fen: number;
  /** the rate would give more than the cap */
  capped: boolean;
}

export interface RewardTable {
  rules: RewardRules;
  /** the contracts counted: the whole year, or up to today for the year under way */
  from: string;
  to: string;
  lines: RewardLine[];
  totals: { sellers: number; contracts: number; technical_income_fen: number; reward_fen: number; capped: number };
}

/**
 * Each seller's reward for the year: rate × the technical income of its registered contracts signed in the year,
 * rounded down to the fen (the ledger's one rounding rule), at most the cap. Largest reward first.
 */
export async function transactionRewards(db: Kysely<DB>, rules: RewardRules, today: string = todayInChina()): Promise<RewardTable> {
  const from = `${rules.year}-01-01`;
  const yearEnd = `${rules.year}-12-31`;
  const to = yearEnd < today ? yearEnd : today;
  const sellers = from <= to ? await turnoverBySeller(db, { from, to }) : [];
  const lines = sellers
    .filter((s) => rules.sellerTypes.includes(s.seller_type) && s.technical_income_fen > 0)
    .map((s) => {
      const byRate = bpsShareFen(s.technical_income_fen, rules.rateBps);
      const capped = rules.capFen !== null && byRate > rules.capFen;
      return {
        seller: s.seller,
        seller_type: s.seller_type,
        contracts: s.contracts,
        technical_income_fen: s.technical_income_fen,
        reward_fen: capped ? (rules.capFen as number) : byRate,
        capped,
      };
    })
    .sort((a, b) => b.reward_fen - a.reward_fen || b.technical_income_fen - a.technical_income_fen || a.seller.localeCompare(b.seller, "zh-CN"));
  const totals = lines.reduce(
    (t, l) => ({
      sellers: t.sellers + 1,
      contracts: t.contracts + l.contracts,
      technical_income_fen: t.technical_income_fen + l.technical_income_fen,
      reward_fen: t.reward_fen + l.reward_fen,
      capped: t.capped + (l.capped ? 1 : 0),
    }),
    { sellers: 0, contracts: 0, technical_income_fen: 0, reward_fen: 0, capped: 0 },
  );
  return { rules, from, to, lines, totals };
}
