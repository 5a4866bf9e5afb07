import { STALE_AFTER_DAYS } from "../../app/services/catalogue/visibility";
import type { FieldCode, IpType, NewTechnologyResult, ResultStatus, TransferMode } from "../schema";
import { ipNumber, type IpStatus } from "./codes";
import { FIELD_TEMPLATES, TRL_STAGES, type FieldTemplate, type Topic } from "./data/fields";
import type { InstitutionSpec } from "./data/institutions";
import { chineseNames, mobilePhone } from "./data/people";
import type { Rng } from "./random";

// Builds the technology results as plain rows, without touching the database, so the generator is deterministic and
// testable on its own. The results step inserts what this returns.

export interface ResultInstitution {
  id: number;
  spec: InstitutionSpec;
  /** users who create its results; the first is the usual author */
  userIds: number[];
  contact: { name: string; phone: string; email: string };
}

export interface BuiltResult {
  row: Omit<NewTechnologyResult, "institution_id" | "created_by"> & { institution_id: number; created_by: number | null };
  ip: { type: IpType; number: string | null; status: IpStatus }[];
  modes: { mode: TransferMode; price_fen: number | null }[];
}

/** How many results of each status the demo market gets. Listed ones stay ≥ 2,000 after stale ones are left out. */
export const RESULT_STATUS_COUNTS: Record<Exclude<ResultStatus, "reserved" | "transferred">, number> = {
  listed: 2300,
  pending_review: 64,
  draft: 42,
  withdrawn: 28,
  rejected: 26,
};


const REJECTION_REASONS = [
  "技术指标缺少第三方检测报告或用户使用证明，请补充后重新提交。",
  "所列专利号与国家知识产权局公开信息不一致，请核实专利号及法律状态。",
  "成果为财政资金支持形成，协议定价需附定价依据或评估说明。",
  "成果描述过于笼统，缺少可量化的性能指标与对比数据。",
  "知识产权权利人与发布单位不一致，请提供权属证明或共有人同意转让的书面材料。",
  "技术成熟度与所附材料不符：未见中试或样机验证材料，请调整成熟度或补充材料。",
];

const IP_TYPE_ZH: Record<IpType, string> = {
  invention_patent: "发明专利",
  utility_model: "实用新型专利",
  design_patent: "外观设计专利",
  software_copyright: "计算机软件著作权",
  ic_layout: "集成电路布图设计",
  plant_variety: "植物新品种权",
  trade_secret: "技术秘密",
};

const IP_STATUS_ZH: Record<IpStatus, string> = {
  granted: "已授权",
  pending: "实质审查中",
  registered: "已登记",
  protected: "保密",
};

export const MODE_ZH: Record<TransferMode, string> = {
  assignment: "转让",
  exclusive_license: "独占许可",
  sole_license: "排他许可",
  nonexclusive_license: "普通许可",
  equity: "作价入股",
  development: "技术开发",
  service: "技术服务",
};

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------------------
// Titles

interface TitleChoice {
  topic: Topic;
  zh: string;
  en: string | null;
  subjectZh: string;
}

const split = (pair: string): [string, string] => {
  const i = pair.indexOf("|");
  if (i < 0) throw new Error(`"${pair}" needs a "zh|en" pair`);
  return [pair.slice(0, i), pair.slice(i + 1)];
};

