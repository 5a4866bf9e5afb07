import type { ResultStatus } from "../../../db/schema";
import { useT } from "~/i18n/context";

export function StatusBadge({ status }: { status: ResultStatus | "stale" }) {
  const t = useT();
  return <span className={`status-badge status-badge--${status}`}>{t(`catalogue.status.${status}`)}</span>;
}
