import type { Kysely } from "kysely";
import { hashPassword } from "../../app/services/accounts/passwords";
import type { DB } from "../schema";
import { createRng } from "./random";
import { SEED_STEPS } from "./steps";
import type { DemoLogin, SeedCounts, SeedRefs, SeedStep, SeedSummary } from "./types";
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from "./users";

export { SEED_STEPS } from "./steps";
export { DEMO_ACCOUNTS, DEMO_PASSWORD } from "./users";
export type { DemoLogin, SeedContext, SeedCounts, SeedRefs, SeedStep, SeedSummary } from "./types";

/** The seed of the demo data's random streams: change it and every run produces a different (still fixed) market. */
export const DEFAULT_SEED = 20_260_101;

export class SeedError extends Error {}

export interface SeedOptions {
  /** Progress within a step, in that step's units (rows); called with (total, total) when the step ends. */
  onProgress?(step: string, done: number, total: number): void;
  /** Reference time for every timestamp (default: now). Data is identical for the same seed and day. */
  now?: Date;
  seed?: number;
  /** Default: SEED_STEPS. Tests of later steps may run a prefix of the list. */
  steps?: readonly SeedStep[];
}

/** True when no organisation exists yet: the server and `npm run seed` only seed such a database. */
export async function isDatabaseEmpty(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom("organisations").select("id").limit(1).executeTakeFirst();
  return row === undefined;
}

/** Fills an empty database with the demo market and returns what it made, with the demo logins. */
export async function seedDemo(db: Kysely<DB>, options: SeedOptions = {}): Promise<SeedSummary> {
  const started = performance.now();
  if (!(await isDatabaseEmpty(db))) {
    throw new SeedError("the database already has organisations: the demo seed only fills an empty database");
  }
  const now = options.now ?? new Date();
  const seed = options.seed ?? DEFAULT_SEED;
  // argon2id is deliberately slow: hash once, share the hash among all seeded users.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const refs: SeedRefs = {
    bureauOrganisationId: 0,
    operatorOrganisationId: 0,
    institutionIds: [],
    enterpriseIds: [],
    usersByOrganisation: new Map(),
    demo: {},
    resultIds: { listed: [], other: [] },
  };

  const steps: SeedSummary["steps"] = [];
  const counts: SeedCounts = {};
  for (const step of options.steps ?? SEED_STEPS) {
    const stepStarted = performance.now();
    try {
      const stepCounts = await step.run({
        db,
        now,
        rng: createRng(`${seed}:${step.name}`),
        passwordHash,
        refs,
        progress: (done, total) => options.onProgress?.(step.name, done, total),
      });
      steps.push({ name: step.name, ms: Math.round(performance.now() - stepStarted), counts: stepCounts });
      Object.assign(counts, stepCounts);
    } catch (error) {
      const done = steps.map((s) => s.name).join(", ") || "none";
      throw new SeedError(
        `seed step "${step.name}" failed (${error instanceof Error ? error.message : String(error)}); steps completed: ${done}. ` +
          "Start again from an empty database (for the embedded one, delete DATA_DIR).",
        { cause: error },
      );
    }
  }

  const logins = DEMO_ACCOUNTS.flatMap((a): DemoLogin[] => (refs.demo[a.role] ? [refs.demo[a.role] as DemoLogin] : []));
  return { elapsedMs: Math.round(performance.now() - started), steps, counts, logins };
}
