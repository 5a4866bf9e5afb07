import { type Kysely, sql } from "kysely";

// Placing and settling an order in one call each (docs/decisions/0007). Completion is the checkout's busiest step:
// contract, voucher redemptions, payment with the platform fee, the order's new state. Run from the application it was
// some fourteen round trips per order; as one function it is one, and its statements run on plans cached in the
// session. Placement writes the order and its voucher holds after checking, under the vouchers' locks, that what the
// voucher part was computed from has not moved.
//
// The rules stay in the application and come in as arguments: the contract type of each mode, the Chinese region
// names, the fee, the platform's buckets (app/services/checkout/settle.ts builds them). The ledger's invariants are
// still the triggers of 0004; these functions post through the same tables and cannot bypass them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- PostgreSQL evaluates every CHECK of a table on every UPDATE of a row, re-reading each expression from the catalogue,
    -- and an account row is updated once per entry posted to it. Its identity checks (code, currency, normal side, the
    -- chart) are about columns the guard trigger of 0004 keeps fixed after insert, so they move to an insert trigger
    -- that reports them under the same constraint names; only the balance's check stays on the row.
    alter table ledger_accounts
      drop constraint ledger_accounts_code_check,
      drop constraint ledger_accounts_currency_check,
      drop constraint ledger_accounts_normal_side_check,
      drop constraint ledger_accounts_chart;

    create function ledger_accounts_check_identity() returns trigger language plpgsql as $$
    declare
      v_failed text;
    begin
      v_failed := case
        when not (length(new.code) between 1 and 200) then 'ledger_accounts_code_check'
        when not (new.currency ~ '^[A-Z]{3}$') then 'ledger_accounts_currency_check'
        when new.normal_side not in ('debit', 'credit') then 'ledger_accounts_normal_side_check'
        when not coalesce(case new.purpose
          when 'programme_fund' then new.normal_side = 'debit' and not new.may_go_negative and new.programme_id is not null
            and new.voucher_id is null
          when 'programme_budget' then new.normal_side = 'credit' and not new.may_go_negative and new.programme_id is not null
            and new.voucher_id is null
          when 'voucher_available' then new.normal_side = 'credit' and not new.may_go_negative and new.voucher_id is not null
            and new.programme_id is not null and new.owner_organisation_id is not null
          when 'voucher_held' then new.normal_side = 'credit' and not new.may_go_negative and new.voucher_id is not null
            and new.programme_id is not null and new.owner_organisation_id is not null
          when 'voucher_reimbursable' then new.normal_side = 'credit' and not new.may_go_negative and new.programme_id is not null
            and new.owner_organisation_id is not null and new.voucher_id is null
          when 'reimbursement_in_payment' then new.normal_side = 'credit' and not new.may_go_negative
            and new.programme_id is not null and new.owner_organisation_id is not null and new.voucher_id is null
          when 'institution_payable' then new.normal_side = 'credit' and not new.may_go_negative
            and new.owner_organisation_id is not null and new.programme_id is null and new.voucher_id is null
          when 'platform_fee_revenue' then new.normal_side = 'credit' and not new.may_go_negative
            and new.owner_organisation_id is null and new.programme_id is null and new.voucher_id is null
          when 'stripe_clearing' then new.normal_side = 'debit' and new.may_go_negative and new.owner_organisation_id is null
            and new.programme_id is null and new.voucher_id is null
          when 'bank_clearing' then new.normal_side = 'debit' and new.may_go_negative and new.owner_organisation_id is null
            and new.programme_id is null and new.voucher_id is null
          else false end, false) then 'ledger_accounts_chart'
      end;
      if v_failed is not null then
        raise exception 'new row for relation "ledger_accounts" violates check constraint "%"', v_failed
          using errcode = '23514', constraint = v_failed, table = 'ledger_accounts';
      end if;
      return new;
    end $$;
    create trigger ledger_accounts_identity before insert on ledger_accounts
      for each row execute function ledger_accounts_check_identity();


    -- The account code as app/services/ledger/accounts.ts writes it (a test compares the two). PL/pgSQL, not SQL, so
    -- its callers do not plan it again on every call.
    create function ledger_account_code(p_purpose text, p_owner bigint, p_programme bigint, p_voucher bigint, p_bucket integer)
      returns text language plpgsql immutable as $$
    begin
      return case
        when p_voucher is not null then 'voucher:' || p_voucher || ':' || p_purpose
        when p_programme is not null and p_purpose in ('voucher_reimbursable', 'reimbursement_in_payment')
          then 'programme:' || p_programme || ':org:' || p_owner || ':' || p_purpose
        when p_programme is not null then 'programme:' || p_programme || ':' || p_purpose
        when p_owner is not null then 'org:' || p_owner || ':' || p_purpose
        when coalesce(p_bucket, 0) > 0 then 'platform:' || p_purpose || ':' || p_bucket
        else 'platform:' || p_purpose
      end;
    end $$;

    -- The id of an account, created on first use with the chart's normal side and flag (the chart CHECK of 0004 refuses
    -- anything else). A concurrent creator makes the insert wait and then do nothing; the second look-up sees its row.
    create function ledger_account_id(p_purpose text, p_owner bigint, p_programme bigint, p_voucher bigint, p_bucket integer)
      returns bigint language plpgsql as $$
    declare
      v_code text := ledger_account_code(p_purpose, p_owner, p_programme, p_voucher, p_bucket);
      v_id bigint;
    begin
      select id into v_id from ledger_accounts where code = v_code;
      if found then return v_id; end if;
      insert into ledger_accounts (code, purpose, owner_organisation_id, programme_id, voucher_id, normal_side, may_go_negative)
      values (v_code, p_purpose, p_owner, p_programme, p_voucher,
              case when p_purpose in ('programme_fund', 'stripe_clearing', 'bank_clearing') then 'debit' else 'credit' end,
              p_purpose in ('stripe_clearing', 'bank_clearing'))
      on conflict (code) do nothing
      returning id into v_id;
      if v_id is null then select id into v_id from ledger_accounts where code = v_code; end if;
      return v_id;
    end $$;

    -- Posts one transaction with its entries (in account id order, the ledger's lock order). Returns its id, or null
    -- when the idempotency key was posted before (nothing changes then).
    create function ledger_post(p_kind text, p_key text, p_order bigint, p_contract bigint, p_voucher bigint,
      p_programme bigint, p_stripe_event text, p_memo text, p_effective_at timestamptz, p_accounts bigint[], p_amounts bigint[])
      returns bigint language plpgsql as $$
    declare
      v_id bigint;
    begin
      insert into ledger_transactions (kind, idempotency_key, order_id, contract_id, voucher_id, programme_id, stripe_event_id,
        memo, effective_at)
      values (p_kind, p_key, p_order, p_contract, p_voucher, p_programme, p_stripe_event, p_memo, coalesce(p_effective_at, now()))
      on conflict (idempotency_key) do nothing
      returning id into v_id;
      if v_id is null then return null; end if;
      insert into ledger_entries (transaction_id, account_id, amount)
      select v_id, leg.account_id, leg.amount
        from unnest(p_accounts, p_amounts) as leg(account_id, amount)
       where leg.amount <> 0
       order by leg.account_id;
      return v_id;
    end $$;

    -- What an enterprise has used of a programme's yearly cap: held for pending payments plus redeemed (net of
    -- refunds), i.e. for each of its vouchers, issued − available − returned to the programme. Money returns to the
    -- programme only once a voucher has expired, so the scan of returns runs for expired vouchers only: the cost grows
    -- with the number of vouchers, not with the number of purchases.
    -- (PL/pgSQL rather than SQL: its plan is cached per session instead of made on every call.)
    create function voucher_cap_used(p_enterprise bigint, p_programme bigint, p_now timestamptz) returns bigint
      language plpgsql stable as $$
    begin
      return (
        select coalesce(sum(w.amount_fen - coalesce(wa.balance, 0)
                 - case when w.status = 'expired' or w.expires_at <= p_now then coalesce((
                     select -sum(e.amount) from ledger_transactions t
                       join ledger_entries e on e.transaction_id = t.id
                       join ledger_accounts b on b.id = e.account_id
                      where t.voucher_id = w.id and b.purpose = 'programme_budget' and t.kind <> 'voucher_issue'), 0)
                   else 0 end), 0)::bigint
          from vouchers w
          left join ledger_accounts wa on wa.voucher_id = w.id and wa.purpose = 'voucher_available'
         where w.enterprise_id = p_enterprise and w.programme_id = p_programme);
    end $$;

    -- Posting an entry moves its account's balance, as in 0004, in one statement instead of two: the check that the
    -- entry's transaction was created in this database transaction rides on the account's update. When the update finds
    -- nothing, the same errors as before say which of the two is missing.
    create or replace function ledger_entries_before_insert() returns trigger language plpgsql as $$
    begin
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
      raise exception 'ledger: account % does not exist', new.account_id using errcode = '23503';
    end $$;

    -- The same for an order's terms: its parties, price, split and method are fixed once it is placed (orders_guard of
    -- 0005 refuses any change), so their checks run once, at insert, under their old names; the checks on its status,
    -- session and payment stay on the row.
    alter table orders
      drop constraint orders_cash_due_fen_check, drop constraint orders_check, drop constraint orders_check1,
      drop constraint orders_check2, drop constraint orders_check3, drop constraint orders_check4,
      drop constraint orders_mode_check, drop constraint orders_payment_method_check, drop constraint orders_price_fen_check,
      drop constraint orders_voucher_part_fen_check;

    create function orders_check_terms() returns trigger language plpgsql as $$
    declare
      v_failed text;
    begin
      v_failed := case
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
        when new.buyer_organisation_id = new.seller_organisation_id then 'orders_check4'
      end;
      if v_failed is not null then
        raise exception 'new row for relation "orders" violates check constraint "%"', v_failed
          using errcode = '23514', constraint = v_failed, table = 'orders';
      end if;
      return new;
    end $$;
    create trigger orders_terms before insert on orders for each row execute function orders_check_terms();

    -- An entry's transaction and account must exist: the entry trigger of 0004 looks both up and raises 23503 when
    -- either is missing, and neither can be deleted, so the two foreign keys only repeated that work on every entry.
    alter table ledger_entries drop constraint ledger_entries_transaction_id_fkey, drop constraint ledger_entries_account_id_fkey;

    -- A transaction's voucher and programme are descriptive links, like its order and contract, which 0004 already left
    -- without foreign keys (the money is tied to the voucher through its accounts, which keep theirs). As foreign keys
    -- they row-locked the programme's one row from every concurrent posting.
    alter table ledger_transactions drop constraint ledger_transactions_voucher_id_fkey,
      drop constraint ledger_transactions_programme_id_fkey;

    -- Unique columns that stay empty on most rows (a transaction's reversal, a pending order's contract and Stripe
    -- session, an order event's idempotency key) are indexed only where set: the same uniqueness, under the same names, without an index entry per row.
    alter table ledger_transactions drop constraint ledger_transactions_reversed_once;
    create unique index ledger_transactions_reversed_once on ledger_transactions (reverses_transaction_id)
      where reverses_transaction_id is not null;
    alter table order_events drop constraint order_events_idempotency_key;
    create unique index order_events_idempotency_key on order_events (idempotency_key) where idempotency_key is not null;
    alter table orders drop constraint orders_contract_id_key, drop constraint orders_stripe_checkout_session_id_key;
    create unique index orders_contract_id_key on orders (contract_id) where contract_id is not null;
    create unique index orders_stripe_checkout_session_id_key on orders (stripe_checkout_session_id)
      where stripe_checkout_session_id is not null;

    -- Places an order with its 'created' event and holds each voucher's share (available → held). The application
    -- computed the voucher part from the chosen vouchers' balances (p_vouchers, p_balances) and the cap used
    -- (p_cap_used), read without locks; here the enterprise's vouchers in the programme are locked (id order, so two
    -- checkouts of one enterprise queue) and those figures read again. With p_result_version, the result too was read
    -- without a lock and is checked here. Outcome 'changed' (nothing written) when anything moved, and the application
    -- tries again with locks; 'placed' with the order's id otherwise.
    create function order_place(p_result bigint, p_mode text, p_quote bigint, p_buyer bigint, p_buyer_user bigint,
      p_seller bigint, p_price bigint, p_voucher_part bigint, p_programme bigint, p_method text, p_expires_at timestamptz,
      p_now timestamptz, p_vouchers bigint[], p_balances bigint[], p_cap_used bigint, p_hold_vouchers bigint[],
      p_hold_amounts bigint[], p_result_version text, out outcome text, out order_id bigint)
      -- Its array parameters would otherwise get a fresh plan on every call.
      language plpgsql set plan_cache_mode = force_generic_plan as $$
    #variable_conflict use_column
    declare
      v_now_balances bigint[];
      h record;
    begin
      -- The result as read (no lock then): unchanged (its row version), and kept so until commit (the key-share lock an
      -- order's reference takes anyway). A caller that locked the result itself passes null.
      if p_result_version is not null then
        perform 1 from technology_results where id = p_result and xmin::text = p_result_version and status = 'listed'
          for key share;
        if not found then
          outcome := 'changed';
          return;
        end if;
      end if;
      if p_voucher_part > 0 then
        perform 1 from vouchers where enterprise_id = p_buyer and programme_id = p_programme order by id for no key update;
        select array_agg(coalesce(a.balance, 0) order by c.ord) into v_now_balances
          from unnest(p_vouchers) with ordinality as c(voucher_id, ord)
          left join ledger_accounts a on a.voucher_id = c.voucher_id and a.purpose = 'voucher_available';
        if v_now_balances is distinct from p_balances or voucher_cap_used(p_buyer, p_programme, p_now) <> p_cap_used then
          outcome := 'changed';
          return;
        end if;
      end if;

      with placed as (
        insert into orders (result_id, mode, exclusive, quote_id, buyer_organisation_id, buyer_user_id, seller_organisation_id,
          price_fen, voucher_part_fen, cash_due_fen, programme_id, payment_method, expires_at, created_at)
        values (p_result, p_mode, p_mode in ('assignment', 'exclusive_license', 'sole_license', 'equity'), p_quote, p_buyer,
          p_buyer_user, p_seller, p_price, p_voucher_part, p_price - p_voucher_part, p_programme, p_method, p_expires_at, p_now)
        returning id, price_fen, created_at
      ), created as (
        insert into order_events (order_id, kind, actor_user_id, amount_fen, created_at)
        select id, 'created', p_buyer_user, price_fen, created_at from placed
      )
      select id into order_id from placed;

      for h in
        select c.voucher_id, c.amount, v.programme_id,
               (select id from ledger_accounts where voucher_id = c.voucher_id and purpose = 'voucher_available') as available,
               (select id from ledger_accounts where voucher_id = c.voucher_id and purpose = 'voucher_held') as held
          from unnest(p_hold_vouchers, p_hold_amounts) as c(voucher_id, amount)
          join vouchers v on v.id = c.voucher_id
      loop
        perform ledger_post('voucher_hold', 'order:' || order_id || ':voucher:' || h.voucher_id || ':hold', order_id, null,
          h.voucher_id, h.programme_id, null, null, null, array[h.available, h.held], array[h.amount, -h.amount]);
      end loop;
      outcome := 'placed';
    end $$;

    -- Completes a pending order whose payment is in: its contract registered, its voucher holds redeemed (held → owed
    -- to the seller by the programme), the card or bank payment posted with the platform fee, the order completed.
    -- Answers (outcome, contract_id); outcomes other than 'completed' change nothing:
    --   not_found, already_done (key recorded, or completed/refunded before), closed (cancelled/expired/failed),
    --   method_mismatch, amount_mismatch, key_of_other_order, exclusive (an exclusive order whose result the caller has
    --   not transferred yet: the application does that first, in its own transaction, then calls again).
    -- p_method 'voucher' completes an order the vouchers paid in full (no amount, no payment posting).
    -- p_rules: {"contract_types": {mode: type}, "region_labels": {code: name}, "fee_bps": n, "platform_buckets": n}.
    create function order_settle(p_order_id bigint, p_method text, p_amount bigint, p_external_ref text, p_key text,
      p_actor bigint, p_now timestamptz, p_signed_on date, p_transferred boolean, p_rules jsonb,
      out outcome text, out contract_id bigint, out order_status text, out expected_method text, out expected_amount bigint)
      language plpgsql as $$
    #variable_conflict use_column
    declare
      o orders%rowtype;
      v_key_order bigint;
      v_contract bigint;
      v_bucket integer;
      v_fee bigint;
      v_clearing bigint;
      h record;
      v_posted bigint;
    begin
      select * into o from orders where id = p_order_id for update;
      if not found then outcome := 'not_found'; return; end if;
      order_status := o.status;
      expected_method := o.payment_method;
      expected_amount := o.cash_due_fen;
      contract_id := o.contract_id;
      if p_key is not null then
        select order_id into v_key_order from order_events where idempotency_key = p_key;
        if v_key_order is not null and v_key_order <> o.id then outcome := 'key_of_other_order'; return; end if;
        if v_key_order = o.id then outcome := 'already_done'; return; end if;
      end if;
      if o.status in ('completed', 'refunded') then outcome := 'already_done'; return; end if;
      if o.status <> 'pending' then outcome := 'closed'; return; end if;
      if o.payment_method <> p_method then outcome := 'method_mismatch'; return; end if;
      if p_method <> 'voucher' and p_amount is distinct from o.cash_due_fen then outcome := 'amount_mismatch'; return; end if;
      if o.exclusive and not p_transferred then outcome := 'exclusive'; return; end if;

      if o.quote_id is not null then
        update quotes set status = 'accepted' where id = o.quote_id;
        update inquiries set status = 'accepted', updated_at = p_now where id = (select inquiry_id from quotes where id = o.quote_id);
      end if;

      -- The contract, its parties read in the same statement. A platform sale is a pure technology contract: all of its
      -- value is technical income.
      insert into contracts (contract_no, signed_on, type, field, seller, seller_type, seller_organisation_id, buyer,
        buyer_organisation_id, buyer_region, amount_fen, technical_income_fen, source, order_id, registered_by, registered_at)
      select 'PLT-' || o.id, p_signed_on, p_rules -> 'contract_types' ->> o.mode, r.field, btrim(s.name),
        case when s.kind = 'institution' and s.institution_type in ('university', 'institute') then s.institution_type
             when s.kind = 'enterprise' then 'enterprise' else 'other' end,
        s.id, btrim(b.name), b.id,
        coalesce(p_rules -> 'region_labels' ->> coalesce(b.region, 'other'), coalesce(b.region, 'other')),
        o.price_fen, o.price_fen, 'platform', o.id, p_actor, p_now
        from organisations s, organisations b, technology_results r
       where s.id = o.seller_organisation_id and b.id = o.buyer_organisation_id and r.id = o.result_id
      returning id into v_contract;

      -- Voucher redemptions: the vouchers locked in id order, then what the order holds on each, read under the
      -- order's lock (every statement here starts from the order's own ledger transactions, found by its index).
      if o.voucher_part_fen > 0 then
        perform 1 from vouchers
         where id = any (array(select voucher_id from ledger_transactions where order_id = o.id and kind = 'voucher_hold'))
         order by id for no key update;
        for h in
          select held.voucher_id, held.programme_id, held.id as held_account, (-sum(e.amount))::bigint as amount
            from ledger_transactions t
            join ledger_entries e on e.transaction_id = t.id
            join ledger_accounts held on held.id = e.account_id
           where t.order_id = o.id and held.purpose = 'voucher_held'
           group by held.voucher_id, held.programme_id, held.id
           order by held.voucher_id
        loop
          continue when h.amount = 0;
          v_posted := ledger_post('voucher_post', 'order:' || o.id || ':voucher:' || h.voucher_id || ':post', o.id, v_contract,
            h.voucher_id, h.programme_id, null, null, null,
            array[h.held_account, ledger_account_id('voucher_reimbursable', o.seller_organisation_id, h.programme_id, null, null)],
            array[h.amount, -h.amount]);
          if v_posted is null then
            raise exception 'order %: its hold on voucher % was already redeemed', o.id, h.voucher_id using errcode = 'LG005';
          end if;
        end loop;
      end if;

      with done as (
        update orders set status = 'completed', paid_at = p_now, contract_id = v_contract, payment_ref = p_external_ref
         where id = o.id returning id)
      insert into order_events (order_id, kind, idempotency_key, amount_fen, external_ref, actor_user_id, note, created_at)
      select id, 'paid', p_key, o.cash_due_fen, p_external_ref, p_actor,
             case when p_method = 'voucher' then 'voucher covered the whole price' end, p_now
        from done;

      -- The payment, split when it is recorded: clearing (debit) → platform fee + payable to the seller (credits). The
      -- platform's accounts are the most contended rows of all: posted last, just before the commit.
      if p_method in ('card', 'bank_transfer') then
        v_bucket := o.id % (p_rules ->> 'platform_buckets')::integer;
        v_fee := floor(o.cash_due_fen::numeric * (p_rules ->> 'fee_bps')::integer / 10000)::bigint;
        v_clearing := ledger_account_id(case when p_method = 'card' then 'stripe_clearing' else 'bank_clearing' end, null, null, null, v_bucket);
        v_posted := ledger_post(case when p_method = 'card' then 'card_payment' else 'bank_transfer' end,
          'order:' || o.id || ':' || case when p_method = 'card' then 'card_payment' else 'bank_transfer' end,
          o.id, v_contract, null, null, case when p_method = 'card' then p_external_ref end,
          case when p_method = 'bank_transfer' then 'bank transfer ' || p_external_ref end, null,
          array[v_clearing,
                case when v_fee > 0 then ledger_account_id('platform_fee_revenue', null, null, null, v_bucket) end,
                case when o.cash_due_fen > v_fee then ledger_account_id('institution_payable', o.seller_organisation_id, null, null, null) end],
          array[o.cash_due_fen, -v_fee, -(o.cash_due_fen - v_fee)]);
        if v_posted is null then
          raise exception 'order %: its payment was already posted', o.id using errcode = 'LG005';
        end if;
      end if;

      outcome := 'completed';
      contract_id := v_contract;
      order_status := 'completed';
    end $$;

    -- These functions and the ledger's triggers only look rows up by key, in tables that are small in rows but churn:
    -- an account row is rewritten by every entry, leaving dead versions in its pages. On a small table the planner
    -- prefers a sequential scan (or a hash join over one), which then walks every dead version on every posting, and a
    -- plan made while a table was small stays cached as it grows. Index lookups are right at every size here.
    alter function ledger_entries_before_insert() set enable_seqscan = off;
    alter function ledger_transactions_check() set enable_seqscan = off;
    alter function order_settle(bigint, text, bigint, text, text, bigint, timestamptz, date, boolean, jsonb) set enable_seqscan = off;
    alter function order_place(bigint, text, bigint, bigint, bigint, bigint, bigint, bigint, bigint, text, timestamptz,
      timestamptz, bigint[], bigint[], bigint, bigint[], bigint[], text) set enable_seqscan = off;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function order_settle, order_place, voucher_cap_used, ledger_post, ledger_account_id, ledger_account_code`.execute(db);
  await sql`
    alter table ledger_transactions
      add constraint ledger_transactions_voucher_id_fkey foreign key (voucher_id) references vouchers(id),
      add constraint ledger_transactions_programme_id_fkey foreign key (programme_id) references voucher_programmes(id);
    drop index order_events_idempotency_key;
    alter table order_events add constraint order_events_idempotency_key unique (idempotency_key);
    drop index ledger_transactions_reversed_once, orders_contract_id_key, orders_stripe_checkout_session_id_key;
    alter table ledger_transactions add constraint ledger_transactions_reversed_once unique (reverses_transaction_id);
    alter table orders add constraint orders_contract_id_key unique (contract_id),
      add constraint orders_stripe_checkout_session_id_key unique (stripe_checkout_session_id);
    create or replace function ledger_entries_before_insert() returns trigger language plpgsql as $$
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
    alter function ledger_entries_before_insert() reset enable_seqscan;
    alter table ledger_entries
      add constraint ledger_entries_transaction_id_fkey foreign key (transaction_id) references ledger_transactions(id),
      add constraint ledger_entries_account_id_fkey foreign key (account_id) references ledger_accounts(id);
    drop trigger orders_terms on orders;
    drop function orders_check_terms;
    alter table orders
      add constraint orders_cash_due_fen_check check (cash_due_fen >= 0),
      add constraint orders_check check (exclusive = (mode in ('assignment', 'exclusive_license', 'sole_license', 'equity'))),
      add constraint orders_check1 check (voucher_part_fen + cash_due_fen = price_fen),
      add constraint orders_check2 check ((payment_method = 'voucher') = (cash_due_fen = 0)),
      add constraint orders_check3 check ((voucher_part_fen > 0) = (programme_id is not null)),
      add constraint orders_check4 check (buyer_organisation_id <> seller_organisation_id),
      add constraint orders_mode_check check (mode in ('assignment', 'exclusive_license', 'sole_license', 'nonexclusive_license',
        'equity', 'development', 'service')),
      add constraint orders_payment_method_check check (payment_method in ('card', 'bank_transfer', 'voucher')),
      add constraint orders_price_fen_check check (price_fen > 0),
      add constraint orders_voucher_part_fen_check check (voucher_part_fen >= 0);
    drop trigger ledger_accounts_identity on ledger_accounts;
    drop function ledger_accounts_check_identity;
    alter table ledger_accounts
      add constraint ledger_accounts_code_check check (length(code) between 1 and 200),
      add constraint ledger_accounts_currency_check check (currency ~ '^[A-Z]{3}$'),
      add constraint ledger_accounts_normal_side_check check (normal_side in ('debit', 'credit')),
      add constraint ledger_accounts_chart check (case purpose
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
        else false end);
  `.execute(db);
}
