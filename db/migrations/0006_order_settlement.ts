import { type Kysely, sql } from "kysely";

// Settling a paid order in one call (docs/decisions/0007). Completion is the checkout's busiest step: contract, voucher
// redemptions, payment with the platform fee, the order's new state. Run from the application it was some fourteen
// round trips per order; as one function it is one, and its statements run on plans cached in the session.
//
// The rules stay in the application and come in as arguments: the contract type of each mode, the Chinese region
// names, the fee, the platform's buckets (app/services/checkout/settle.ts builds them). The ledger's invariants are
// still the triggers of 0004; these functions post through the same tables and cannot bypass them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The account code as app/services/ledger/accounts.ts writes it (a test compares the two).
    create function ledger_account_code(p_purpose text, p_owner bigint, p_programme bigint, p_voucher bigint, p_bucket integer)
      returns text language sql immutable as $$
      select case
        when p_voucher is not null then 'voucher:' || p_voucher || ':' || p_purpose
        when p_programme is not null and p_purpose in ('voucher_reimbursable', 'reimbursement_in_payment')
          then 'programme:' || p_programme || ':org:' || p_owner || ':' || p_purpose
        when p_programme is not null then 'programme:' || p_programme || ':' || p_purpose
        when p_owner is not null then 'org:' || p_owner || ':' || p_purpose
        when coalesce(p_bucket, 0) > 0 then 'platform:' || p_purpose || ':' || p_bucket
        else 'platform:' || p_purpose
      end
    $$;

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
      v_seller organisations%rowtype;
      v_buyer organisations%rowtype;
      v_field text;
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

      -- The contract. A platform sale is a pure technology contract: all of its value is technical income.
      select * into v_seller from organisations where id = o.seller_organisation_id;
      select * into v_buyer from organisations where id = o.buyer_organisation_id;
      select field into v_field from technology_results where id = o.result_id;
      insert into contracts (contract_no, signed_on, type, field, seller, seller_type, seller_organisation_id, buyer,
        buyer_organisation_id, buyer_region, amount_fen, technical_income_fen, source, order_id, registered_by, registered_at)
      values ('PLT-' || o.id, p_signed_on, p_rules -> 'contract_types' ->> o.mode, v_field, btrim(v_seller.name),
        case when v_seller.kind = 'institution' and v_seller.institution_type in ('university', 'institute') then v_seller.institution_type
             when v_seller.kind = 'enterprise' then 'enterprise' else 'other' end,
        v_seller.id, btrim(v_buyer.name), v_buyer.id,
        coalesce(p_rules -> 'region_labels' ->> coalesce(v_buyer.region, 'other'), coalesce(v_buyer.region, 'other')),
        o.price_fen, o.price_fen, 'platform', o.id, p_actor, p_now)
      returning id into v_contract;

      -- Voucher redemptions: the vouchers locked in id order, what the order holds on each read under the order's lock.
      if o.voucher_part_fen > 0 then
        for h in
          select v.id as voucher_id, v.programme_id, held.id as held_account,
                 coalesce((select -sum(e.amount) from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
                            where e.account_id = held.id and t.order_id = o.id), 0)::bigint as amount
            from vouchers v
            join ledger_accounts held on held.voucher_id = v.id and held.purpose = 'voucher_held'
           where v.id in (select voucher_id from ledger_transactions where order_id = o.id and kind = 'voucher_hold')
           order by v.id
             for no key update of v
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
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function order_settle, ledger_post, ledger_account_id, ledger_account_code`.execute(db);
}
