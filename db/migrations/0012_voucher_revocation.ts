import { type Kysely, sql } from "kysely";

// The bureau may revoke a voucher (a fraud control: a related-party deal, a failed spot check). Its unused balance goes
// back to the programme at once, as at expiry, under its own ledger kind; money held by pending orders goes back when
// those orders close, and a revoked voucher never pays again. Revocation is final and says who, when and why.

// The voucher guard of 0004 (identity fixed, an expired voucher stays expired), kept as it was…
const GUARD_0004 = `
      if (new.id, new.serial, new.programme_id, new.enterprise_id, new.application_id, new.amount_fen, new.issued_at,
          new.expires_at) is distinct from (old.id, old.serial, old.programme_id, old.enterprise_id, old.application_id,
          old.amount_fen, old.issued_at, old.expires_at) then
        raise exception 'voucher %: only its status may change', old.serial using errcode = 'LG002';
      end if;
      if old.status = 'expired' and new.status <> 'expired' then
        raise exception 'voucher %: an expired voucher cannot be reactivated', old.serial using errcode = 'LG002';
      end if;`;

// …and what revocation adds: a revoked voucher never changes again, and its who, when and why are written only by
// the revocation itself.
const REVOCATION_GUARD = `
      if old.status = 'revoked' and new is distinct from old then
        raise exception 'voucher %: a revoked voucher cannot change', old.serial using errcode = 'LG002';
      end if;
      if (new.revoked_at, new.revoked_by, new.revocation_reason) is distinct from (old.revoked_at, old.revoked_by, old.revocation_reason)
         and not (old.status = 'active' and new.status = 'revoked') then
        raise exception 'voucher %: a revocation is recorded only when the voucher is revoked', old.serial using errcode = 'LG002';
      end if;`;

const guard = (rules: string) => `
    create or replace function vouchers_before_update() returns trigger language plpgsql as $$
    begin${rules}
      return new;
    end $$;`;

/** Each change to a function's text: the function's signature, the text as it is, the text as it becomes. */
const EDITS: [string, string, string][] = [
  [
    "ledger_transactions_rule_broken(ledger_transactions)",
    `'voucher_expiry', 'card_payment',`,
    `'voucher_expiry', 'voucher_revocation', 'card_payment',`,
  ],
  ["orders_rule_broken(orders)", `'cancelled',\n          'payment_failed')) then`, `'cancelled',\n          'payment_failed', 'voucher_revoked')) then`],
  // What came back to the programme from a revoked voucher is not used of the enterprise's cap, as after expiry.
  ["voucher_cap_used(bigint, bigint, timestamptz)", `case when w.status = 'expired' or`, `case when w.status in ('expired', 'revoked') or`],
];

async function edit(db: Kysely<unknown>, signature: string, from: string, to: string): Promise<void> {
  const { rows } = await sql<{ definition: string }>`select pg_get_functiondef(${signature}::regprocedure) as definition`.execute(db);
  const definition = rows[0].definition;
  if (!definition.includes(from)) throw new Error(`${signature} does not read as this migration expects`);
  await sql.raw(definition.replace(from, to)).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    alter table vouchers
      add column revoked_at timestamptz,
      add column revoked_by bigint references users(id),
      add column revocation_reason text,
      drop constraint vouchers_status_check,
      add constraint vouchers_status_check check (status in ('active', 'expired', 'revoked')),
      add constraint vouchers_revoked check ((status = 'revoked') = (revoked_at is not null and revocation_reason is not null)),
      add constraint vouchers_revocation_reason_check
        check (revocation_reason is null or length(btrim(revocation_reason)) between 1 and 200);
    ${guard(GUARD_0004 + REVOCATION_GUARD)}
  `).execute(db);
  for (const [signature, from, to] of EDITS) await edit(db, signature, from, to);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [signature, from, to] of EDITS) await edit(db, signature, to, from);
  await sql.raw(`
    ${guard(GUARD_0004)}
    alter table vouchers
      drop constraint vouchers_revocation_reason_check,
      drop constraint vouchers_revoked,
      drop constraint vouchers_status_check,
      add constraint vouchers_status_check check (status in ('active', 'expired')),
      drop column revocation_reason,
      drop column revoked_by,
      drop column revoked_at;
  `).execute(db);
}
