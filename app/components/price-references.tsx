import { formatFen } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";

/** 成交参考价 of one field and contract type as a loader sends it (docs/decisions/0018). */
export interface PriceReferenceView {
  field: string;
  type: string;
  contracts: number;
  p25Fen: number;
  medianFen: number;
  p75Fen: number;
}

/** One line per contract type: how many contracts, the median and the middle half, in the message `lineKey`. */
export function PriceReferenceList({ refs, lineKey }: { refs: readonly PriceReferenceView[]; lineKey: string }) {
  const t = useT();
  const locale = useLocale();
  return (
    <ul>
      {refs.map((r) => (
        <li key={`${r.field}-${r.type}`}>
          {t(lineKey, {
            field: t(`field.${r.field}`),
            type: t(`contracts.type.${r.type}`),
            count: r.contracts,
            median: formatFen(r.medianFen, locale),
            low: formatFen(r.p25Fen, locale),
            high: formatFen(r.p75Fen, locale),
          })}
        </li>
      ))}
    </ul>
  );
}
