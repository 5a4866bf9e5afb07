import { type Kysely, sql } from "kysely";

// Checkout (issue 4): inquiries and quotes for negotiable modes, orders, the 30-minute reservation of an exclusive
// result, and each order's event log (which doubles as the idempotency record of the payment callbacks).
//
// What the database enforces here, not only the code:
// - an exclusive result has at most one active reservation (result_reservations_one_active) and is sold at most once
//   (orders_one_sale_per_exclusive_result), however many buyers race;
// - an order's price splits exactly into voucher part + cash part, and the payment method matches the split;
// - an order moves only along pending → completed | cancelled | expired | failed and completed → refunded, and its
//   parties, price and split never change once written (orders_guard);
// - a quote is used by at most one live order, and an inquiry has at most one offered quote.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table inquiries (
      id bigint generated always as identity primary key,
      result_id bigint not null references technology_results(id),
      mode text not null check (mode in ('assignment', 'exclusive_license', 'sole_license', 'nonexclusive_license', 'equity',
        'development', 'service')),
      enterprise_id bigint not null references organisations(id),
      user_id bigint not null references users(id),
      institution_id bigint not null references organisations(id),
      message text not null check (length(btrim(message)) between 1 and 2000),
      contact_name text not null check (length(btrim(contact_name)) between 1 and 50),
      contact_phone text not null check (contact_phone ~ '^[0-9+() -]{7,20}$'),
      status text not null default 'open' check (status in ('open', 'quoted', 'accepted', 'declined', 'withdrawn')),
      decline_reason text check (decline_reason is null or length(decline_reason) <= 500),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (status <> 'declined' or length(btrim(decline_reason)) > 0),
      check (enterprise_id <> institution_id)
    );
    -- One conversation at a time per buyer, result and mode: a double click cannot open two.
    create unique index inquiries_one_open on inquiries (result_id, mode, enterprise_id) where status in ('open', 'quoted');
    create index inquiries_institution_idx on inquiries (institution_id, updated_at desc);
    create index inquiries_enterprise_idx on inquiries (enterprise_id, updated_at desc);

    create table quotes (
      id bigint generated always as identity primary key,
      inquiry_id bigint not null references inquiries(id),
      price_fen bigint not null check (price_fen > 0),
      -- the last China calendar day on which the buyer may accept
      valid_until date not null,
      note text check (note is null or length(note) <= 1000),
      status text not null default 'offered' check (status in ('offered', 'superseded', 'accepted', 'withdrawn')),
      created_by bigint references users(id),
      created_at timestamptz not null default now()
    );
    create unique index quotes_one_offered on quotes (inquiry_id) where status = 'offered';
    create index quotes_inquiry_idx on quotes (inquiry_id, id desc);

    create table orders (
      id bigint generated always as identity primary key,
      result_id bigint not null references technology_results(id),
      mode text not null check (mode in ('assignment', 'exclusive_license', 'sole_license', 'nonexclusive_license', 'equity',
        'development', 'service')),
      -- sold once (assignment, exclusive and sole licence, equity); stated here so the indexes below can use it
      exclusive boolean not null,
      quote_id bigint references quotes(id),
      buyer_organisation_id bigint not null references organisations(id),
      buyer_user_id bigint not null references users(id),
      seller_organisation_id bigint not null references organisations(id),
      price_fen bigint not null check (price_fen > 0),
      voucher_part_fen bigint not null check (voucher_part_fen >= 0),
      cash_due_fen bigint not null check (cash_due_fen >= 0),
      programme_id bigint references voucher_programmes(id),
      payment_method text not null check (payment_method in ('card', 'bank_transfer', 'voucher')),
      status text not null default 'pending' check (status in ('pending', 'completed', 'cancelled', 'expired', 'failed',
        'refunded')),
      -- payment deadline (and end of the reservation for exclusive modes)
      expires_at timestamptz not null,
      stripe_checkout_session_id text unique,
      -- Stripe's hosted page for the session, so the buyer can come back to it while it is open
      stripe_checkout_url text check (stripe_checkout_url is null or length(stripe_checkout_url) <= 2000),
      -- the card payment or bank transfer as the payer's side names it (Stripe payment / bank transaction number)
      payment_ref text check (payment_ref is null or length(payment_ref) between 1 and 255),
      contract_id bigint unique references contracts(id),
      close_reason text check (close_reason is null or close_reason in ('checkout_expired', 'reservation_lapsed',
        'cancelled', 'payment_failed')),
      created_at timestamptz not null default now(),
      paid_at timestamptz,
      closed_at timestamptz,
      refunded_at timestamptz,
      check (exclusive = (mode in ('assignment', 'exclusive_license', 'sole_license', 'equity'))),
      check (voucher_part_fen + cash_due_fen = price_fen),
      check ((payment_method = 'voucher') = (cash_due_fen = 0)),
      check ((voucher_part_fen > 0) = (programme_id is not null)),
      check (buyer_organisation_id <> seller_organisation_id),
      check ((status in ('completed', 'refunded')) = (paid_at is not null and contract_id is not null)),
      check ((status in ('cancelled', 'expired', 'failed')) = (closed_at is not null and close_reason is not null)),
      check ((status = 'refunded') = (refunded_at is not null)),
      check (stripe_checkout_session_id is null or payment_method = 'card'),
      check ((stripe_checkout_url is null) or (stripe_checkout_session_id is not null))
    );
    -- Sold once: at most one completed order per exclusive result. A refund (status refunded) frees it again.
    create unique index orders_one_sale_per_exclusive_result on orders (result_id) where exclusive and status = 'completed';
    create unique index orders_one_live_per_quote on orders (quote_id)
      where quote_id is not null and status in ('pending', 'completed');
    create index orders_buyer_idx on orders (buyer_organisation_id, id desc);
    create index orders_seller_idx on orders (seller_organisation_id, id desc);
    create index orders_result_idx on orders (result_id);
    create index orders_pending_expiry_idx on orders (expires_at) where status = 'pending';

    -- Starting the checkout of an exclusive mode reserves the result for its order. The partial unique index is the
    -- last word when two checkouts race: the second insert fails, whatever the code did before it.
    create table result_reservations (
      order_id bigint primary key references orders(id),
      result_id bigint not null references technology_results(id),
      reserved_at timestamptz not null default now(),
      expires_at timestamptz not null,
      state text not null default 'active' check (state in ('active', 'released', 'converted')),
      ended_at timestamptz,
      check (expires_at > reserved_at),
      check ((state = 'active') = (ended_at is null))
    );
    create unique index result_reservations_one_active on result_reservations (result_id) where state = 'active';

    -- What happened to an order, in order. Payment callbacks (Stripe webhook, operator confirmation) carry an
    -- idempotency key: a repeat finds its key here and changes nothing.
    create table order_events (
      id bigint generated always as identity primary key,
      order_id bigint not null references orders(id),
      kind text not null check (kind in ('created', 'stripe_session', 'paid', 'payment_failed', 'expired', 'cancelled',
        'refunded')),
      idempotency_key text check (idempotency_key is null or length(idempotency_key) between 1 and 200),
      amount_fen bigint,
      external_ref text check (external_ref is null or length(external_ref) <= 255),
      actor_user_id bigint references users(id),
      note text check (note is null or length(note) <= 500),
      created_at timestamptz not null default now(),
      constraint order_events_idempotency_key unique (idempotency_key)
    );
    create index order_events_order_idx on order_events (order_id, id);

    create function orders_before_update() returns trigger language plpgsql as $$
    begin
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
      end if;
      return new;
    end $$;
    create trigger orders_guard before update on orders for each row execute function orders_before_update();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table order_events, result_reservations, orders, quotes, inquiries;
    drop function orders_before_update;
  `.execute(db);
}
