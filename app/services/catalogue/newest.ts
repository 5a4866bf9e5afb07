import type { Kysely } from "kysely";
import { jsonArrayFrom } from "kysely/helpers/postgres";
import type { DB, FieldCode, TransferMode } from "../../../db/schema";

export interface ResultCard {
  id: number;
  title: string;
  title_en: string | null;
  summary: string;
  field: FieldCode;
  trl: number;
  voucher_eligible: boolean;
  institution: string;
  listed_at: string;
  modes: { mode: TransferMode; price_fen: number | null }[];
}

/** The newest results on the storefront (listed), for the home page. */
export async function newestListedResults(db: Kysely<DB>, limit: number): Promise<ResultCard[]> {
  const rows = await db
    .selectFrom("technology_results as r")
    .innerJoin("organisations as o", "o.id", "r.institution_id")
    .where("r.status", "=", "listed")
    .select((eb) => [
      "r.id",
      "r.title",
      "r.title_en",
      "r.summary",
      "r.field",
      "r.trl",
      "r.voucher_eligible",
      "o.name as institution",
      "r.listed_at",
      jsonArrayFrom(
        eb
          .selectFrom("result_modes as m")
          .whereRef("m.result_id", "=", "r.id")
          .select(["m.mode", "m.price_fen"])
          .orderBy("m.mode"),
      ).as("modes"),
    ])
    .orderBy("r.listed_at", "desc")
    .orderBy("r.id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...r,
    listed_at: (r.listed_at as Date).toISOString(),
    // json_agg turns bigint into a JSON number already; keep the type honest.
    modes: r.modes.map((m) => ({ mode: m.mode, price_fen: m.price_fen === null ? null : Number(m.price_fen) })),
  }));
}

export async function countListedResults(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom("technology_results")
    .where("status", "=", "listed")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return row.n;
}
