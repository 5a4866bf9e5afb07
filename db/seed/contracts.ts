import { sql } from "kysely";
import { addDays, daysInMonth, formatIsoDate, parseIsoDate, todayInChina } from "../../app/services/contracts/calendar";
import { regionLabel, voidContract } from "../../app/services/contracts/registry";
import { FIELD_CODES, type ContractSource, type ContractType, type FieldCode, type NewContract, type SellerType } from "../schema";
import { chunk } from "./batches";
import type { Rng } from "./random";
import { DAY, type SeedStep } from "./types";

// Registered technology contracts (技术合同登记) for three full years and this year to date, so the turnover
// dashboard tells a story on first start: volume grows about 11–13% a year, value a little faster as transfers and
// licences take a larger share; February dips for the Spring Festival and December peaks as contracts are registered
// before the year closes. Values are heavy-tailed (a few large development contracts carry much of the total), as in
// published city figures (Luoyang 2020: 1,059 contracts, 53.8亿元).

export interface SeedSeller {
  name: string;
  type: SellerType;
  organisationId: number | null;
  /** relative share of contracts */
  weight: number;
}

export interface SeedBuyer {
  name: string;
  region: string;
  organisationId: number | null;
  weight: number;
}

export interface GeneratedContract {
  contractNo: string;
  signedOn: string;
  type: ContractType;
  field: FieldCode;
  seller: SeedSeller;
  buyer: SeedBuyer;
  amountFen: number;
  technicalIncomeFen: number;
  source: ContractSource;
  /** days between signing and registration */
  registeredAfterDays: number;
}

/** Relative contract volume by calendar month (January first). */
const MONTH_WEIGHTS = [0.8, 0.55, 0.95, 1.0, 1.0, 1.25, 0.9, 0.85, 1.05, 0.8, 1.1, 1.75];

const FIELD_WEIGHTS: Record<FieldCode, number> = {
  advanced_manufacturing: 22,
  new_materials: 18,
  electronic_information: 14,
  new_energy: 9,
  aerospace: 8,
  hightech_services: 8,
  biomedicine: 7,
  resources_environment: 6,
  modern_agriculture: 5,
  urban_social: 3,
};

/** Median contract value in yuan by type; values spread log-normally around it. */
const MEDIAN_YUAN: Record<ContractType, number> = {
  development: 1_800_000,
  transfer: 2_200_000,
  license: 1_200_000,
  consulting: 250_000,
  service: 450_000,
};

/** The technical share of a contract's value (技术交易额 / 成交额) by type, as [min, max]. */
const TECHNICAL_SHARE: Record<ContractType, [number, number]> = {
  development: [0.72, 0.98],
  transfer: [0.9, 1],
  license: [0.9, 1],
  consulting: [0.85, 1],
  service: [0.8, 1],
};

function typeWeights(yearIndex: number): [ContractType, number][] {
  // Transfers and licences grow as the online market matures.
  return [
    ["development", 37 - yearIndex],
    ["service", 30],
    ["consulting", 10 - yearIndex / 2],
    ["transfer", 14 + yearIndex],
    ["license", 9 + yearIndex / 2],
  ];
}

/** Standard normal by Box–Muller from the seeded stream. */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function contractValueFen(rng: Rng, type: ContractType): number {
  const yuan = MEDIAN_YUAN[type] * Math.exp(1.15 * normal(rng));
  const clamped = Math.min(120_000_000, Math.max(5_000, yuan));
  // Most contracts are whole yuan (often round thousands); some carry fen.
  if (rng.chance(0.4)) return Math.round(clamped / 1000) * 100_000;
  if (rng.chance(0.8)) return Math.round(clamped) * 100;
  return Math.round(clamped * 100);
}

/**
 * Contracts signed between `from` and `to` (inclusive), `perYear(year)` of them in each calendar year (prorated for a
 * year cut short by `to`), with numbers `<prefix>-<year>-<serial>`. With `averageFen`, each year's values are scaled
 * so their mean is that figure: a few huge contracts then cannot turn a year of growth into a fall by chance.
 */
