import { type Kysely, sql } from "kysely";

// The checkout writes a contract, an order (once, then twice more), three ledger transactions and three order events
// per sale, each in its own statement. PostgreSQL 15 re-reads every CHECK of a table from the catalogue and compiles it
// again for each statement that writes the table: about a sixth of the CPU a checkout cost (docs/decisions/0008). The
// same rules now run in the tables' BEFORE triggers, whose expressions PL/pgSQL compiles once per session; a broken
// rule still fails with SQLSTATE 23514 under the constraint's old name, before anything is written.

// An order's terms, in orders_check_terms: the first rule broken, as a CASE's arms.
const ORDER_TERMS_RULES = `
        when new.mode is null or new.mode not in ('assignment', 'exclusive_license', 'sole_license', 'nonexclusive_license',
          'equity', 'development', 'service') then 'orders_mode_check'
        when new.exclusive is distinct from (new.mode in ('assignment', 'exclusive_license', 'sole_license', 'equity'))
          then 'orders_check'
        when not (new.price_fen > 0) then 'orders_price_fen_check'
        when not (new.voucher_part_fen >= 0) then 'orders_voucher_part_fen_check'
        when not (new.cash_due_fen >= 0) then 'orders_cash_due_fen_check'
        when new.voucher_part_fen + new.cash_due_fen <> new.price_fen then 'orders_check1'
        when new.payment_method is null or new.payment_method not in ('card', 'bank_transfer', 'voucher')
          then 'orders_payment_method_check'
        when (new.payment_method = 'voucher') <> (new.cash_due_fen = 0) then 'orders_check2'
        when (new.voucher_part_fen > 0) <> (new.programme_id is not null) then 'orders_check3'
        when new.buyer_organisation_id = new.seller_organisation_id then 'orders_check4'`;

// What orders_before_update refused before 0008 and still refuses: changed terms, a status move not allowed, a new session on a closed order.
const ORDER_CHANGE_GUARD = `
      if (new.id, new.result_id, new.mode, new.exclusive, new.quote_id, new.buyer_organisation_id, new.buyer_user_id,
          new.seller_organisation_id, new.price_fen, new.voucher_part_fen, new.cash_due_fen, new.programme_id,
          new.payment_method, new.created_at)
         is distinct from (old.id, old.result_id, old.mode, old.exclusive, old.quote_id, old.buyer_organisation_id,
          old.buyer_user_id, old.seller_organisation_id, old.price_fen, old.voucher_part_fen, old.cash_due_fen,
          old.programme_id, old.payment_method, old.created_at) then
        raise exception 'order %: its parties, price and payment split are fixed when it is placed', old.id
          using errcode = 'CK001';
      end if;
      if new.status is distinct from old.status and not (
           (old.status = 'pending' and new.status in ('completed', 'cancelled', 'expired', 'failed'))
        or (old.status = 'completed' and new.status = 'refunded')) then
        raise exception 'order %: status cannot move from % to %', old.id, old.status, new.status using errcode = 'CK002';
      end if;
      if old.status <> 'pending' and new.stripe_checkout_session_id is distinct from old.stripe_checkout_session_id then
        raise exception 'order %: the payment session is fixed once the order is closed', old.id using errcode = 'CK001';
      end if;`;

// What contracts_guard_change refused before 0008 and still refuses: deletes, changes to a voided contract, changes other than a void.
const CONTRACT_CHANGE_GUARD = `
      if tg_op = 'DELETE' then
        raise exception 'contract % cannot be deleted: void it instead', old.contract_no using errcode = 'P0001';
      end if;
      if old.status = 'voided' then
        raise exception 'contract % is voided and cannot change', old.contract_no using errcode = 'P0001';
      end if;
      if (new.id, new.contract_no, new.certificate_no, new.signed_on, new.type, new.field, new.seller, new.seller_type,
          new.seller_organisation_id, new.buyer, new.buyer_organisation_id, new.buyer_region, new.amount_fen,
          new.technical_income_fen, new.source, new.order_id, new.registered_by, new.registered_at)
        is distinct from
         (old.id, old.contract_no, old.certificate_no, old.signed_on, old.type, old.field, old.seller, old.seller_type,
          old.seller_organisation_id, old.buyer, old.buyer_organisation_id, old.buyer_region, old.amount_fen,
          old.technical_income_fen, old.source, old.order_id, old.registered_by, old.registered_at) then
        raise exception 'contract % is registered: only voiding may change it', old.contract_no using errcode = 'P0001';
      end if;`;

