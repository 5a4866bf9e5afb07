import { type Kysely, sql } from "kysely";

// 发票: after a purchase the buyer asks the seller for an invoice over the contract price, with its invoice title and
// taxpayer number; the seller records the invoice it issued (number and date). One invoice per order; a request is
// fixed once made and an issued invoice is final (a mistake is corrected outside the market by a red-letter invoice).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table order_invoices (
      order_id bigint primary key references orders(id),
      title text not null check (title = btrim(title) and length(title) between 1 and 100),
      tax_id text not null check (tax_id ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
      email text check (email is null or (length(email) <= 200 and email ~ '^[^@\s]+@[^@\s]+$')),
      requested_by bigint not null references users(id),
      requested_at timestamptz not null default now(),
      invoice_no text check (invoice_no is null or invoice_no ~ '^[0-9A-Za-z]{8,30}$'),
      issued_on date,
      issued_by bigint references users(id),
      issued_at timestamptz,
      check (num_nulls(invoice_no, issued_on, issued_by, issued_at) in (0, 4))
    );
    create index order_invoices_to_issue_idx on order_invoices (requested_at) where invoice_no is null;

    create function order_invoices_before_update() returns trigger language plpgsql as $$
    begin
      if old.invoice_no is not null then
        raise exception 'order %: its invoice % is issued and final', old.order_id, old.invoice_no using errcode = 'CK001';
      end if;
      if (new.order_id, new.title, new.tax_id, new.email, new.requested_by, new.requested_at)
         is distinct from (old.order_id, old.title, old.tax_id, old.email, old.requested_by, old.requested_at) then
        raise exception 'order %: an invoice request is fixed once made', old.order_id using errcode = 'CK001';
      end if;
      return new;
    end $$;
    create trigger order_invoices_guard before update on order_invoices
      for each row execute function order_invoices_before_update();
    create trigger order_invoices_no_delete before delete on order_invoices
      for each row execute function ledger_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table order_invoices; drop function order_invoices_before_update;`.execute(db);
}
