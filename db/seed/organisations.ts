import type { Region } from "../../app/services/accounts/regions";
import type { NewOrganisation } from "../schema";
import { chunk } from "./batches";
import { uniqueCreditCode } from "./codes";
import { COMPANY_FORMS, DEMO_ENTERPRISE, DISTRICTS, INDUSTRIES, TRADE_NAMES } from "./data/enterprises";
import { INSTITUTIONS } from "./data/institutions";
import { apportion } from "./build-results";
import type { Rng } from "./random";
import { DAY, type SeedStep } from "./types";

/** The newest organisation joined this many days before the seed's reference time; its users after that. */
export const ORGANISATIONS_JOINED_DAYS_AGO = 800;

/** Enterprises besides the demo one; ≥ 200 across Luoyang's districts and counties. */
export const ENTERPRISE_COUNT = 240;

export const BUREAU = { name: "洛阳市科学技术局", nameEn: "Luoyang Municipal Science and Technology Bureau", region: "luolong" as Region, area: "410300" };
export const OPERATOR = { name: "洛阳科技大市场运营有限公司", nameEn: "Luoyang Technology Market Operation Co., Ltd.", region: "gaoxin" as Region, area: "410300" };

export interface EnterpriseSpec {
  name: string;
  nameEn: string;
  region: Region;
  area: string;
}

/** Plausible, distinct firm names spread over the districts by weight, each district making what it is known for. */
export function buildEnterprises(rng: Rng, count: number): EnterpriseSpec[] {
  const perDistrict = apportion(count, DISTRICTS.map((d) => d.weight));
  const names = new Set<string>([DEMO_ENTERPRISE.name]);
  const out: EnterpriseSpec[] = [];
  DISTRICTS.forEach((district, i) => {
    let made = 0;
    for (let attempt = 0; made < perDistrict[i]; attempt++) {
      if (attempt > 10_000) throw new Error(`cannot make ${perDistrict[i]} distinct firm names in ${district.zh}`);
      const industry = INDUSTRIES[rng.pick(district.industries)];
      const [trade, tradeEn] = rng.pick(TRADE_NAMES);
      const form = rng.weighted(COMPANY_FORMS);
      const inCounty = district.county && rng.chance(0.45);
      const name = `${inCounty ? district.zh : "洛阳"}${trade}${industry.zh}${form}`;
      if (names.has(name)) continue;
      names.add(name);
      const place = inCounty ? district.en : "Luoyang";
      out.push({ name, nameEn: `${place} ${tradeEn} ${industry.en} Co., Ltd.`, region: district.region, area: district.area });
      made++;
    }
  });
  return rng.shuffle(out);
}

/** The bureau, the operator, the institutions (in INSTITUTIONS order), the demo enterprise, then the enterprises. */
export const organisationsStep: SeedStep = {
  name: "organisations",
  async run({ db, rng, now, refs, progress }) {
    const codes = new Set<string>();
    const enterprises = buildEnterprises(rng, ENTERPRISE_COUNT);
    const rows: NewOrganisation[] = [
      { kind: "bureau", name: BUREAU.name, name_en: BUREAU.nameEn, region: BUREAU.region, credit_code: uniqueCreditCode(rng, "government", BUREAU.area, codes) },
      { kind: "operator", name: OPERATOR.name, name_en: OPERATOR.nameEn, region: OPERATOR.region, credit_code: uniqueCreditCode(rng, "enterprise", OPERATOR.area, codes) },
      ...INSTITUTIONS.map((inst): NewOrganisation => ({
        kind: "institution",
        institution_type: inst.type,
        name: inst.name,
        name_en: inst.nameEn,
        region: inst.region,
        credit_code: uniqueCreditCode(rng, "public_institution", inst.area, codes),
      })),
      ...[{ ...DEMO_ENTERPRISE }, ...enterprises].map((e): NewOrganisation => ({
        kind: "enterprise",
        name: e.name,
        name_en: e.nameEn,
        region: e.region,
        credit_code: uniqueCreditCode(rng, "enterprise", e.area, codes),
      })),
    ];

    // On the market since before the oldest seeded listing (spread without the rng, so the rest of the seed stays as it was).
    rows.forEach((row, i) => (row.created_at = new Date(now.getTime() - (ORGANISATIONS_JOINED_DAYS_AGO + ((i * 37) % 400)) * DAY)));
    const ids: number[] = [];
    progress(0, rows.length);
    await db.transaction().execute(async (trx) => {
      for (const batch of chunk(rows)) {
        const inserted = await trx.insertInto("organisations").values(batch).returning(["id", "name"]).execute();
        inserted.forEach((r, i) => {
          // Rows come back in VALUES order; check rather than trust it, since ids are matched by position.
          if (r.name !== batch[i].name) throw new Error(`organisation insert returned rows out of order at ${batch[i].name}`);
          ids.push(r.id);
        });
        progress(ids.length, rows.length);
      }
    });

    const firstInstitution = 2;
    refs.bureauOrganisationId = ids[0];
    refs.operatorOrganisationId = ids[1];
    refs.institutionIds = ids.slice(firstInstitution, firstInstitution + INSTITUTIONS.length);
    refs.enterpriseIds = ids.slice(firstInstitution + INSTITUTIONS.length);
    return { organisations: rows.length, institutions: refs.institutionIds.length, enterprises: refs.enterpriseIds.length };
  },
};