// ledger_entries_before_insert's posting as 0006 wrote it: the account's balance moves, or the error says what is missing.
const ENTRY_POSTING = `
      update ledger_accounts
         set balance = balance + case when normal_side = 'debit' then new.amount else -new.amount end,
             version = version + 1
       where id = new.account_id
         and exists (select 1 from ledger_transactions where id = new.transaction_id and created_txid = txid_current())
      returning balance, version into new.balance_after, new.account_version;
      if found then
        return new;
      end if;
      if not exists (select 1 from ledger_transactions where id = new.transaction_id) then
        raise exception 'ledger: transaction % does not exist', new.transaction_id using errcode = '23503';
      end if;
      if not exists (select 1 from ledger_transactions where id = new.transaction_id and created_txid = txid_current()) then
        raise exception 'ledger: transaction % is closed; entries join a transaction only when it is posted', new.transaction_id
          using errcode = 'LG003';
      end if;
      raise exception 'ledger: account % does not exist', new.account_id using errcode = '23503';`;

// A contract's certificate number, as 0003 assigns it.
const CERTIFICATE_NUMBER = `
      if new.certificate_no is null then
        seq := nextval('contract_certificate_seq')::text;
        new.certificate_no := to_char(new.registered_at at time zone 'Asia/Shanghai', 'YYYY') || '410300'
          || lpad(seq, greatest(6, length(seq)), '0');
      end if;`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    create function raise_check_violation(p_table text, p_constraint text) returns void language plpgsql as $$
    begin
      raise exception 'new row for relation "%" violates check constraint "%"', p_table, p_constraint
        using errcode = '23514', constraint = p_constraint, table = p_table;
    end $$;

    -- Each table's rules: the name of the first one the row breaks, or null. A rule that evaluates to null passes, as a
    -- CHECK does. Plain SQL, so the planner inlines them into the triggers.
    create function contracts_rule_broken(c contracts) returns text language sql immutable as $$
      select case
        when not (c.amount_fen >= 0) then 'contracts_amount_fen_check'
        when not (length(btrim(c.buyer)) between 1 and 200) then 'contracts_buyer_check'
        when not (length(btrim(c.buyer_region)) between 1 and 50) then 'contracts_buyer_region_check'
        when not (c.technical_income_fen >= 0 and c.technical_income_fen <= c.amount_fen) then 'contracts_check'
        when not ((c.status = 'voided') = (c.void_reason is not null)) then 'contracts_check1'
        when not ((c.status = 'voided') = (c.voided_at is not null)) then 'contracts_check2'
        when not ((c.source = 'platform') = (c.order_id is not null)) then 'contracts_check3'
        when not (c.contract_no = btrim(c.contract_no) and length(c.contract_no) between 1 and 64)
          then 'contracts_contract_no_check'
        when not (c.field in ('electronic_information', 'biomedicine', 'aerospace', 'new_materials', 'hightech_services',
          'new_energy', 'resources_environment', 'advanced_manufacturing', 'modern_agriculture', 'urban_social'))
          then 'contracts_field_check'
        when not (length(btrim(c.seller)) between 1 and 200) then 'contracts_seller_check'
        when not (c.seller_type in ('university', 'institute', 'enterprise', 'other')) then 'contracts_seller_type_check'
        when not (c.source in ('platform', 'manual', 'import')) then 'contracts_source_check'
        when not (c.status in ('registered', 'voided')) then 'contracts_status_check'
        when not (c.type in ('development', 'transfer', 'license', 'consulting', 'service')) then 'contracts_type_check'
        when not (c.void_reason is null or length(btrim(c.void_reason)) > 0) then 'contracts_void_reason_check'
      end $$;

    -- An order's state (its terms are checked once, at insert, by orders_check_terms of 0006).
    create function orders_rule_broken(o orders) returns text language sql immutable as $$
      select case
        when not ((o.status in ('completed', 'refunded')) = (o.paid_at is not null and o.contract_id is not null))
          then 'orders_check5'
        when not ((o.status in ('cancelled', 'expired', 'failed')) = (o.closed_at is not null and o.close_reason is not null))
          then 'orders_check6'
        when not ((o.status = 'refunded') = (o.refunded_at is not null)) then 'orders_check7'
        when not (o.stripe_checkout_session_id is null or o.payment_method = 'card') then 'orders_check8'
        when not (o.stripe_checkout_url is null or o.stripe_checkout_session_id is not null) then 'orders_check9'
        when not (o.close_reason is null or o.close_reason in ('checkout_expired', 'reservation_lapsed', 'cancelled',
          'payment_failed')) then 'orders_close_reason_check'
        when not (o.payment_ref is null or length(o.payment_ref) between 1 and 255) then 'orders_payment_ref_check'
        when not (o.status in ('pending', 'completed', 'cancelled', 'expired', 'failed', 'refunded')) then 'orders_status_check'
        when not (o.stripe_checkout_url is null or length(o.stripe_checkout_url) <= 2000) then 'orders_stripe_checkout_url_check'
      end $$;

    create function ledger_transactions_rule_broken(t ledger_transactions) returns text language sql immutable as $$
      select case
        when not (length(t.idempotency_key) between 1 and 200) then 'ledger_transactions_idempotency_key_check'
        when not (t.kind in ('programme_funding', 'voucher_issue', 'voucher_hold', 'voucher_release', 'voucher_post',
          'voucher_expiry', 'card_payment', 'bank_transfer', 'institution_payout', 'reimbursement_batch',
          'reimbursement_paid', 'reversal')) then 'ledger_transactions_kind_check'
        when not ((t.kind = 'reversal') = (t.reverses_transaction_id is not null)) then 'ledger_transactions_reversal_kind'
      end $$;

    create function order_events_rule_broken(e order_events) returns text language sql immutable as $$
      select case
        when not (e.external_ref is null or length(e.external_ref) <= 255) then 'order_events_external_ref_check'
        when not (e.idempotency_key is null or length(e.idempotency_key) between 1 and 200)
          then 'order_events_idempotency_key_check'
        when not (e.kind in ('created', 'stripe_session', 'paid', 'payment_failed', 'expired', 'cancelled', 'refunded'))
          then 'order_events_kind_check'
        when not (e.note is null or length(e.note) <= 500) then 'order_events_note_check'
      end $$;

    alter table contracts
      drop constraint contracts_amount_fen_check, drop constraint contracts_buyer_check,
      drop constraint contracts_buyer_region_check, drop constraint contracts_check, drop constraint contracts_check1,
      drop constraint contracts_check2, drop constraint contracts_check3, drop constraint contracts_contract_no_check,
      drop constraint contracts_field_check, drop constraint contracts_seller_check, drop constraint contracts_seller_type_check,
      drop constraint contracts_source_check, drop constraint contracts_status_check, drop constraint contracts_type_check,
      drop constraint contracts_void_reason_check;
    alter table orders
      drop constraint orders_check5, drop constraint orders_check6, drop constraint orders_check7,
      drop constraint orders_check8, drop constraint orders_check9, drop constraint orders_close_reason_check,
      drop constraint orders_payment_ref_check, drop constraint orders_status_check,
      drop constraint orders_stripe_checkout_url_check;
    alter table ledger_transactions
      drop constraint ledger_transactions_idempotency_key_check, drop constraint ledger_transactions_kind_check,
      drop constraint ledger_transactions_reversal_kind;
    alter table ledger_entries drop constraint ledger_entries_amount_non_zero;
    alter table order_events
      drop constraint order_events_external_ref_check, drop constraint order_events_idempotency_key_check,
      drop constraint order_events_kind_check, drop constraint order_events_note_check;

    -- A contract is checked and numbered on insert; on update (only a void gets past the guard) it is checked again.
    alter trigger contracts_assign_certificate on contracts rename to contracts_before_insert;
    alter function contracts_assign_certificate() rename to contracts_before_insert;
    create or replace function contracts_before_insert() returns trigger language plpgsql as $$
    declare
      v_failed text := contracts_rule_broken(new);
      seq text;
    begin
      if v_failed is not null then
        perform raise_check_violation('contracts', v_failed);
      end if;
      ${CERTIFICATE_NUMBER}
      return new;
    end $$;

    create or replace function contracts_guard_change() returns trigger language plpgsql as $$
    declare
      v_failed text;
    begin
      ${CONTRACT_CHANGE_GUARD}
      v_failed := contracts_rule_broken(new);
      if v_failed is not null then
        perform raise_check_violation('contracts', v_failed);
      end if;
      return new;
    end $$;

    create or replace function orders_check_terms() returns trigger language plpgsql as $$
    declare
      v_failed text;
    begin
      v_failed := case ${ORDER_TERMS_RULES}
        else orders_rule_broken(new)
      end;
      if v_failed is not null then
        perform raise_check_violation('orders', v_failed);
      end if;
      return new;
    end $$;

    create or replace function orders_before_update() returns trigger language plpgsql as $$
    declare
      v_failed text;
    begin
      ${ORDER_CHANGE_GUARD}
      v_failed := orders_rule_broken(new);
      if v_failed is not null then
        perform raise_check_violation('orders', v_failed);
      end if;
      return new;
    end $$;

    create or replace function ledger_transactions_before_insert() returns trigger language plpgsql as $$
    declare
      v_failed text := ledger_transactions_rule_broken(new);
    begin
      if v_failed is not null then
        perform raise_check_violation('ledger_transactions', v_failed);
      end if;
      new.created_txid := txid_current();
      return new;
    end $$;

    create or replace function ledger_entries_before_insert() returns trigger language plpgsql as $$
    begin
      if not (new.amount <> 0) then
        perform raise_check_violation('ledger_entries', 'ledger_entries_amount_non_zero');
      end if;
      ${ENTRY_POSTING}
    end $$;
    -- CREATE OR REPLACE drops a function's settings; 0006's stays (plans that never fall back to scanning the ledger).
    alter function ledger_entries_before_insert() set enable_seqscan = off;

    create function order_events_check() returns trigger language plpgsql as $$
    declare
      v_failed text := order_events_rule_broken(new);
    begin
      if v_failed is not null then
        perform raise_check_violation('order_events', v_failed);
      end if;
      return new;
    end $$;
    create trigger order_events_rules before insert or update on order_events
      for each row execute function order_events_check();
  `).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    drop trigger order_events_rules on order_events;
    drop function order_events_check;
    create or replace function ledger_entries_before_insert() returns trigger language plpgsql as $$
    begin
      ${ENTRY_POSTING}
    end $$;
    alter function ledger_entries_before_insert() set enable_seqscan = off;
    create or replace function ledger_transactions_before_insert() returns trigger language plpgsql as $$
    begin
      new.created_txid := txid_current();
      return new;
    end $$;

    -- The trigger bodies that now call the rule functions go back to checking nothing beyond their own rules; the
    -- constraints below take the rules back.
    create or replace function orders_before_update() returns trigger language plpgsql as $$
    begin
      ${ORDER_CHANGE_GUARD}
      return new;
    end $$;
    create or replace function orders_check_terms() returns trigger language plpgsql as $$
    declare
      v_failed text;
    begin
      v_failed := case ${ORDER_TERMS_RULES}
      end;
      if v_failed is not null then
        raise exception 'new row for relation "orders" violates check constraint "%"', v_failed
          using errcode = '23514', constraint = v_failed, table = 'orders';
      end if;
      return new;
    end $$;

    create or replace function contracts_guard_change() returns trigger language plpgsql as $$
    begin
      ${CONTRACT_CHANGE_GUARD}
      return new;
    end $$;
    create or replace function contracts_before_insert() returns trigger language plpgsql as $$
    declare
      seq text;
    begin
      ${CERTIFICATE_NUMBER}
      return new;
    end $$;
    alter function contracts_before_insert() rename to contracts_assign_certificate;
    alter trigger contracts_before_insert on contracts rename to contracts_assign_certificate;

    alter table order_events
      add constraint order_events_external_ref_check check (external_ref is null or length(external_ref) <= 255),
      add constraint order_events_idempotency_key_check
        check (idempotency_key is null or length(idempotency_key) between 1 and 200),
      add constraint order_events_kind_check check (kind in ('created', 'stripe_session', 'paid', 'payment_failed',
        'expired', 'cancelled', 'refunded')),
      add constraint order_events_note_check check (note is null or length(note) <= 500);
    alter table ledger_entries add constraint ledger_entries_amount_non_zero check (amount <> 0);
    alter table ledger_transactions
      add constraint ledger_transactions_idempotency_key_check check (length(idempotency_key) between 1 and 200),
      add constraint ledger_transactions_kind_check check (kind in ('programme_funding', 'voucher_issue', 'voucher_hold',
        'voucher_release', 'voucher_post', 'voucher_expiry', 'card_payment', 'bank_transfer', 'institution_payout',
        'reimbursement_batch', 'reimbursement_paid', 'reversal')),
      add constraint ledger_transactions_reversal_kind check ((kind = 'reversal') = (reverses_transaction_id is not null));
    alter table orders
      add constraint orders_check5 check ((status in ('completed', 'refunded')) = (paid_at is not null and contract_id is not null)),
      add constraint orders_check6 check ((status in ('cancelled', 'expired', 'failed')) = (closed_at is not null and close_reason is not null)),
      add constraint orders_check7 check ((status = 'refunded') = (refunded_at is not null)),
      add constraint orders_check8 check (stripe_checkout_session_id is null or payment_method = 'card'),
      add constraint orders_check9 check (stripe_checkout_url is null or stripe_checkout_session_id is not null),
      add constraint orders_close_reason_check check (close_reason is null or close_reason in ('checkout_expired',
        'reservation_lapsed', 'cancelled', 'payment_failed')),
      add constraint orders_payment_ref_check check (payment_ref is null or length(payment_ref) between 1 and 255),
      add constraint orders_status_check check (status in ('pending', 'completed', 'cancelled', 'expired', 'failed', 'refunded')),
      add constraint orders_stripe_checkout_url_check check (stripe_checkout_url is null or length(stripe_checkout_url) <= 2000);
    alter table contracts
      add constraint contracts_amount_fen_check check (amount_fen >= 0),
      add constraint contracts_buyer_check check (length(btrim(buyer)) between 1 and 200),
      add constraint contracts_buyer_region_check check (length(btrim(buyer_region)) between 1 and 50),
      add constraint contracts_check check (technical_income_fen >= 0 and technical_income_fen <= amount_fen),
      add constraint contracts_check1 check ((status = 'voided') = (void_reason is not null)),
      add constraint contracts_check2 check ((status = 'voided') = (voided_at is not null)),
      add constraint contracts_check3 check ((source = 'platform') = (order_id is not null)),
      add constraint contracts_contract_no_check check (contract_no = btrim(contract_no) and length(contract_no) between 1 and 64),
      add constraint contracts_field_check check (field in ('electronic_information', 'biomedicine', 'aerospace',
        'new_materials', 'hightech_services', 'new_energy', 'resources_environment', 'advanced_manufacturing',
        'modern_agriculture', 'urban_social')),
      add constraint contracts_seller_check check (length(btrim(seller)) between 1 and 200),
      add constraint contracts_seller_type_check check (seller_type in ('university', 'institute', 'enterprise', 'other')),
      add constraint contracts_source_check check (source in ('platform', 'manual', 'import')),
      add constraint contracts_status_check check (status in ('registered', 'voided')),
      add constraint contracts_type_check check (type in ('development', 'transfer', 'license', 'consulting', 'service')),
      add constraint contracts_void_reason_check check (void_reason is null or length(btrim(void_reason)) > 0);
    drop function order_events_rule_broken, ledger_transactions_rule_broken, orders_rule_broken, contracts_rule_broken,
      raise_check_violation;
  `).execute(db);
}
