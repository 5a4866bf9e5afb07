import type { Kysely } from "kysely";
import type { DB, OrganisationKind } from "../schema";
import type { Rng } from "./random";

/** A day in milliseconds, for dating the seeded history. */
export const DAY = 86_400_000;

/** One demo account per role; all share DEMO_PASSWORD. */
export interface DemoLogin {
  role: OrganisationKind;
  email: string;
  password: string;
  displayName: string;
  organisation: string;
  userId: number;
  organisationId: number;
}

/**
 * Ids produced by earlier steps, for later ones (vouchers, orders, contracts). A step may also just query the
 * database; these save it the trouble. Arrays are in insertion order, so the same run always yields the same order.
 */
export interface SeedRefs {
  bureauOrganisationId: number;
  operatorOrganisationId: number;
  institutionIds: number[];
  enterpriseIds: number[];
  /** users of each organisation (the demo user first where there is one) */
  usersByOrganisation: Map<number, number[]>;
  demo: Partial<Record<OrganisationKind, DemoLogin>>;
  /** technology results by status */
  resultIds: { listed: number[]; other: number[] };
}

export interface SeedContext {
  /** The root handle, not a transaction: a step opens its own transactions (one per batch or per step). */
  db: Kysely<DB>;
  /** Reference time; every seeded timestamp lies before it. */
  now: Date;
  /** This step's own deterministic random stream. */
  rng: Rng;
  /** argon2id hash of DEMO_PASSWORD, computed once: reuse it for every seeded user (hashing is deliberately slow). */
  passwordHash: string;
  refs: SeedRefs;
  /** Reports progress within the step, in the step's own units (rows); call it with (total, total) at the end. */
  progress(done: number, total: number): void;
}

/** What a step inserted, e.g. { results: 2460, listed: 2300 }; merged into the seed summary. */
export type SeedCounts = Record<string, number>;

export interface SeedStep {
  /** Short stable name, shown in progress output and used to derive the step's random stream. */
  name: string;
  run(ctx: SeedContext): Promise<SeedCounts>;
}

export interface SeedSummary {
  elapsedMs: number;
  steps: { name: string; ms: number; counts: SeedCounts }[];
  /** All step counts merged (later steps win on a name clash, so name counts distinctly). */
  counts: SeedCounts;
  logins: DemoLogin[];
}
