import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import { listPublicFromDatabase, type DatabaseListingRow } from "~/services/catalogue/listings";

/**
 * The newest results on the storefront (listed and not stale) and how many there are, straight from the database: the
 * home page and the big screen show exactly what search shows, by the one rule in services/catalogue/visibility.ts.
 */
export function newestPublicResults(db: Kysely<DB>, limit: number, now: Date = new Date()): Promise<{ rows: DatabaseListingRow[]; total: number }> {
  return listPublicFromDatabase(
    db,
    {
      text: "",
      identifiers: [],
      fields: [],
      mode: null,
      trlMin: null,
      trlMax: null,
      priceMinFen: null,
      priceMaxFen: null,
      institutionId: null,
      institutionName: null,
      region: null,
      ipTypes: [],
      voucher: false,
    },
    { offset: 0, limit },
    now,
  );
}
