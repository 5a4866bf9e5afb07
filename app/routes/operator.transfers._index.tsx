import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { PageHead } from "~/components/page-head";
import { formatWhen } from "~/components/checkout/format";
import { OrderStatusBadge } from "~/components/checkout/order-bits";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { listBankTransfers } from "~/services/checkout";
import { requireUser } from "~/session.server";
import { ScrollArea } from "~/components/scroll-area";

// Bank transfers (对公转账): the queue of orders waiting for money, and a search by the reference code on the bank
// statement, the order number or a party's name.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.transfers.title")} · ${t("app.name")}` }];
};

const STATUSES = ["pending", "completed", "refunded"] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const url = new URL(request.url);
  const q = (url.searchParams.get("q") ?? "").trim().slice(0, 100);
  const raw = url.searchParams.get("status");
  const status = (STATUSES as readonly string[]).includes(raw ?? "") ? (raw as (typeof STATUSES)[number]) : null;
  const rows = await listBankTransfers(await getDb(), { q, status, limit: 200 });
  return { rows: toWire(rows), q, status };
}

export default function Transfers() {
  const { rows, q, status } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <PageHead
        title={t("checkout.transfers.title")}
        intro={t("checkout.transfers.intro")}
      />
      <Form method="get" className="filters" role="search">
        <div className="field filters__q">
          <label htmlFor="transfer-q">{t("checkout.transfers.search")}</label>
          <input id="transfer-q" name="q" defaultValue={q} placeholder="KJ000001234" />
        </div>
        <div className="field">
          <label htmlFor="transfer-status">{t("checkout.col.status")}</label>
          <select id="transfer-status" name="status" defaultValue={status ?? ""}>
            <option value="">{q ? t("checkout.transfers.anyStatus") : t("checkout.status.pending")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`checkout.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="filters__actions">
          <button type="submit" className="button">
            {t("checkout.transfers.find")}
          </button>
          {q || status ? <Link to="/operator/transfers">{t("checkout.transfers.clear")}</Link> : null}
        </div>
      </Form>
      {rows.length === 0 ? (
        <p className="empty">{q ? t("checkout.transfers.noMatch") : t("checkout.transfers.none")}</p>
      ) : (
        <ScrollArea>
          <table className="data orders-table">
            <thead>
              <tr>
                <th scope="col">{t("checkout.transfers.reference")}</th>
                <th scope="col">{t("checkout.col.result")}</th>
                <th scope="col">{t("checkout.col.buyer")}</th>
                <th scope="col" className="num">
                  {t("checkout.transfers.amount")}
                </th>
                <th scope="col">{t("checkout.col.status")}</th>
                <th scope="col">{t("checkout.transfers.deadline")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td className="mono">
                    <Link to={`/operator/transfers/${r.id}`}>{r.bankReference}</Link>
                  </td>
                  <td className="title-cell">
                    {r.resultTitle}
                    <br />
                    <small className="muted">{r.seller}</small>
                  </td>
                  <td>{r.buyer}</td>
                  <td className="num">{formatFen(r.cashDueFen, locale)}</td>
                  <td>
                    <OrderStatusBadge status={r.status} />
                    {r.paymentRef ? (
                      <>
                        <br />
                        <small className="mono">{r.paymentRef}</small>
                      </>
                    ) : null}
                  </td>
                  <td className="nowrap">{r.status === "pending" ? formatWhen(r.expiresAt, locale) : r.paidAt ? formatWhen(r.paidAt, locale) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
    </div>
  );
}
