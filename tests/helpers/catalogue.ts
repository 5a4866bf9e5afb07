import type { Kysely } from "kysely";
import type { DB, OrganisationKind } from "../../db/schema";
import { makeCreditCode } from "../../app/services/accounts/credit-code";
import type { SessionUser } from "../../app/services/accounts/types";
import type { ResultInput } from "../../app/services/catalogue/listing-input";

// Fixtures for the catalogue tests: organisations with one user each, and a valid result.

let serial = 0;

/** An organisation of the given kind with one user; returns that user as a SessionUser. */
export async function makeMember(db: Kysely<DB>, kind: OrganisationKind, name?: string): Promise<SessionUser> {
  serial++;
  const orgName = name ?? `${kind}-${serial}-${Math.random().toString(36).slice(2, 8)}`;
  const body = String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
  const org = await db
    .insertInto("organisations")
    .values({
      kind,
      institution_type: kind === "institution" ? "university" : null,
      name: orgName,
      credit_code: kind === "enterprise" || kind === "institution" ? makeCreditCode(kind === "enterprise" ? "91" : "12", "410300", body) : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const email = `u${serial}-${Math.random().toString(36).slice(2, 8)}@test.example`;
  const user = await db
    .insertInto("users")
    .values({ organisation_id: org.id, email, display_name: `用户${serial}`, password_hash: "not-a-hash" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: user.id, email, displayName: `用户${serial}`, organisationId: org.id, organisationName: orgName, role: kind, isOrgAdmin: true, mustChangePassword: false };
}

export function sampleInput(overrides: Partial<ResultInput> = {}): ResultInput {
  return {
    title: "耐高温陶瓷基复合材料制备技术",
    title_en: "High-temperature ceramic matrix composites",
    summary: "1500℃ 长时服役，密度仅为高温合金的三分之一。",
    description: "## 指标\n- 弯曲强度 ≥ 400 MPa",
    field: "new_materials",
    keywords: ["陶瓷基复合材料", "耐高温"],
    trl: 5,
    ip: [{ type: "invention_patent", number: "ZL201910123456.1", status: "granted" }],
    modes: [
      { mode: "assignment", price_fen: 50_000_000 },
      { mode: "nonexclusive_license", price_fen: 8_000_000 },
    ],
    inventors: ["张伟"],
    region: "jianxi",
    state_funded: false,
    voucher_eligible: true,
    contact_name: "刘老师",
    contact_phone: "0379-64231234",
    contact_email: "tto@test.example",
    ...overrides,
  };
}

export async function auditRows(db: Kysely<DB>, resultId: number) {
  return db
    .selectFrom("audit_log")
    .select(["action", "actor_user_id", "detail"])
    .where("subject_type", "=", "technology_result")
    .where("subject_id", "=", String(resultId))
    .orderBy("id")
    .execute();
}

export async function outboxVersion(db: Kysely<DB>, resultId: number): Promise<number | null> {
  const row = await db.selectFrom("search_outbox").select("version").where("result_id", "=", resultId).executeTakeFirst();
  return row ? Number(row.version) : null;
}
