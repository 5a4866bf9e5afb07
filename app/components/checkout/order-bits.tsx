import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { Pager } from "~/components/data-table";
import { PageHead } from "~/components/page-head";
import { StatusTabs } from "~/components/status-tabs";
import { formatFen } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import type { OrderDetail } from "~/services/checkout/queries";
import { PLATFORM_BANK_ACCOUNT } from "~/services/checkout/bank";
import type { OrderStatus } from "../../../db/schema";
import { formatDay, formatWhen } from "./format";
import type { Wire } from "./wire";
import "./checkout.css";

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  const t = useT();
  return <span className={`status order-status order-status--${status}`}>{t(`checkout.status.${status}`)}</span>;
}

/** The status filter over an order list: "all" first, then the given statuses, each with its count. */
export function OrderStatusTabs({
  statuses,
  counts,
  current,
}: {
  statuses: readonly OrderStatus[];
  counts: Record<OrderStatus, number>;
  current: OrderStatus | null;
}) {
  const t = useT();
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <StatusTabs
      label={t("checkout.orders.filter")}
      current={current}
      tabs={[
        { key: null, label: t("checkout.orders.all"), count: all },
        ...statuses.map((s) => ({ key: s, label: t(`checkout.status.${s}`), count: counts[s] })),
      ]}
    />
  );
}

/** The pages of an order list, keeping its status filter. */
export function OrdersPager({ page, total, perPage, status }: { page: number; total: number; perPage: number; status: OrderStatus | null }) {
  const t = useT();
  const pages = Math.max(1, Math.ceil(total / perPage));
  return (
    <Pager
      page={page}
      pages={pages}
      href={(p) => `?${new URLSearchParams({ ...(status ? { status } : {}), page: String(p) })}`}
      label={t("checkout.orders.pages")}
      text={{ prev: t("checkout.orders.prev"), next: t("checkout.orders.next"), pageOf: t("checkout.orders.pageOf", { page, pages }) }}
    />
  );
}

/**
 * An order page's title row, for each side of the sale: the order's number and status, what it is about for this
 * reader (the result, or the buyer), the way back to their list, and printing once the order is a receipt.
 */
export function OrderPageHead({
  order,
  about,
  back,
  printable,
}: {
  order: { orderNo: string; status: OrderStatus };
  about: ReactNode;
  back: { to: string; label: string };
  printable: boolean;
}) {
  const t = useT();
  return (
    <PageHead
      title={t("checkout.order.title", { no: order.orderNo })}
      intro={
        <>
          <OrderStatusBadge status={order.status} /> {about}
        </>
      }
      actions={
        <>
          <Link className="button button--ghost" to={back.to}>
            {back.label}
          </Link>
          {printable ? (
            <button type="button" className="button button--ghost" onClick={() => window.print()}>
              {t("checkout.order.print")}
            </button>
          ) : null}
        </>
      }
    />
  );
}

/** Price, what the vouchers pay and what is paid in cash, as a receipt shows it. */
export function MoneyBreakdown({
  priceFen,
  voucherPartFen,
  cashDueFen,
  cashLabel,
}: {
  priceFen: number;
  voucherPartFen: number;
  cashDueFen: number;
  cashLabel?: string;
}) {
  const t = useT();
  const locale = useLocale();
  return (
    <dl className="money">
      <dt>{t("checkout.money.price")}</dt>
      <dd>{formatFen(priceFen, locale)}</dd>
      <dt>{t("checkout.money.voucher")}</dt>
      <dd className="money__voucher">{voucherPartFen > 0 ? `− ${formatFen(voucherPartFen, locale)}` : formatFen(0, locale)}</dd>
      <dt className="money__total">{cashLabel ?? t("checkout.money.cash")}</dt>
      <dd className="money__total">{formatFen(cashDueFen, locale)}</dd>
    </dl>
  );
}

/** How to pay by bank transfer: the account, the exact amount and the reference code to put in the memo. */
export function BankInstructions({ reference, cashDueFen, expiresAt }: { reference: string; cashDueFen: number; expiresAt: string }) {
  const t = useT();
  const locale = useLocale();
  const en = locale === "en";
  return (
    <section className="panel bank" aria-labelledby="bank-heading">
      <h2 id="bank-heading">{t("checkout.bank.title")}</h2>
      <p>{t("checkout.bank.intro", { deadline: formatWhen(expiresAt, locale) })}</p>
      <dl className="bank__details">
        <dt>{t("checkout.bank.payee")}</dt>
        <dd>{en ? PLATFORM_BANK_ACCOUNT.payeeEn : PLATFORM_BANK_ACCOUNT.payee}</dd>
        <dt>{t("checkout.bank.bank")}</dt>
        <dd>{en ? PLATFORM_BANK_ACCOUNT.bankEn : PLATFORM_BANK_ACCOUNT.bank}</dd>
        <dt>{t("checkout.bank.account")}</dt>
        <dd className="mono">{PLATFORM_BANK_ACCOUNT.account}</dd>
        <dt>{t("checkout.bank.amount")}</dt>
        <dd className="bank__amount">{formatFen(cashDueFen, locale)}</dd>
        <dt>{t("checkout.bank.reference")}</dt>
        <dd>
          <strong className="bank__reference mono">{reference}</strong>
        </dd>
      </dl>
      <p className="field__hint">{t("checkout.bank.referenceHint")}</p>
    </section>
  );
}