function englishTitle(q: string, s: string, f: string): string {
  const text = f.includes("{}") ? f.replace("{}", `${q} ${s}`) : `${q} ${s} ${f}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Every qualifier × subject × form of a field's topics. */
export function titleCombinations(template: FieldTemplate): TitleChoice[] {
  const out: TitleChoice[] = [];
  for (const topic of template.topics) {
    for (const q of topic.qualifiers) {
      for (const s of topic.subjects) {
        for (const f of topic.forms) {
          const [qz, qe] = split(q);
          const [sz, se] = split(s);
          const [fz, fe] = split(f);
          out.push({ topic, zh: qz + sz + fz, en: englishTitle(qe, se, fe), subjectZh: sz });
        }
      }
    }
  }
  return out;
}

/**
 * `count` distinct titles for a field. Mostly plain combinations; some (and all once those run out) name the
 * application, patent style: 面向风力发电机组的高精度风电主轴轴承设计与制造技术. Those carry no English title.
 */
function pickTitles(rng: Rng, template: FieldTemplate, count: number, taken: Set<string>): TitleChoice[] {
  const plain = rng.shuffle(titleCombinations(template));
  const targeted = rng.shuffle(
    plain.flatMap((c) => c.topic.applications.map((app) => ({ ...c, zh: `面向${app}的${c.zh}`, en: null }))),
  );
  const chosen: TitleChoice[] = [];
  let p = 0;
  let t = 0;
  while (chosen.length < count) {
    const useTargeted = p >= plain.length || rng.chance(0.15);
    const next = useTargeted ? targeted[t++] : plain[p++];
    if (!next) throw new Error(`not enough distinct titles for ${template.field}: need ${count}`);
    if (taken.has(next.zh)) continue;
    taken.add(next.zh);
    chosen.push(next);
  }
  return chosen;
}

// ---------------------------------------------------------------------------------------------------------------
// Text

/** Replaces each {min-max} with a value in range; the decimals written in the range are the decimals shown. */
export function fillRanges(rng: Rng, template: string): string {
  return template.replace(/\{(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)\}/g, (_m, a: string, b: string) => {
    const decimals = Math.max(a.split(".")[1]?.length ?? 0, b.split(".")[1]?.length ?? 0);
    const min = Number(a);
    const max = Number(b);
    if (decimals > 0) return (min + rng.next() * (max - min)).toFixed(decimals);
    let value = rng.int(min, max);
    // Large counts read as measured or rounded figures, not as random digits.
    if (max >= 10_000) value = Math.round(value / 100) * 100;
    else if (max >= 1_000) value = Math.round(value / 10) * 10;
    return String(value);
  });
}

function leadTitle(rng: Rng, spec: InstitutionSpec): string {
  return spec.type === "university" ? rng.weighted([["教授", 6], ["副教授", 3], ["研究员", 1]]) : rng.weighted([["研究员", 5], ["正高级工程师", 3], ["高级工程师", 2]]);
}

function caseSentence(rng: Rng, trl: number): string {
  if (trl >= 8) return `已在 ${rng.int(3, 25)} 家企业推广应用，累计新增产值约 ${rng.int(12, 480) * 100} 万元。`;
  if (trl === 7) return `已在 ${rng.int(1, 4)} 家企业完成示范应用，运行稳定。`;
  if (trl >= 4) return `已完成 ${rng.int(1, 4)} 批次${trl >= 6 ? "中试" : "小试"}验证，正在寻找产业化合作伙伴。`;
  return "目前处于实验室研究阶段，欢迎有意向的企业联合开发、共同推进中试。";
}

// ---------------------------------------------------------------------------------------------------------------
// Modes and prices (integer fen)

/** Rounds a yuan amount to a figure a person would quote: ¥38,000, ¥260,000, ¥1,250,000. */
export function roundYuan(yuan: number): number {
  const step = yuan < 100_000 ? 1_000 : yuan < 1_000_000 ? 10_000 : 50_000;
  return Math.max(step, Math.round(yuan / step) * step);
}

const NEGOTIABLE_CHANCE: Record<TransferMode, number> = {
  assignment: 0.15,
  exclusive_license: 0.2,
  sole_license: 0.25,
  nonexclusive_license: 0.15,
  equity: 0.5,
  development: 0.35,
  service: 0.2,
};

function modePrice(rng: Rng, mode: TransferMode, base: number, trl: number): number | null {
  if (rng.chance(NEGOTIABLE_CHANCE[mode])) return null;
  const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
  let yuan: number;
  switch (mode) {
    case "assignment":
      yuan = clamp(base, 50_000, 5_000_000);
      break;
    case "exclusive_license":
      yuan = clamp(base * rng.float(0.55, 0.8), 50_000, 5_000_000);
      break;
    case "sole_license":
      yuan = clamp(base * rng.float(0.35, 0.55), 50_000, 5_000_000);
      break;
    case "nonexclusive_license":
      yuan = clamp(base * rng.float(0.12, 0.3), 50_000, 5_000_000);
      break;
    case "equity":
      yuan = clamp(base * rng.float(1.5, 3), 200_000, 5_000_000);
      break;
    case "development":
      yuan = clamp(rng.float(100_000, 1_500_000) * (trl <= 3 ? 1.2 : 0.8), 50_000, 3_000_000);
      break;
    case "service":
      yuan = rng.float(20_000, 300_000);
      break;
  }
  return roundYuan(yuan) * 100;
}

const GENERAL_MODE_SETS: [TransferMode[], number][] = [
  [["assignment"], 14],
  [["assignment", "exclusive_license"], 10],
  [["assignment", "nonexclusive_license"], 10],
  [["exclusive_license", "sole_license", "nonexclusive_license"], 7],
  [["nonexclusive_license"], 7],
  [["assignment", "equity"], 6],
  [["equity"], 3],
  [["development"], 4],
  [["assignment", "development"], 6],
  [["nonexclusive_license", "service"], 5],
  [["assignment", "exclusive_license", "nonexclusive_license", "development"], 4],
  [["assignment", "service"], 4],
];

const SERVICE_MODE_SETS: [TransferMode[], number][] = [
  [["service"], 10],
  [["service", "development"], 6],
  [["nonexclusive_license", "service"], 6],
  [["development"], 2],
];

const SOFTWARE_MODE_SETS: [TransferMode[], number][] = [
  [["nonexclusive_license", "service"], 10],
  [["nonexclusive_license"], 5],
  [["assignment", "nonexclusive_license"], 5],
  [["development", "service"], 4],
  [["exclusive_license", "nonexclusive_license"], 3],
];

function chooseModes(rng: Rng, field: FieldCode, hasSoftware: boolean, trl: number): TransferMode[] {
  const sets = field === "hightech_services" ? SERVICE_MODE_SETS : hasSoftware && rng.chance(0.6) ? SOFTWARE_MODE_SETS : GENERAL_MODE_SETS;
  const modes = new Set(rng.weighted(sets));
  // Early-stage results are usually offered for joint development too.
  if (trl <= 3 && rng.chance(0.5)) modes.add("development");
  return [...modes];
}

// ---------------------------------------------------------------------------------------------------------------
// IP items

function ipStatusFor(rng: Rng, type: IpType): IpStatus {
  switch (type) {
    case "invention_patent":
      return rng.chance(0.75) ? "granted" : "pending";
    case "plant_variety":
      return rng.chance(0.8) ? "granted" : "pending";
    case "software_copyright":
    case "ic_layout":
      return "registered";
    case "trade_secret":
      return "protected";
    default:
      return "granted";
  }
}

function buildIp(rng: Rng, template: FieldTemplate, topic: Topic, used: Set<string>): BuiltResult["ip"] {
  const n = rng.weighted([[0, 7], [1, 45], [2, 32], [3, 16]] as const);
  const weights = topic.ip ?? template.ip;
  const items: BuiltResult["ip"] = [];
  for (let i = 0; i < n; i++) {
    const type = rng.weighted(weights);
    if (type === "trade_secret" && items.some((it) => it.type === "trade_secret")) continue;
    const status = ipStatusFor(rng, type);
    items.push({ type, number: ipNumber(rng, type, status, used), status });
  }
  return items;
}

// ---------------------------------------------------------------------------------------------------------------
// Timeline

interface Timeline {
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
  listed_at: Date | null;
  confirmed_at: Date | null;
}

/** A moment `days` whole days before the anchor's day, during Beijing office hours (01:00–10:00 UTC). */
function daysAgo(rng: Rng, anchorDay: number, days: number): Date {
  return new Date(anchorDay - days * DAY_MS + rng.int(3_600, 36_000) * 1000);
}

// Steps between events are whole days (at least one), so each event falls on a later day than the one before.
function timeline(rng: Rng, status: ResultStatus, anchorDay: number): Timeline {
  const at = (days: number) => daysAgo(rng, anchorDay, days);
  switch (status) {
    case "listed": {
      // Listed over the last two years, more of them recently.
      const listed = Math.max(2, Math.ceil(730 * Math.pow(rng.next(), 1.35)));
      const submitted = listed + rng.int(1, 12);
      const created = submitted + rng.int(1, 45);
      // Owners re-confirm every 180 days: most confirmed within the last 120 days, a few overdue (stale) ones so
      // the re-confirmation reminder has something to show.
      let confirmed = Math.min(listed, 1 + Math.floor(120 * Math.pow(rng.next(), 1.3)));
      if (listed > STALE_AFTER_DAYS + 10 && rng.chance(0.03)) confirmed = rng.int(STALE_AFTER_DAYS + 5, Math.min(listed, 300));
      const confirmedAt = at(confirmed);
      const listedAt = confirmed === listed ? confirmedAt : at(listed);
      return { created_at: at(created), submitted_at: at(submitted), listed_at: listedAt, confirmed_at: confirmedAt, updated_at: confirmedAt };
    }
    case "pending_review": {
      const submitted = rng.int(1, 20);
      const submittedAt = at(submitted);
      return { created_at: at(submitted + rng.int(1, 30)), submitted_at: submittedAt, listed_at: null, confirmed_at: null, updated_at: submittedAt };
    }
    case "draft": {
      const edited = rng.int(1, 40);
      return { created_at: at(edited + rng.int(1, 50)), submitted_at: null, listed_at: null, confirmed_at: null, updated_at: at(edited) };
    }
    case "withdrawn": {
      const listed = rng.int(90, 600);
      const withdrawn = rng.int(2, listed - 30);
      const listedAt = at(listed);
      return { created_at: at(listed + rng.int(5, 40)), submitted_at: at(listed + rng.int(1, 4)), listed_at: listedAt, confirmed_at: listedAt, updated_at: at(withdrawn) };
    }
    case "rejected": {
      const submitted = rng.int(8, 150);
      return { created_at: at(submitted + rng.int(1, 30)), submitted_at: at(submitted), listed_at: null, confirmed_at: null, updated_at: at(submitted - rng.int(1, 7)) };
    }
    default:
      throw new Error(`the foundation seed does not create ${status} results`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

const TRL_WEIGHTS: (readonly [number, number])[] = [[1, 3], [2, 5], [3, 9], [4, 12], [5, 15], [6, 17], [7, 15], [8, 13], [9, 11]];

/** Splits `total` in proportion to weights (largest remainders), so the counts are exact. */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (w / sum) * total);
  const counts = raw.map(Math.floor);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < total; k++) counts[order[k % order.length][1]]++;
  return counts;
}

export interface BuildResultsInput {
  rng: Rng;
  now: Date;
  institutions: ResultInstitution[];
  /** The demo researcher: authors most results of their institution and gets one of every status. */
  demoAuthor?: { institutionId: number; userId: number };
}

export function buildResults({ rng, now, institutions, demoAuthor }: BuildResultsInput): BuiltResult[] {
  if (institutions.length === 0) throw new Error("results need institutions");
  const anchorDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const total = Object.values(RESULT_STATUS_COUNTS).reduce((a, b) => a + b, 0);
  const perField = apportion(total, FIELD_TEMPLATES.map((t) => t.weight));

  // Statuses in random order; the demo researcher's institution is then given one of each non-listed status.
  const statuses = rng.shuffle(
    (Object.entries(RESULT_STATUS_COUNTS) as [ResultStatus, number][]).flatMap(([s, n]) => Array<ResultStatus>(n).fill(s)),
  );

  const takenTitles = new Set<string>();
  const usedNumbers = new Set<string>();
  const drafts: { template: FieldTemplate; title: TitleChoice; institution: ResultInstitution }[] = [];
  FIELD_TEMPLATES.forEach((template, i) => {
    const titles = pickTitles(rng, template, perField[i], takenTitles);
    const candidates = institutions.map((inst) => [inst, inst.spec.weight * (inst.spec.fields.includes(template.field) ? 1 : 0.04)] as const);
    for (const title of titles) drafts.push({ template, title, institution: rng.weighted(candidates) });
  });
  const ordered = rng.shuffle(drafts);

  if (demoAuthor) {
    const mine = ordered.map((d, i) => (d.institution.id === demoAuthor.institutionId ? i : -1)).filter((i) => i >= 0);
    const wanted: ResultStatus[] = ["pending_review", "draft", "withdrawn", "rejected"];
    wanted.forEach((status, k) => {
      const slot = mine[k];
      if (slot === undefined || statuses[slot] === status) return;
      const from = statuses.findIndex((s, i) => s === status && !mine.includes(i));
      if (from >= 0) [statuses[slot], statuses[from]] = [statuses[from], statuses[slot]];
    });
  }

  return ordered.map(({ template, title, institution }, index) => {
    const status = statuses[index];
    const topic = title.topic;
    const trl = template.field === "hightech_services" ? rng.int(6, 9) : rng.weighted(TRL_WEIGHTS);
    const spec = institution.spec;
    const inventors = chineseNames(rng, rng.int(2, 5));
    const leadRank = leadTitle(rng, spec);
    const metrics = rng.sample(topic.metrics, rng.int(3, 5)).map((m) => fillRanges(rng, m));
    const applications = rng.sample(topic.applications, rng.int(2, 4));
    const problem = rng.pick(topic.problems);
    const approach = rng.pick(topic.approaches);
    const ip = buildIp(rng, template, topic, usedNumbers);
    const modeList = chooseModes(rng, template.field, ip.some((it) => it.type === "software_copyright"), trl);
    // One base value per result, growing with maturity, so its modes are priced consistently.
    const base = 80_000 * Math.pow(1.42, trl - 1) * rng.float(0.55, 2.2) * (rng.chance(0.05) ? 2 : 1);
    const modes = modeList.map((mode) => ({ mode, price_fen: modePrice(rng, mode, base, trl) }));
    const stateFunded = rng.chance(0.75);
    const voucherEligible = rng.chance(0.6);
    const keywords = [...new Set([...rng.sample(topic.keywords, rng.int(3, 5)), ...(rng.chance(0.5) ? [title.subjectZh] : [])])];

    const summary = `${approach}，${metrics[0]}，${metrics[1]}，可用于${applications.slice(0, 2).join("、")}等领域。`;
    const ipLines = ip.length
      ? ip.map((it) => `- ${IP_TYPE_ZH[it.type]}${it.number ? `：${it.number}` : ""}（${IP_STATUS_ZH[it.status]}）`)
      : ["- 暂未申请专利，核心工艺以技术资料形式交付。"];
    const cooperation = [
      `可采用${modeList.map((m) => MODE_ZH[m]).join("、")}方式合作，价格见各合作方式报价（面议的请在线询价）。`,
      stateFunded ? "本成果由财政资金支持形成，协议定价成交前将按规定公示 15 日。" : "",
      voucherEligible ? "符合洛阳市科技创新券支持范围，企业可用创新券抵扣部分费用。" : "",
      `成果团队可提供 ${rng.int(3, 12)} 个月技术指导与人员培训。`,
    ].filter(Boolean);
    const description = [
      "## 成果简介",
      `针对${problem}的问题，${spec.name}${inventors[0]}${leadRank}团队${approach}，形成本项成果。`,
      "",
      "## 主要技术指标",
      ...metrics.map((m) => `- ${m}`),
      "",
      "## 应用领域",
      `${applications.join("、")}。${caseSentence(rng, trl)}`,
      "",
      "## 知识产权",
      ...ipLines,
      "",
      "## 技术成熟度",
      `TRL ${trl}（${TRL_STAGES[trl].stage}）：${TRL_STAGES[trl].evidence}。`,
      "",
      "## 合作方式",
      ...cooperation,
      "",
      "## 团队",
      `负责人：${inventors[0]}（${leadRank}）；主要成员：${inventors.slice(1).join("、")}。`,
    ].join("\n");

    const useOffice = rng.chance(0.65);
    const contact = useOffice
      ? institution.contact
      : { name: inventors[0], phone: mobilePhone(rng), email: institution.contact.email };
    // The demo researcher owns every non-listed result of their institution, so "my results" shows each status.
    const author =
      demoAuthor && institution.id === demoAuthor.institutionId && (status !== "listed" || rng.chance(0.75))
        ? demoAuthor.userId
        : institution.userIds.length
          ? rng.pick(institution.userIds)
          : null;
    const times = timeline(rng, status, anchorDay);

    return {
      row: {
        institution_id: institution.id,
        title: title.zh,
        title_en: title.en && rng.chance(0.7) ? title.en : null,
        summary,
        description,
        field: template.field,
        keywords,
        trl,
        region: spec.region,
        state_funded: stateFunded,
        voucher_eligible: voucherEligible,
        inventors,
        contact_name: contact.name,
        contact_phone: contact.phone,
        contact_email: contact.email,
        status,
        rejection_reason: status === "rejected" ? rng.pick(REJECTION_REASONS) : null,
        created_by: author,
        ...times,
      },
      ip,
      modes,
    };
  });
}
