import { type Kysely, sql } from "kysely";

// Foundation: organisations, users, sessions, login throttling, audit log, and the technology result catalogue.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table organisations (
      id bigint generated always as identity primary key,
      kind text not null check (kind in ('enterprise', 'institution', 'bureau', 'operator')),
      institution_type text check (institution_type in ('university', 'institute')),
      name text not null check (length(trim(name)) > 0),
      name_en text,
      credit_code char(18) unique,
      region text,
      created_at timestamptz not null default now(),
      check ((kind = 'institution') = (institution_type is not null)),
      check (kind not in ('enterprise', 'institution') or credit_code is not null)
    );

    create table users (
      id bigint generated always as identity primary key,
      organisation_id bigint not null references organisations(id),
      email text not null check (email = lower(email)),
      display_name text not null,
      password_hash text not null,
      created_at timestamptz not null default now()
    );
    create unique index users_email_key on users (email);
    create index users_organisation_idx on users (organisation_id);

    -- The cookie carries a random token; only its SHA-256 is stored, so a leaked table cannot be replayed.
    create table sessions (
      id text primary key,
      user_id bigint not null references users(id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      user_agent text
    );
    create index sessions_user_idx on sessions (user_id);

    create table login_attempts (
      id bigint generated always as identity primary key,
      email text not null,
      ip text not null,
      succeeded boolean not null,
      attempted_at timestamptz not null default now()
    );
    create index login_attempts_email_idx on login_attempts (email, attempted_at);
    create index login_attempts_ip_idx on login_attempts (ip, attempted_at);

    create table audit_log (
      id bigint generated always as identity primary key,
      actor_user_id bigint references users(id),
      action text not null,
      subject_type text not null,
      subject_id text not null,
      detail jsonb not null default '{}',
      created_at timestamptz not null default now()
    );
    create index audit_log_subject_idx on audit_log (subject_type, subject_id);

    create table technology_results (
      id bigint generated always as identity primary key,
      institution_id bigint not null references organisations(id),
      title text not null check (length(trim(title)) > 0),
      title_en text,
      summary text not null,
      description text not null default '',
      field text not null check (field in ('electronic_information', 'biomedicine', 'aerospace', 'new_materials',
        'hightech_services', 'new_energy', 'resources_environment', 'advanced_manufacturing', 'modern_agriculture',
        'urban_social')),
      keywords text[] not null default '{}',
      trl smallint not null check (trl between 1 and 9),
      region text,
      state_funded boolean not null default false,
      voucher_eligible boolean not null default false,
      inventors text[] not null default '{}',
      contact_name text,
      contact_phone text,
      contact_email text,
      status text not null default 'draft' check (status in ('draft', 'pending_review', 'listed', 'reserved',
        'transferred', 'withdrawn', 'rejected')),
      rejection_reason text,
      created_by bigint references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      submitted_at timestamptz,
      listed_at timestamptz,
      confirmed_at timestamptz,
      transferred_at timestamptz,
      check (status <> 'rejected' or rejection_reason is not null),
      check (status not in ('listed', 'reserved', 'transferred') or listed_at is not null)
    );
    create index technology_results_status_listed_idx on technology_results (status, listed_at desc);
    create index technology_results_institution_idx on technology_results (institution_id);

    create table result_ip_items (
      id bigint generated always as identity primary key,
      result_id bigint not null references technology_results(id) on delete cascade,
      type text not null check (type in ('invention_patent', 'utility_model', 'design_patent', 'software_copyright',
        'ic_layout', 'plant_variety', 'trade_secret')),
      number text,
      status text not null
    );
    create index result_ip_items_result_idx on result_ip_items (result_id);
    create index result_ip_items_number_idx on result_ip_items (number);

    -- price_fen null means negotiable (面议).
    create table result_modes (
      result_id bigint not null references technology_results(id) on delete cascade,
      mode text not null check (mode in ('assignment', 'exclusive_license', 'sole_license', 'nonexclusive_license',
        'equity', 'development', 'service')),
      price_fen bigint check (price_fen > 0),
      primary key (result_id, mode)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table result_modes, result_ip_items, technology_results, audit_log, login_attempts, sessions, users,
      organisations;
  `.execute(db);
}
