import { DAY, type SeedStep } from "./types";

/** Branches of the banks institutions in Luoyang bank with. */
const BRANCHES = [
  "中国工商银行洛阳涧西支行",
  "中国建设银行洛阳分行营业部",
  "中国农业银行洛阳洛龙支行",
  "中国银行洛阳高新技术开发区支行",
  "交通银行洛阳西工支行",
  "洛阳银行开元支行",
] as const;

/**
 * 收款账户: most institutions have recorded where they are paid, long ago; one changed its account last week (the
 * payers see a notice), and two have none yet (the payout and reimbursement pages say so).
 */
export const payeesStep: SeedStep = {
  name: "payees",
  async run({ db, rng, refs, now, progress }) {
    const institutions = await db
      .selectFrom("organisations")
      .select(["id", "name"])
      .where("id", "in", refs.institutionIds.length > 0 ? refs.institutionIds : [0])
      .orderBy("id")
      .execute();
    const demo = refs.demo.institution?.organisationId;
    const without = new Set(rng.sample(institutions.filter((i) => i.id !== demo).map((i) => i.id), 2));
    const changed = rng.pick(institutions.filter((i) => i.id !== demo && !without.has(i.id))).id;
    let payees = 0;
    progress(0, institutions.length);
    for (const [i, institution] of institutions.entries()) {
      progress(i + 1, institutions.length);
      const admin = refs.usersByOrganisation.get(institution.id)?.[0];
      if (without.has(institution.id) || admin === undefined) continue;
      const digits = Array.from({ length: 19 }, () => rng.int(0, 9)).join("");
      await db
        .insertInto("payee_accounts")
        .values({
          organisation_id: institution.id,
          account_name: institution.name,
          bank_name: rng.pick(BRANCHES),
          account_number: `4105${digits.slice(4)}`,
          updated_by: admin,
          updated_at: new Date(now.getTime() - (institution.id === changed ? 6 : rng.int(220, 400)) * DAY),
        })
        .execute();
      payees += 1;
    }
    return { payees, payeesMissing: without.size, payeesChangedLately: 1 };
  },
};
