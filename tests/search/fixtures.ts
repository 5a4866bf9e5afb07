import type { Kysely } from "kysely";
import type { DB, FieldCode, IpType, ResultStatus, TransferMode } from "../../db/schema";
import { recordListingChange } from "../../search/outbox";

const DAY = 86_400_000;
let creditSerial = 0;

/** An institution with a valid-looking (unique) credit code. */
export async function insertInstitution(db: Kysely<DB>, name: string, region: string | null = null): Promise<number> {
  creditSerial++;
  const code = `12410000${String(process.pid % 1000).padStart(3, "0")}${String(creditSerial).padStart(6, "0")}X`.slice(0, 18);
  const row = await db
    .insertInto("organisations")
    .values({ kind: "institution", institution_type: "university", name, credit_code: code, region })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface ResultSpec {
  institutionId: number;
  title: string;
  title_en?: string | null;
  summary?: string;
  description?: string;
  field?: FieldCode;
  keywords?: string[];
  trl?: number;
  status?: ResultStatus;
  /** yuan; null = negotiable */
  modes?: [TransferMode, number | null][];
  ip?: [IpType, string | null][];
  region?: string | null;
  stateFunded?: boolean;
  voucher?: boolean;
  inventors?: string[];
  /** days before now */
  listedDaysAgo?: number;
  confirmedDaysAgo?: number | null;
}

/** Inserts a result with its modes and IP items and queues it for indexing, in one transaction (as services do). */
export async function insertResult(db: Kysely<DB>, spec: ResultSpec, now = Date.now()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const status = spec.status ?? "listed";
    const listed = ["listed", "reserved", "transferred"].includes(status);
    const listedAt = new Date(now - (spec.listedDaysAgo ?? 1) * DAY);
    const row = await trx
      .insertInto("technology_results")
      .values({
        institution_id: spec.institutionId,
        title: spec.title,
        title_en: spec.title_en ?? null,
        summary: spec.summary ?? `${spec.title}的简介。`,
        description: spec.description ?? "",
        field: spec.field ?? "new_materials",
        keywords: spec.keywords ?? [],
        trl: spec.trl ?? 5,
        status,
        rejection_reason: status === "rejected" ? "材料不全" : null,
        region: spec.region ?? null,
        state_funded: spec.stateFunded ?? false,
        voucher_eligible: spec.voucher ?? false,
        inventors: spec.inventors ?? [],
        listed_at: listed ? listedAt : null,
        confirmed_at:
          listed && spec.confirmedDaysAgo !== null ? new Date(now - (spec.confirmedDaysAgo ?? spec.listedDaysAgo ?? 1) * DAY) : null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const modes = spec.modes ?? [["assignment", 100_000]];
    await trx
      .insertInto("result_modes")
      .values(modes.map(([mode, yuan]) => ({ result_id: row.id, mode, price_fen: yuan === null ? null : Math.round(yuan * 100) })))
      .execute();
    if (spec.ip && spec.ip.length > 0) {
      await trx
        .insertInto("result_ip_items")
        .values(spec.ip.map(([type, number]) => ({ result_id: row.id, type, number, status: "granted" })))
        .execute();
    }
    await recordListingChange(trx, row.id);
    return row.id;
  });
}

/** The fixture catalogue the contract suite searches. Names are the keys tests refer to. */
export async function insertCatalogue(db: Kysely<DB>, now = Date.now()) {
  const hkust = await insertInstitution(db, "河南科技大学", "洛阳市");
  const lab = await insertInstitution(db, "中科院洛阳材料研究所", "洛阳市");
  const agri = await insertInstitution(db, "河南农业大学", "郑州市");
  const ids = {
    cathode: await insertResult(
      db,
      {
        institutionId: hkust,
        title: "高性能锂离子电池正极材料及其制备方法",
        title_en: "High-performance lithium-ion battery cathode material",
        summary: "一种高镍三元正极材料，循环寿命提升30%。",
        field: "new_energy",
        keywords: ["锂离子电池", "正极材料"],
        trl: 6,
        modes: [
          ["assignment", 5_000_000],
          ["exclusive_license", null],
        ],
        ip: [["invention_patent", "ZL202310123456.7"]],
        stateFunded: true,
        voucher: true,
        listedDaysAgo: 5,
      },
      now,
    ),
    sensor: await insertResult(
      db,
      {
        institutionId: lab,
        title: "石墨烯柔性压力传感器",
        title_en: "Graphene flexible pressure sensor",
        summary: "灵敏度高，可用于可穿戴设备。",
        field: "electronic_information",
        keywords: ["石墨烯", "传感器"],
        trl: 4,
        modes: [["nonexclusive_license", 200_000]],
        ip: [["utility_model", "ZL202220654321.X"]],
        listedDaysAgo: 10,
      },
      now,
    ),
    rice: await insertResult(
      db,
      {
        institutionId: agri,
        title: "水稻抗病育种技术",
        summary: "培育抗稻瘟病新品种，亩产提高8%。",
        field: "modern_agriculture",
        trl: 8,
        modes: [
          ["service", 50_000],
          ["development", null],
        ],
        ip: [["plant_variety", "CNA20231234.5"]],
        voucher: true,
        listedDaysAgo: 20,
      },
      now,
    ),
    vision: await insertResult(
      db,
      {
        institutionId: hkust,
        title: "工业机器人视觉检测系统",
        title_en: "Machine vision inspection system for industrial robots",
        summary: "基于深度学习的缺陷检测，准确率99.2%。",
        field: "advanced_manufacturing",
        trl: 7,
        modes: [
          ["assignment", 800_000],
          ["equity", null],
        ],
        ip: [["software_copyright", "2023SR0123456"]],
        listedDaysAgo: 2,
      },
      now,
    ),
    recycling: await insertResult(
      db,
      {
        institutionId: lab,
        title: "废旧锂电池回收再利用工艺",
        summary: "从废旧电池中回收钴镍锂，回收率大于95%。",
        field: "resources_environment",
        trl: 5,
        modes: [["assignment", 300_000]],
        listedDaysAgo: 30,
      },
      now,
    ),
    summaryOnly: await insertResult(
      db,
      {
        institutionId: agri,
        title: "农用无人机植保作业平台",
        summary: "采用高能量密度电池，续航时间提升一倍。",
        field: "modern_agriculture",
        trl: 6,
        modes: [["assignment", 1_200_000]],
        listedDaysAgo: 40,
      },
      now,
    ),
    bms: await insertResult(
      db,
      {
        institutionId: hkust,
        title: "电动汽车电池管理系统",
        title_en: "Battery management system for electric vehicles",
        summary: "精确估算电池荷电状态。",
        field: "new_energy",
        trl: 7,
        modes: [["exclusive_license", null]],
        stateFunded: true,
        listedDaysAgo: 100,
      },
      now,
    ),
    straddle: await insertResult(
      db,
      {
        institutionId: lab,
        title: "高温合金精密铸造技术",
        summary: "航空发动机叶片用高温合金。",
        field: "aerospace",
        trl: 6,
        modes: [
          ["assignment", 5_000_000],
          ["service", 50_000],
        ],
        listedDaysAgo: 60,
      },
      now,
    ),
    // Not public: a draft, a stale listing (unconfirmed for 200 days) and a reserved one.
    draft: await insertResult(db, { institutionId: hkust, title: "锂离子电池隔膜（草稿）", status: "draft", field: "new_energy" }, now),
    stale: await insertResult(
      db,
      { institutionId: hkust, title: "锂离子电池电解液添加剂", field: "new_energy", listedDaysAgo: 400, confirmedDaysAgo: 200 },
      now,
    ),
    reserved: await insertResult(
      db,
      { institutionId: lab, title: "锂离子电池负极硅碳材料", field: "new_energy", status: "reserved", listedDaysAgo: 3 },
      now,
    ),
  };
  return { ids, institutions: { hkust, lab, agri } };
}

/** Public listings in the fixture catalogue. */
export const PUBLIC_KEYS = ["cathode", "sensor", "rice", "vision", "recycling", "summaryOnly", "bms", "straddle"] as const;