export function OrderTimeline({ events }: { events: Wire<OrderDetail["events"]> }) {
  const t = useT();
  const locale = useLocale();
  return (
    <ol className="timeline">
      {events.map((e, i) => (
        <li key={i}>
          <time dateTime={e.at}>{formatWhen(e.at, locale)}</time>
          <span>
            {t(`checkout.event.${e.kind}`)}
            {e.kind === "paid" && e.amountFen ? ` · ${formatFen(e.amountFen, locale)}` : null}
            {e.note && e.kind !== "paid" && e.kind !== "created" ? ` · ${e.note in REASON_KEYS ? t(REASON_KEYS[e.note]) : e.note}` : null}
            {e.actor ? <small> · {e.actor}</small> : null}
          </span>
        </li>
      ))}
    </ol>
  );
}

const REASON_KEYS: Record<string, string> = {
  checkout_expired: "checkout.reason.checkout_expired",
  reservation_lapsed: "checkout.reason.reservation_lapsed",
  cancelled: "checkout.reason.cancelled",
  payment_failed: "checkout.reason.payment_failed",
};

/** The receipt both sides see: parties, what was bought, the money, the contract. Prints cleanly. */
export function OrderReceipt({ order, resultLink = true }: { order: Wire<OrderDetail>; resultLink?: boolean }) {
  const t = useT();
  const locale = useLocale();
  const paid = order.status === "completed" || order.status === "refunded";
  return (
    <div className="details receipt">
      <section className="panel">
        <h2>{t("checkout.receipt.deal")}</h2>
        <dl>
          <dt>{t("checkout.receipt.orderNo")}</dt>
          <dd className="mono">{order.orderNo}</dd>
          <dt>{t("checkout.receipt.result")}</dt>
          <dd>{resultLink ? <Link to={`/results/${order.resultId}`}>{order.resultTitle}</Link> : order.resultTitle}</dd>
          <dt>{t("checkout.receipt.mode")}</dt>
          <dd>
            {t(`mode.${order.mode}`)}
            {order.exclusive ? <span className="tag">{t("checkout.receipt.soldOnce")}</span> : null}
          </dd>
          <dt>{t("checkout.receipt.field")}</dt>
          <dd>{t(`field.${order.field}`)}</dd>
          <dt>{t("checkout.receipt.seller")}</dt>
          <dd>{order.seller}</dd>
          <dt>{t("checkout.receipt.buyer")}</dt>
          <dd>
            {order.buyer}
            <small className="muted"> · {order.buyerUser}</small>
          </dd>
          <dt>{t("checkout.receipt.placedAt")}</dt>
          <dd>{formatWhen(order.createdAt, locale)}</dd>
          {order.paidAt ? (
            <>
              <dt>{t("checkout.receipt.paidAt")}</dt>
              <dd>{formatWhen(order.paidAt, locale)}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <section className="panel">
        <h2>{t("checkout.receipt.money")}</h2>
        <MoneyBreakdown
          priceFen={order.priceFen}
          voucherPartFen={order.voucherPartFen}
          cashDueFen={order.cashDueFen}
          cashLabel={t(`checkout.money.cashBy.${order.paymentMethod}`)}
        />
        {order.vouchers.length > 0 ? (
          <ul className="receipt__vouchers">
            {order.vouchers.map((v) => (
              <li key={v.voucherId}>
                <span className="mono">{v.serial}</span> {formatFen(v.amountFen, locale)}
              </li>
            ))}
          </ul>
        ) : null}
        {order.programmeName ? <p className="field__hint">{t("checkout.receipt.programme", { name: order.programmeName })}</p> : null}
        {paid && order.paymentRef ? (
          <p className="field__hint">
            {t(`checkout.receipt.paymentRef.${order.paymentMethod}`)} <span className="mono">{order.paymentRef}</span>
          </p>
        ) : null}
      </section>
      {order.contract ? (
        <section className="panel">
          <h2>{t("checkout.receipt.contract")}</h2>
          <dl>
            <dt>{t("checkout.receipt.contractNo")}</dt>
            <dd className="mono">{order.contract.contractNo}</dd>
            <dt>{t("checkout.receipt.certificateNo")}</dt>
            <dd className="mono">{order.contract.certificateNo}</dd>
            <dt>{t("checkout.receipt.contractType")}</dt>
            <dd>{t(`checkout.contractType.${order.mode}`)}</dd>
            <dt>{t("checkout.receipt.signedOn")}</dt>
            <dd>{formatDay(order.contract.signedOn, locale)}</dd>
            <dt>{t("checkout.receipt.contractStatus")}</dt>
            <dd>
              <span className={`status status--${order.contract.status}`}>{t(`checkout.contractStatus.${order.contract.status}`)}</span>
            </dd>
          </dl>
        </section>
      ) : null}
    </div>
  );
}

/** The history panel that closes every order page: the order's events, oldest first. */
export function OrderHistory({ events }: { events: Wire<OrderDetail["events"]> }) {
  const t = useT();
  return (
    <section className="panel panel--spaced timeline-panel" aria-labelledby="history">
      <h2 id="history">{t("checkout.order.history")}</h2>
      <OrderTimeline events={events} />
    </section>
  );
}

/** When a refunded order was refunded (the operator's pages). */
export function RefundedNotice({ order }: { order: Pick<Wire<OrderDetail>, "status" | "refundedAt"> }) {
  const t = useT();
  const locale = useLocale();
  if (order.status !== "refunded" || !order.refundedAt) return null;
  return <p className="notice panel--spaced">{t("checkout.order.refunded", { at: formatWhen(order.refundedAt, locale) })}</p>;
}
