import { formatFen } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import type { ProgrammeSummary } from "~/services/vouchers/programmes";
import type { VoucherApplicationStatus } from "../../db/schema";

/** Basis points as a percentage: 5000 → "50%", 3333 → "33.33%". */
export function bpsPercent(bps: number): string {
  return `${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 2)}%`;
}

/** A programme's terms as the enterprise weighs them: amount, coverage, yearly cap, validity, budget left. */
export function ProgrammeTerms({ programme: p }: { programme: Pick<ProgrammeSummary, "voucherAmountFen" | "coverageBps" | "yearlyCapFen" | "validFrom" | "validTo" | "remainingBudgetFen"> }) {
  const t = useT();
  const locale = useLocale();
  return (
    <dl className="voucher-terms">
      <dt>{t("vouchers.field.voucherAmount")}</dt>
      <dd>{formatFen(p.voucherAmountFen, locale)}</dd>
      <dt>{t("vouchers.field.coveragePercent")}</dt>
      <dd>{bpsPercent(p.coverageBps)}</dd>
      <dt>{t("vouchers.field.yearlyCap")}</dt>
      <dd>{formatFen(p.yearlyCapFen, locale)}</dd>
      <dt>{t("vouchers.field.validity")}</dt>
      <dd>
        {p.validFrom} – {p.validTo}
      </dd>
      <dt>{t("vouchers.programme.remaining")}</dt>
      <dd>{formatFen(p.remainingBudgetFen, locale)}</dd>
    </dl>
  );
}

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