export function generateContracts(
  rng: Rng,
  options: {
    from: string;
    to: string;
    perYear: (year: number) => number;
    averageFen?: (year: number) => number;
    sellers: SeedSeller[];
    buyers: SeedBuyer[];
    prefix?: string;
  },
): GeneratedContract[] {
  const start = parseIsoDate(options.from);
  const end = parseIsoDate(options.to);
  if (!start || !end) throw new RangeError("generateContracts needs real dates");
  const sellers = options.sellers.map((s) => [s, s.weight] as const);
  const buyers = options.buyers.map((b) => [b, b.weight] as const);
  const fields = FIELD_CODES.map((f) => [f, FIELD_WEIGHTS[f]] as const);
  const monthTotal = MONTH_WEIGHTS.reduce((a, b) => a + b, 0);
  const out: GeneratedContract[] = [];

  for (let year = start.year; year <= end.year; year++) {
    const yearIndex = year - start.year;
    const perYear = options.perYear(year);
    const yearStart = out.length;
    let serial = 0;
    for (let month = 1; month <= 12; month++) {
      const first = formatIsoDate({ year, month, day: 1 });
      const last = formatIsoDate({ year, month, day: daysInMonth(year, month) });
      if (last < options.from || first > options.to) continue;
      const lo = first < options.from ? options.from : first;
      const hi = last > options.to ? options.to : last;
      const span = Number(hi.slice(8)) - Number(lo.slice(8)) + 1;
      // A month cut by the range gets its share of the month's volume.
      const count = Math.round(((perYear * MONTH_WEIGHTS[month - 1]) / monthTotal) * (span / daysInMonth(year, month)));
      for (let i = 0; i < count; i++) {
        const type = rng.weighted(typeWeights(yearIndex));
        const amountFen = contractValueFen(rng, type);
        const [lowShare, highShare] = TECHNICAL_SHARE[type];
        const share = lowShare + rng.next() * (highShare - lowShare);
        const technicalIncomeFen = share >= 0.995 ? amountFen : Math.min(amountFen, Math.round((amountFen * share) / 100) * 100);
        serial++;
        out.push({
          contractNo: `${options.prefix ?? "LYJS"}-${year}-${String(serial).padStart(5, "0")}`,
          signedOn: addDays(lo, rng.int(0, span - 1)),
          type,
          field: rng.weighted(fields),
          seller: rng.weighted(sellers),
          buyer: rng.weighted(buyers),
          amountFen,
          technicalIncomeFen,
          source: rng.chance(0.35) ? "manual" : "import",
          registeredAfterDays: rng.int(2, 25),
        });
      }
    }
    const target = options.averageFen?.(year);
    const yearRows = out.slice(yearStart);
    if (target !== undefined && yearRows.length > 0) {
      const factor = (target * yearRows.length) / yearRows.reduce((sum, c) => sum + c.amountFen, 0);
      // Whole yuan after scaling; technical income scales alike and never exceeds the value.
      for (const c of yearRows) {
        const amount = Math.max(100, Math.round((c.amountFen * factor) / 100) * 100);
        c.technicalIncomeFen = Math.min(amount, Math.round((c.technicalIncomeFen * factor) / 100) * 100);
        c.amountFen = amount;
      }
    }
  }
  return out;
}

/** Buyers outside Luoyang, by the province or city bureaus report them under. */
const OUTSIDE_BUYERS: [string, number][] = [
  ["郑州市", 9],
  ["河南省其他地市", 6],
  ["北京市", 3],
  ["上海市", 2],
  ["江苏省", 3],
  ["广东省", 3],
  ["陕西省", 2],
  ["山东省", 2],
  ["湖北省", 1],
  ["浙江省", 2],
];
const OUTSIDE_NAMES = ["智能装备", "新材料", "能源科技", "电子科技", "医药", "环境工程", "农业发展", "精密机械"];
const OUTSIDE_SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"];
const PREFECTURES = ["新乡", "许昌", "南阳", "平顶山", "焦作", "三门峡"];

function outsideBuyers(rng: Rng): SeedBuyer[] {
  const out: SeedBuyer[] = [];
  for (const [region, weight] of OUTSIDE_BUYERS) {
    for (let i = 0; i < 6; i++) {
      const place = region === "河南省其他地市" ? rng.pick(PREFECTURES) : region.replace(/[省市]$/, "");
      out.push({
        name: `${place}${rng.pick(["华", "中", "新", "恒", "瑞", "创"])}${rng.pick(["科", "达", "泰", "源", "德", "宇"])}${rng.pick(OUTSIDE_NAMES)}${rng.pick(OUTSIDE_SUFFIXES)}`,
        region,
        organisationId: null,
        weight: weight / 6,
      });
    }
  }
  return out;
}

