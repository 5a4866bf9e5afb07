import { type Kysely, sql } from "kysely";

// Log-in attempts older than the kept window are deleted by the server's sweeper; this index finds them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index login_attempts_attempted_idx on login_attempts (attempted_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index login_attempts_attempted_idx`.execute(db);
}
