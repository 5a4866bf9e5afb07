import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { translator } from "~/i18n";
import { getLocale } from "~/locale.server";
import { fenToYuan } from "~/services/contracts/money";
import { toCsv } from "~/services/contracts/csv";
import { PAYEE_CHANGE_NOTICE_DAYS } from "~/services/payouts/payee-account";
import { batchPaymentList } from "~/services/vouchers";
import { requireUser } from "~/session.server";

// A reimbursement batch's payment list (兑付支付清单) as CSV, UTF-8 with a BOM: one row per institution with its payee
// account as it stands now, the amount in yuan, and what to check before paying. /bureau/vouchers/reimbursement/<id>.csv
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const list = await batchPaymentList(await getDb(), user.organisationId, params.batchId);
  if (!list) throw new Response("Not found", { status: 404 });
  const t = translator(await getLocale(request));
  const rows = [
    ["no", "institution", "creditCode", "accountName", "bank", "accountNumber", "amount", "purpose", "check"].map((c) => t(`vouchers.payList.${c}`)),
    ...list.lines.map((l, i) => [
      i + 1,
      l.institutionName,
      l.creditCode ?? "",
      l.payee?.accountName ?? "",
      l.payee?.bankName ?? "",
      l.payee?.accountNumber ?? "",
      fenToYuan(l.amountFen),
      t("vouchers.payList.purposeLine", { batch: list.reference }),
      !l.payee ? t("vouchers.payList.noAccount") : l.payee.recentlyChanged ? t("vouchers.payList.changedLately", { days: PAYEE_CHANGE_NOTICE_DAYS }) : "",
    ]),
    [t("vouchers.payList.total"), "", "", "", "", "", fenToYuan(list.totalFen), "", ""],
  ];
  return new Response(toCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${list.reference}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
