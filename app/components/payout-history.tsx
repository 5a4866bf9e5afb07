import { formatWhen } from "~/components/checkout/format";
import type { Wire } from "~/components/checkout/wire";
import { DataTable } from "~/components/data-table";
import { formatFen } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import type { PayoutRow } from "~/services/payouts";

/** Payouts to an institution, newest first, in a panel; the operator's view also says who recorded each. */
export function PayoutHistory({ payouts, empty, showRecordedBy = false }: { payouts: Wire<PayoutRow>[]; empty: string; showRecordedBy?: boolean }) {
  const t = useT();
  const locale = useLocale();
  return (
    <section className="panel panel--spaced" aria-labelledby="payout-history">
      <h2 id="payout-history">{t("payouts.history")}</h2>
      {payouts.length === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <DataTable
          stackOnPhone
          rows={payouts}
          rowKey={(p) => p.id}
          columns={[
            { header: t("payouts.colDate"), className: "nowrap", cell: (p) => formatWhen(p.paidAt, locale) },
            { header: t("payouts.colAmount"), numeric: true, cell: (p) => formatFen(p.amountFen, locale) },
            { header: t("payouts.colReference"), className: "mono", cell: (p) => p.bankReference },
            ...(showRecordedBy ? [{ header: t("payouts.colBy"), cell: (p: Wire<PayoutRow>) => p.paidBy }] : []),
            { header: t("payouts.colNote"), cell: (p) => p.note ?? "—" },
          ]}
        />
      )}
    </section>
  );
}
