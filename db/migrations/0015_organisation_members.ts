import { type Kysely, sql } from "kysely";

// An organisation's people (docs/decisions/0016): its administrators add colleagues with a first password they must
// change, switch accounts off and on, and pass the role on. An organisation that has working accounts always keeps a
// working administrator; the database holds that, under the organisation's row lock, so two administrators demoting
// each other at the same moment cannot both succeed. Its first user becomes its administrator by the same rule.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table users
      add column is_org_admin boolean not null default false,
      add column must_change_password boolean not null default false,
      add column disabled_at timestamptz,
      add column password_changed_at timestamptz,
      add column last_login_at timestamptz;

    update users set is_org_admin = true
     where id in (select min(id) from users group by organisation_id);

    create function users_first_is_admin() returns trigger language plpgsql as $$
    begin
      if not new.is_org_admin and new.disabled_at is null and not exists (
        select 1 from users where organisation_id = new.organisation_id and is_org_admin and disabled_at is null) then
        new.is_org_admin := true;
      end if;
      return new;
    end $$;
    create trigger users_first_is_admin before insert on users for each row execute function users_first_is_admin();

    create function users_keep_an_admin() returns trigger language plpgsql as $$
    begin
      perform 1 from organisations where id = old.organisation_id for no key update;
      if exists (select 1 from users where organisation_id = old.organisation_id and disabled_at is null)
         and not exists (select 1 from users where organisation_id = old.organisation_id and disabled_at is null and is_org_admin) then
        raise exception 'organisation % would be left without an administrator', old.organisation_id
          using errcode = 'AC001', table = 'users';
      end if;
      return null;
    end $$;
    create trigger users_keep_an_admin after update of is_org_admin, disabled_at, organisation_id on users
      for each row when (old.is_org_admin and old.disabled_at is null
                         and (not new.is_org_admin or new.disabled_at is not null or new.organisation_id <> old.organisation_id))
      execute function users_keep_an_admin();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger users_keep_an_admin on users;
    drop function users_keep_an_admin;
    drop trigger users_first_is_admin on users;
    drop function users_first_is_admin;
    alter table users drop column is_org_admin, drop column must_change_password, drop column disabled_at,
      drop column password_changed_at, drop column last_login_at;
  `.execute(db);
}
