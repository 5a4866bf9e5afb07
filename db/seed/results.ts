import { chunk } from "./batches";
import { buildResults, type ResultInstitution } from "./build-results";
import { INSTITUTIONS } from "./data/institutions";
import { chineseName, landline } from "./data/people";
import type { SeedStep } from "./types";

/**
 * Technology results with their IP items and priced transfer modes: ≥ 2,000 listed across the ten fields, plus
 * drafts, submissions awaiting review, withdrawn and rejected ones. One transaction per batch.
 */
export const resultsStep: SeedStep = {
  name: "results",
  async run({ db, rng, now, refs, progress }) {
    if (refs.institutionIds.length !== INSTITUTIONS.length) throw new Error("the results step runs after the organisations step");
    const institutions: ResultInstitution[] = INSTITUTIONS.map((spec, i) => {
      const id = refs.institutionIds[i];
      // Each institution's technology transfer office answers for most of its listings.
      return {
        id,
        spec,
        userIds: refs.usersByOrganisation.get(id) ?? [],
        contact: { name: chineseName(rng), phone: landline(rng, spec.phoneArea), email: `tto.${spec.slug}@seed.invalid` },
      };
    });
    const demo = refs.demo.institution;
    const built = buildResults({
      rng,
      now,
      institutions,
      demoAuthor: demo ? { institutionId: demo.organisationId, userId: demo.userId } : undefined,
    });

    let done = 0;
    let ipItems = 0;
    let modes = 0;
    progress(0, built.length);
    for (const batch of chunk(built)) {
      await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto("technology_results")
          .values(batch.map((b) => b.row))
          .returning(["id", "title"])
          .execute();
        const ids = inserted.map((r, i) => {
          if (r.title !== batch[i].row.title) throw new Error(`result insert returned rows out of order at ${batch[i].row.title}`);
          return r.id;
        });
        const ipRows = batch.flatMap((b, i) => b.ip.map((it) => ({ result_id: ids[i], ...it })));
        const modeRows = batch.flatMap((b, i) => b.modes.map((m) => ({ result_id: ids[i], ...m })));
        for (const rows of chunk(ipRows, 500)) await trx.insertInto("result_ip_items").values(rows).execute();
        for (const rows of chunk(modeRows, 500)) await trx.insertInto("result_modes").values(rows).execute();
        ipItems += ipRows.length;
        modes += modeRows.length;
        batch.forEach((b, i) => (b.row.status === "listed" ? refs.resultIds.listed : refs.resultIds.other).push(ids[i]));
      });
      done += batch.length;
      progress(done, built.length);
    }
    return { results: built.length, listedResults: refs.resultIds.listed.length, ipItems, resultModes: modes };
  },
};
