import { type Kysely, sql } from "kysely";

// Innovation vouchers, reimbursement batches and the double-entry ledger (issue 4). The ledger's invariants live here,
// in the database, so no code path (a service bug, a script, psql) can break them; docs/decisions/0004 explains them.
//
// Sign convention, stated once: ledger_entries.amount is signed fen, debit positive and credit negative. An account's
// balance is in its normal side's terms: debit-normal balance = Σ amount, credit-normal balance = −Σ amount. So a
// positive balance is always "what the account holds", and "must not go negative" means balance >= 0.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table voucher_programmes (
      id bigint generated always as identity primary key,
      bureau_id bigint not null references organisations(id),
      name text not null check (length(trim(name)) between 1 and 100),
      year smallint not null check (year between 2000 and 2100),
      total_budget_fen bigint not null check (total_budget_fen > 0),
      coverage_bps integer not null check (coverage_bps between 1 and 10000),
      yearly_cap_fen bigint not null check (yearly_cap_fen > 0),
      voucher_amount_fen bigint not null check (voucher_amount_fen > 0),
      valid_from date not null,
      valid_to date not null,
      qualifying_modes text[] not null check (cardinality(qualifying_modes) > 0 and qualifying_modes <@ array['assignment',
        'exclusive_license', 'sole_license', 'nonexclusive_license', 'equity', 'development', 'service']::text[]),
      status text not null default 'open' check (status in ('open', 'closed')),
      created_by bigint references users(id),
      created_at timestamptz not null default now(),
      check (valid_to >= valid_from),
      check (voucher_amount_fen <= total_budget_fen and voucher_amount_fen <= yearly_cap_fen),
      unique (name, year)
    );

    create table voucher_applications (
      id bigint generated always as identity primary key,
      programme_id bigint not null references voucher_programmes(id),
      enterprise_id bigint not null references organisations(id),
      applicant_id bigint not null references users(id),
      purpose text not null check (length(trim(purpose)) between 1 and 500),
      contact_name text not null check (length(trim(contact_name)) between 1 and 50),
      contact_phone text not null check (contact_phone ~ '^[0-9+() -]{7,20}$'),
      status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'withdrawn')),
      decided_by bigint references users(id),
      decided_at timestamptz,
      decision_note text,
      created_at timestamptz not null default now(),
      check ((status = 'pending') = (decided_at is null)),
      check (status <> 'rejected' or length(trim(decision_note)) > 0)
    );
    -- One open application per enterprise and programme: a double click or a second tab cannot queue two.
    create unique index voucher_applications_one_pending on voucher_applications (programme_id, enterprise_id)
      where status = 'pending';
    create index voucher_applications_enterprise_idx on voucher_applications (enterprise_id, created_at desc);

    create table voucher_serial_counters (
      year smallint primary key,
      last_value integer not null check (last_value > 0)
    );

    -- A voucher's money lives in the ledger (accounts voucher_available / voucher_held); this row is its identity.
    create table vouchers (
      id bigint generated always as identity primary key,
      serial text not null unique check (serial ~ '^CXQ-[0-9]{4}-[0-9]{6,}$'),
      programme_id bigint not null references voucher_programmes(id),
      enterprise_id bigint not null references organisations(id),
      application_id bigint not null unique references voucher_applications(id),
      amount_fen bigint not null check (amount_fen > 0),
      issued_at timestamptz not null default now(),
      expires_at timestamptz not null,
      status text not null default 'active' check (status in ('active', 'expired')),
      expired_at timestamptz,
      check (expires_at > issued_at),
      check ((status = 'expired') = (expired_at is not null))
    );
    create index vouchers_enterprise_idx on vouchers (enterprise_id, programme_id);
    create index vouchers_programme_idx on vouchers (programme_id);
    create index vouchers_active_expiry_idx on vouchers (expires_at) where status = 'active';

    create table reimbursement_batches (
      id bigint generated always as identity primary key,
      programme_id bigint not null references voucher_programmes(id),
      status text not null default 'pending' check (status in ('pending', 'paid')),
      total_fen bigint not null check (total_fen > 0),
      created_by bigint references users(id),
      created_at timestamptz not null default now(),
      paid_by bigint references users(id),
      paid_at timestamptz,
      payment_reference text,
      check ((status = 'paid') = (paid_at is not null)),
      check (status <> 'paid' or length(trim(payment_reference)) > 0)
    );
    create index reimbursement_batches_programme_idx on reimbursement_batches (programme_id, created_at desc);

    create table reimbursement_batch_lines (
      batch_id bigint not null references reimbursement_batches(id),
      institution_id bigint not null references organisations(id),
      amount_fen bigint not null check (amount_fen > 0),
      primary key (batch_id, institution_id)
    );

    -- The chart of accounts is checked here, so an account that must not go negative can never be created without the
    -- flag: purpose fixes the normal side, the flag and which owner columns are set.
    create table ledger_accounts (
      id bigint generated always as identity primary key,
      code text not null check (length(code) between 1 and 200),
      purpose text not null,
      owner_organisation_id bigint references organisations(id),
      programme_id bigint references voucher_programmes(id),
      voucher_id bigint references vouchers(id),
      currency char(3) not null default 'CNY' check (currency ~ '^[A-Z]{3}$'),
      normal_side text not null check (normal_side in ('debit', 'credit')),
      may_go_negative boolean not null,
      balance bigint not null default 0,
      version bigint not null default 0,
      created_at timestamptz not null default now(),
      constraint ledger_accounts_code_key unique (code),
      constraint ledger_accounts_non_negative check (may_go_negative or balance >= 0),
      constraint ledger_accounts_chart check (case purpose
        when 'programme_fund' then normal_side = 'debit' and not may_go_negative and programme_id is not null
          and voucher_id is null
        when 'programme_budget' then normal_side = 'credit' and not may_go_negative and programme_id is not null
          and voucher_id is null
        when 'voucher_available' then normal_side = 'credit' and not may_go_negative and voucher_id is not null
          and programme_id is not null and owner_organisation_id is not null
        when 'voucher_held' then normal_side = 'credit' and not may_go_negative and voucher_id is not null
          and programme_id is not null and owner_organisation_id is not null
        when 'voucher_reimbursable' then normal_side = 'credit' and not may_go_negative and programme_id is not null
          and owner_organisation_id is not null and voucher_id is null
        when 'reimbursement_in_payment' then normal_side = 'credit' and not may_go_negative and programme_id is not null
          and owner_organisation_id is not null and voucher_id is null
        when 'institution_payable' then normal_side = 'credit' and not may_go_negative and owner_organisation_id is not null
          and programme_id is null and voucher_id is null
        when 'platform_fee_revenue' then normal_side = 'credit' and not may_go_negative and owner_organisation_id is null
          and programme_id is null and voucher_id is null
        when 'stripe_clearing' then normal_side = 'debit' and may_go_negative and owner_organisation_id is null
          and programme_id is null and voucher_id is null
        when 'bank_clearing' then normal_side = 'debit' and may_go_negative and owner_organisation_id is null
          and programme_id is null and voucher_id is null
        else false end)
    );
    create index ledger_accounts_programme_idx on ledger_accounts (programme_id, purpose) where programme_id is not null;
    create index ledger_accounts_owner_idx on ledger_accounts (owner_organisation_id, purpose) where owner_organisation_id is not null;
    create index ledger_accounts_voucher_idx on ledger_accounts (voucher_id) where voucher_id is not null;

    -- Links to orders and contracts are plain ids: orders arrive later and contracts live in 0003; a ledger row outlives
    -- whatever it points at, so no foreign key there.
    create table ledger_transactions (
      id bigint generated always as identity primary key,
      kind text not null check (kind in ('programme_funding', 'voucher_issue', 'voucher_hold', 'voucher_release',
        'voucher_post', 'voucher_expiry', 'card_payment', 'bank_transfer', 'institution_payout', 'reimbursement_batch',
        'reimbursement_paid', 'reversal')),
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      reverses_transaction_id bigint references ledger_transactions(id),
      order_id bigint,
      contract_id bigint,
      voucher_id bigint references vouchers(id),
      programme_id bigint references voucher_programmes(id),
      reimbursement_batch_id bigint references reimbursement_batches(id),
      stripe_event_id text,
      memo text,
      effective_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      -- Set by a trigger: entries may only join a transaction inside the database transaction that created it.
      created_txid bigint not null default 0,
      constraint ledger_transactions_idempotency_key unique (idempotency_key),
      -- Each transaction is reversed at most once (NULLs do not collide).
      constraint ledger_transactions_reversed_once unique (reverses_transaction_id),
      constraint ledger_transactions_reversal_kind check ((kind = 'reversal') = (reverses_transaction_id is not null))
    );
    create index ledger_transactions_order_idx on ledger_transactions (order_id) where order_id is not null;
    create index ledger_transactions_voucher_idx on ledger_transactions (voucher_id) where voucher_id is not null;
    create index ledger_transactions_contract_idx on ledger_transactions (contract_id) where contract_id is not null;
    create index ledger_transactions_stripe_event_idx on ledger_transactions (stripe_event_id) where stripe_event_id is not null;
    create index ledger_transactions_batch_idx on ledger_transactions (reimbursement_batch_id)
      where reimbursement_batch_id is not null;

    -- balance_after and account_version are written by the insert trigger (the account's balance and version right
    -- after this entry), so the history of every account can be replayed and checked entry by entry.
    create table ledger_entries (
      id bigint generated always as identity primary key,
      transaction_id bigint not null references ledger_transactions(id),
      account_id bigint not null references ledger_accounts(id),
      amount bigint not null constraint ledger_entries_amount_non_zero check (amount <> 0),
      balance_after bigint not null,
      account_version bigint not null,
      constraint ledger_entries_one_per_account unique (transaction_id, account_id),
      constraint ledger_entries_account_version unique (account_id, account_version)
    );

    create function ledger_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger: % on % is not allowed; the ledger is append-only, correct it with a reversal', tg_op, tg_table_name
        using errcode = 'LG002';
    end $$;

    create trigger ledger_entries_append_only before update or delete on ledger_entries
      for each row execute function ledger_refuse_change();
    create trigger ledger_entries_no_truncate before truncate on ledger_entries
      for each statement execute function ledger_refuse_change();
    create trigger ledger_transactions_append_only before update or delete on ledger_transactions
      for each row execute function ledger_refuse_change();
    create trigger ledger_transactions_no_truncate before truncate on ledger_transactions
      for each statement execute function ledger_refuse_change();
    create trigger ledger_accounts_no_delete before delete on ledger_accounts
      for each row execute function ledger_refuse_change();
    create trigger ledger_accounts_no_truncate before truncate on ledger_accounts
      for each statement execute function ledger_refuse_change();

    create function ledger_accounts_before_insert() returns trigger language plpgsql as $$
    begin
      new.balance := 0;
      new.version := 0;
      return new;
    end $$;
    create trigger ledger_accounts_start_at_zero before insert on ledger_accounts
      for each row execute function ledger_accounts_before_insert();

    -- An account's identity never changes, and its balance moves only when an entry is posted: the entry trigger's
    -- update runs at trigger depth 1, a direct UPDATE at depth 0. The WHEN clause keeps the normal case (a posting)
    -- free of a function call.
    create function ledger_accounts_refuse_update() returns trigger language plpgsql as $$
    begin
      if (new.id, new.code, new.purpose, new.owner_organisation_id, new.programme_id, new.voucher_id, new.currency,
          new.normal_side, new.may_go_negative, new.created_at)
         is distinct from (old.id, old.code, old.purpose, old.owner_organisation_id, old.programme_id, old.voucher_id,
          old.currency, old.normal_side, old.may_go_negative, old.created_at) then
        raise exception 'ledger: account % (%) cannot be changed', old.id, old.code using errcode = 'LG002';
      end if;
      raise exception 'ledger: the balance of account % (%) changes only by posting entries', old.id, old.code
        using errcode = 'LG002';
    end $$;
    create trigger ledger_accounts_guard before update on ledger_accounts for each row
      when (pg_trigger_depth() < 1
        or (new.id, new.code, new.purpose, new.owner_organisation_id, new.programme_id, new.voucher_id, new.currency,
            new.normal_side, new.may_go_negative, new.created_at)
           is distinct from (old.id, old.code, old.purpose, old.owner_organisation_id, old.programme_id, old.voucher_id,
            old.currency, old.normal_side, old.may_go_negative, old.created_at))
      execute function ledger_accounts_refuse_update();

    create function ledger_transactions_before_insert() returns trigger language plpgsql as $$
    begin
      new.created_txid := txid_current();
      return new;
    end $$;
    create trigger ledger_transactions_stamp before insert on ledger_transactions
      for each row execute function ledger_transactions_before_insert();

    -- Posting an entry moves the account's balance. The UPDATE takes the account's row lock, so concurrent postings
    -- to one account queue up and each sees the balance the previous one left; the CHECK ledger_accounts_non_negative
    -- then refuses an overdraft however many writers race.
    create function ledger_entries_before_insert() returns trigger language plpgsql as $$
    declare
      tx_txid bigint;
    begin
      select created_txid into tx_txid from ledger_transactions where id = new.transaction_id;
      if not found then
        raise exception 'ledger: transaction % does not exist', new.transaction_id using errcode = '23503';
      end if;
      if tx_txid <> txid_current() then
        raise exception 'ledger: transaction % is closed; entries join a transaction only when it is posted', new.transaction_id
          using errcode = 'LG003';
      end if;
      update ledger_accounts
         set balance = balance + case when normal_side = 'debit' then new.amount else -new.amount end,
             version = version + 1
       where id = new.account_id
      returning balance, version into new.balance_after, new.account_version;
      if not found then
        raise exception 'ledger: account % does not exist', new.account_id using errcode = '23503';
      end if;
      return new;
    end $$;
    create trigger ledger_entries_apply before insert on ledger_entries
      for each row execute function ledger_entries_before_insert();

    -- At commit: every transaction has entries that sum to zero in each currency, and a reversal posts exactly the
    -- negation of the transaction it reverses (which must not itself be a reversal).
    create function ledger_transactions_check() returns trigger language plpgsql as $$
    declare
      n integer;
      bad_currency text;
    begin
      select coalesce(sum(per_currency.n), 0), min(per_currency.currency) filter (where per_currency.total <> 0)
        into n, bad_currency
        from (select a.currency, count(*) as n, sum(e.amount) as total
                from ledger_entries e join ledger_accounts a on a.id = e.account_id
               where e.transaction_id = new.id
               group by a.currency) per_currency;
      if n < 2 then
        raise exception 'ledger: transaction % (%) has % entries; a transaction needs at least two', new.id,
          new.idempotency_key, n using errcode = 'LG001';
      end if;
      if bad_currency is not null then
        raise exception 'ledger: transaction % (%) does not balance: its % entries do not sum to zero', new.id,
          new.idempotency_key, bad_currency using errcode = 'LG001';
      end if;
      if new.reverses_transaction_id is not null then
        if exists (select 1 from ledger_transactions where id = new.reverses_transaction_id
                    and reverses_transaction_id is not null) then
          raise exception 'ledger: transaction % is a reversal and cannot itself be reversed', new.reverses_transaction_id
            using errcode = 'LG004';
        end if;
        if exists (
          select 1 from (
            select account_id, amount from ledger_entries where transaction_id = new.id
            union all
            select account_id, amount from ledger_entries where transaction_id = new.reverses_transaction_id
          ) both_sides
          group by account_id having sum(amount) <> 0
        ) then
          raise exception 'ledger: reversal % does not post the exact negation of transaction %', new.id,
            new.reverses_transaction_id using errcode = 'LG004';
        end if;
      end if;
      return null;
    end $$;
    create constraint trigger ledger_transactions_balanced after insert on ledger_transactions
      deferrable initially deferred for each row execute function ledger_transactions_check();

    -- A voucher's identity and amount are fixed at issue; only its status moves, and only from active to expired.
    create function vouchers_before_update() returns trigger language plpgsql as $$
    begin
      if (new.id, new.serial, new.programme_id, new.enterprise_id, new.application_id, new.amount_fen, new.issued_at,
          new.expires_at) is distinct from (old.id, old.serial, old.programme_id, old.enterprise_id, old.application_id,
          old.amount_fen, old.issued_at, old.expires_at) then
        raise exception 'voucher %: only its status may change', old.serial using errcode = 'LG002';
      end if;
      if old.status = 'expired' and new.status <> 'expired' then
        raise exception 'voucher %: an expired voucher cannot be reactivated', old.serial using errcode = 'LG002';
      end if;
      return new;
    end $$;
    create trigger vouchers_guard before update on vouchers for each row execute function vouchers_before_update();

    create function voucher_programmes_before_update() returns trigger language plpgsql as $$
    begin
      if (new.id, new.bureau_id, new.total_budget_fen, new.voucher_amount_fen)
         is distinct from (old.id, old.bureau_id, old.total_budget_fen, old.voucher_amount_fen) then
        raise exception 'voucher programme %: its bureau, budget and voucher amount are fixed once funded', old.id
          using errcode = 'LG002';
      end if;
      return new;
    end $$;
    create trigger voucher_programmes_guard before update on voucher_programmes
      for each row execute function voucher_programmes_before_update();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table ledger_entries, ledger_transactions, ledger_accounts, reimbursement_batch_lines, reimbursement_batches,
      vouchers, voucher_serial_counters, voucher_applications, voucher_programmes;
    drop function ledger_refuse_change, ledger_accounts_before_insert, ledger_accounts_refuse_update,
      ledger_transactions_before_insert, ledger_entries_before_insert, ledger_transactions_check, vouchers_before_update,
      voucher_programmes_before_update;
  `.execute(db);
}
