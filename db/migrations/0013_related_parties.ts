import { type Kysely, sql } from "kysely";

// 关联关系: an enterprise and an institution the bureau has found related (a spin-off, a shareholding, people on both
// sides), or has looked into and found unrelated (relation 'none', with why). Vouchers may not pay for a purchase
// between related parties; a pair is recorded once, with who and why. Removing a record is an audit-logged delete:
// the audit log keeps the history.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table related_parties (
      id bigint generated always as identity primary key,
      enterprise_id bigint not null references organisations(id),
      institution_id bigint not null references organisations(id),
      relation text not null check (relation in ('spin_off', 'shareholding', 'shared_personnel', 'other', 'none')),
      note text check (note is null or (note = btrim(note) and length(note) between 1 and 200)),
      constraint related_parties_none_says_why check (relation <> 'none' or note is not null),
      recorded_by bigint not null references users(id),
      recorded_at timestamptz not null default now(),
      constraint related_parties_pair_key unique (enterprise_id, institution_id),
      constraint related_parties_two_sides check (enterprise_id <> institution_id)
    );
    create index related_parties_institution_idx on related_parties (institution_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table related_parties`.execute(db);
}
