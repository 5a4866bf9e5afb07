import { useT } from "~/i18n/context";
import type { VoucherApplicationStatus } from "../../db/schema";

/** A voucher application's status as a coloured label. */
export function ApplicationStatus({ status }: { status: VoucherApplicationStatus }) {
  const t = useT();
  return <span className={`status status--${status}`}>{t(`vouchers.applicationStatus.${status}`)}</span>;
}

/** How many of a spot check's drawn purchases have been reviewed, as a bar and a count (phrasing content: it fits in a KPI's <p>). */
export function ReviewProgress({ reviewed, drawn }: { reviewed: number; drawn: number }) {
  const t = useT();
  return (
    <span className="voucher-budget">
      <span className="voucher-budget__track" aria-hidden>
        <span className="voucher-budget__bar" style={{ width: `${drawn === 0 ? 0 : Math.round((reviewed / drawn) * 100)}%` }} />
      </span>
      <small>{t("vouchers.spot.reviewedOf", { reviewed, drawn })}</small>
    </span>
  );
}

/** How long the oldest voucher redemption an institution is owed for has waited for reimbursement (兑付). */
export function ReimbursementWait({ wait }: { wait: { days: number; overdue: boolean } | null }) {
  const t = useT();
  if (!wait) return <span className="kpi__label">—</span>;
  const text = t("vouchers.reimbursement.waitDays", { days: wait.days });
  return wait.overdue ? <span className="tag tag--alert">{text}</span> : <>{text}</>;
}
