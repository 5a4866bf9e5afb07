import { useT } from "~/i18n/context";
import type { VoucherApplicationStatus } from "../../db/schema";

/** A voucher application's status as a coloured label. */
export function ApplicationStatus({ status }: { status: VoucherApplicationStatus }) {
  const t = useT();
  return <span className={`status status--${status}`}>{t(`vouchers.applicationStatus.${status}`)}</span>;
}
