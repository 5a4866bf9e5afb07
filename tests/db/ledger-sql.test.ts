import { sql } from "kysely";
import { expect, it } from "vitest";
import { accountCode, CHART, type AccountOwner } from "../../app/services/ledger";
import type { LedgerAccountPurpose } from "../../db/schema";
import { describeEachEngine } from "../helpers/db";

// order_settle (db/migrations/0006) finds and creates ledger accounts by code in SQL; the codes must be exactly the ones
// the application writes, or one account would exist twice under two codes.
const OWNERS: Record<AccountOwner["kind"], AccountOwner[]> = {
  platform: [{ kind: "platform" }, { kind: "platform", bucket: 0 }, { kind: "platform", bucket: 7 }],
  organisation: [{ kind: "organisation", organisationId: 42 }],
  programme: [{ kind: "programme", programmeId: 3, bureauId: 9 }],
  voucher: [{ kind: "voucher", voucherId: 17, programmeId: 3, enterpriseId: 5 }],
  programme_institution: [{ kind: "programme_institution", programmeId: 3, institutionId: 8 }],
};

function sqlArguments(owner: AccountOwner): [number | null, number | null, number | null, number | null] {
  switch (owner.kind) {
    case "platform":
      return [null, null, null, owner.bucket ?? null];
    case "organisation":
      return [owner.organisationId, null, null, null];
    case "programme":
      return [owner.bureauId, owner.programmeId, null, null];
    case "voucher":
      return [owner.enterpriseId, owner.programmeId, owner.voucherId, null];
    case "programme_institution":
      return [owner.institutionId, owner.programmeId, null, null];
  }
}

describeEachEngine("ledger accounts in SQL", (db) => {
  it("ledger_account_code writes every purpose's code exactly as accountCode does", async () => {
    const cases = (Object.keys(CHART) as LedgerAccountPurpose[]).flatMap((purpose) =>
      OWNERS[CHART[purpose].owner].map((owner) => ({ purpose, owner })),
    );
    expect(cases.length).toBeGreaterThanOrEqual(12);
    for (const { purpose, owner } of cases) {
      const [org, programme, voucher, bucket] = sqlArguments(owner);
      const { rows } = await sql<{ code: string }>`select ledger_account_code(${purpose}, ${org}::bigint, ${programme}::bigint,
        ${voucher}::bigint, ${bucket}::integer) as code`.execute(db());
      expect(rows[0].code, `${purpose} of ${JSON.stringify(owner)}`).toBe(accountCode(owner, purpose));
    }
  });

  it("ledger_post refuses an unbalanced transaction at commit, and a replayed key posts nothing", async () => {
    const accounts = await sql<{ id: number }>`select ledger_account_id(p, null, null, null, 3) as id
      from unnest(array['stripe_clearing', 'platform_fee_revenue']) as p`.execute(db());
    const [clearing, fee] = accounts.rows.map((r) => r.id);
    const post = (key: string, amounts: [number, number]) =>
      db()
        .transaction()
        .execute((trx) =>
          sql<{ id: number | null }>`select ledger_post('card_payment', ${key}, null, null, null, null, null, null, null,
            array[${clearing}, ${fee}]::bigint[], array[${amounts[0]}, ${amounts[1]}]::bigint[]) as id`.execute(trx),
        );
    await expect(post("sql-test:unbalanced", [100, -99])).rejects.toThrow(/does not balance/);
    const first = await post("sql-test:balanced", [100, -100]);
    expect(first.rows[0].id).toEqual(expect.any(Number));
    const again = await post("sql-test:balanced", [100, -100]);
    expect(again.rows[0].id).toBeNull();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ledger_transactions where idempotency_key like 'sql-test:%'`.execute(db());
    expect(rows[0].n).toBe(1);
  });
});