export const contractsStep: SeedStep = {
  name: "contracts",
  async run({ db, rng, now, refs, progress }) {
    const orgs = await db
      .selectFrom("organisations")
      .select(["id", "kind", "institution_type", "name", "region"])
      .where("kind", "in", ["institution", "enterprise"])
      .orderBy("id")
      .execute();
    if (orgs.length === 0) throw new Error("the contracts step runs after the organisations step");
    // Universities and institutes sell most technology; a share of enterprises sell too, and a few others.
    const sellers: SeedSeller[] = [];
    for (const o of orgs) {
      if (o.kind === "institution") sellers.push({ name: o.name, type: o.institution_type === "university" ? "university" : "institute", organisationId: o.id, weight: 4 });
      else if (rng.chance(0.35)) sellers.push({ name: o.name, type: "enterprise", organisationId: o.id, weight: 1.6 });
    }
    for (const name of ["洛阳市技术转移服务中心", "河南省生产力促进中心洛阳分中心", "洛阳某技术咨询事务所"])
      sellers.push({ name, type: "other", organisationId: null, weight: 3 });
    // Local enterprises buy about two thirds of the contracts, buyers elsewhere the rest.
    const localBuyers = orgs.filter((o) => o.kind === "enterprise");
    const outside = outsideBuyers(rng);
    const outsideWeight = outside.reduce((sum, b) => sum + b.weight, 0);
    const buyers: SeedBuyer[] = [
      ...localBuyers.map((o) => ({ name: o.name, region: regionLabel(o.region ?? "other"), organisationId: o.id, weight: 2 / 3 / localBuyers.length })),
      ...outside.map((b) => ({ ...b, weight: ((1 / 3) * b.weight) / outsideWeight })),
    ];

    const today = todayInChina(now);
    const thisYear = Number(today.slice(0, 4));
    const firstYear = thisYear - 3;
    const volume: Record<number, number> = { [firstYear]: 1_020, [firstYear + 1]: 1_140, [firstYear + 2]: 1_265, [thisYear]: 1_420 };
    const generated = generateContracts(rng, {
      from: `${firstYear}-01-01`,
      to: today,
      perYear: (year) => volume[year] ?? 1_000,
      // About 4.1 million yuan a contract, rising slowly: Luoyang's 2020 figures average 5.1 million.
      averageFen: (year) => Math.round(410_000_000 * 1.015 ** (year - firstYear)),
      sellers,
      buyers,
    });

    const registrar = refs.usersByOrganisation.get(refs.bureauOrganisationId)?.[0] ?? null;
    const rows: NewContract[] = generated.map((c) => {
      const registeredOn = addDays(c.signedOn, c.registeredAfterDays);
      // Registered at 10:00 China time, never after the seed's clock.
      const at = new Date(`${registeredOn < today ? registeredOn : today}T02:00:00Z`);
      return {
        contract_no: c.contractNo,
        signed_on: c.signedOn,
        type: c.type,
        field: c.field,
        seller: c.seller.name,
        seller_type: c.seller.type,
        seller_organisation_id: c.seller.organisationId,
        buyer: c.buyer.name,
        buyer_organisation_id: c.buyer.organisationId,
        buyer_region: c.buyer.region,
        amount_fen: c.amountFen,
        technical_income_fen: c.technicalIncomeFen,
        source: c.source,
        registered_by: registrar,
        registered_at: at > now ? now : at,
      };
    });
    // Registration order, so certificate numbers rise with registration time.
    rows.sort((a, b) => (a.registered_at as Date).getTime() - (b.registered_at as Date).getTime());

    progress(0, rows.length);
    let done = 0;
    await db.transaction().execute(async (trx) => {
      for (const batch of chunk(rows)) {
        await trx.insertInto("contracts").values(batch).execute();
        done += batch.length;
        progress(done, rows.length);
      }
    });
    // A handful of registrations were voided (duplicates, rescinded contracts), as happens in any registry.
    const { rows: registered } = await sql<{ id: number; registered_at: Date }>`select id, registered_at from contracts order by id`.execute(db);
    const voids = rng.sample(registered, Math.round(registered.length * 0.006));
    const reasons = ["重复登记", "合同双方协商解除", "经核查不属于技术合同", "合同金额登记错误，已重新登记"];
    for (const { id, registered_at } of voids) {
      const at = new Date(Math.min(now.getTime(), registered_at.getTime() + rng.int(1, 30) * DAY));
      await voidContract(db, { contractId: id, reason: rng.pick(reasons), actorUserId: registrar, at });
    }
    return { contracts: rows.length, voidedContracts: voids.length };
  },
};
