import type { Insertable } from "kysely";
import type { OrganisationKind, UsersTable } from "../schema";
import { chunk } from "./batches";
import { DEMO_ENTERPRISE } from "./data/enterprises";
import { DEMO_INSTITUTION, INSTITUTIONS } from "./data/institutions";
import { chineseNames } from "./data/people";
import { BUREAU, OPERATOR, ORGANISATIONS_JOINED_DAYS_AGO } from "./organisations";
import { DAY, type DemoLogin, type SeedStep } from "./types";

/** The one password of every seeded account (≥ 10 characters, as sign-up requires). */
export const DEMO_PASSWORD = "demo12345!";

export const DEMO_ACCOUNTS: readonly { role: OrganisationKind; email: string; displayName: string }[] = [
  { role: "enterprise", email: "enterprise@demo.cn", displayName: "赵志强" },
  { role: "institution", email: "researcher@demo.cn", displayName: "李明远" },
  { role: "bureau", email: "bureau@demo.cn", displayName: "陈静" },
  { role: "operator", email: "operator@demo.cn", displayName: "刘洋" },
];

/** Share of the other enterprises that have a user account. */
const ENTERPRISE_USER_SHARE = 0.4;

/**
 * Demo accounts first, then one user per institution (two for the large ones), a share of the enterprises, and two
 * more bureau reviewers and an operator accountant. Everyone shares the demo password's hash, computed once.
 */
export const usersStep: SeedStep = {
  name: "users",
  async run({ db, rng, now, refs, passwordHash, progress }) {
    const demoInstitutionIndex = INSTITUTIONS.findIndex((i) => i.name === DEMO_INSTITUTION);
    const demoOrganisation: Record<OrganisationKind, { id: number; name: string }> = {
      enterprise: { id: refs.enterpriseIds[0], name: DEMO_ENTERPRISE.name },
      institution: { id: refs.institutionIds[demoInstitutionIndex], name: DEMO_INSTITUTION },
      bureau: { id: refs.bureauOrganisationId, name: BUREAU.name },
      operator: { id: refs.operatorOrganisationId, name: OPERATOR.name },
    };
    if (!demoOrganisation.enterprise.id || !demoOrganisation.institution.id) throw new Error("the users step runs after the organisations step");

    const rows: Insertable<UsersTable>[] = DEMO_ACCOUNTS.map((a) => ({
      organisation_id: demoOrganisation[a.role].id,
      email: a.email,
      display_name: a.displayName,
      password_hash: passwordHash,
    }));
    const others: number[] = [];
    INSTITUTIONS.forEach((spec, i) => {
      const extra = spec.weight >= 4 ? 2 : 1;
      for (let k = 0; k < extra; k++) others.push(refs.institutionIds[i]);
    });
    for (const id of refs.enterpriseIds.slice(1)) if (rng.chance(ENTERPRISE_USER_SHARE)) others.push(id);
    others.push(refs.bureauOrganisationId, refs.bureauOrganisationId, refs.operatorOrganisationId);
    const names = chineseNames(rng, others.length + DEMO_ACCOUNTS.length).filter((n) => !DEMO_ACCOUNTS.some((a) => a.displayName === n));
    others.forEach((organisationId, i) => {
      rows.push({
        organisation_id: organisationId,
        email: `user${String(i + 1).padStart(4, "0")}@seed.invalid`,
        display_name: names[i],
        password_hash: passwordHash,
      });
    });

    rows.forEach((row, i) => (row.created_at = new Date(now.getTime() - (ORGANISATIONS_JOINED_DAYS_AGO - 1 - (i % 30)) * DAY)));
    progress(0, rows.length);
    const ids: number[] = [];
    await db.transaction().execute(async (trx) => {
      for (const batch of chunk(rows)) {
        const inserted = await trx.insertInto("users").values(batch).returning(["id", "email"]).execute();
        inserted.forEach((r, i) => {
          if (r.email !== batch[i].email) throw new Error(`user insert returned rows out of order at ${batch[i].email}`);
          ids.push(r.id);
        });
        progress(ids.length, rows.length);
      }
    });

    rows.forEach((row, i) => {
      const list = refs.usersByOrganisation.get(row.organisation_id) ?? [];
      list.push(ids[i]);
      refs.usersByOrganisation.set(row.organisation_id, list);
    });
    DEMO_ACCOUNTS.forEach((a, i) => {
      const organisation = demoOrganisation[a.role];
      const login: DemoLogin = {
        role: a.role,
        email: a.email,
        password: DEMO_PASSWORD,
        displayName: a.displayName,
        organisation: organisation.name,
        userId: ids[i],
        organisationId: organisation.id,
      };
      refs.demo[a.role] = login;
    });
    return { users: rows.length };
  },
};
