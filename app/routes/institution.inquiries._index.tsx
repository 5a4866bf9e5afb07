import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { PageHead } from "~/components/page-head";
import { formatDay, formatWhen } from "~/components/checkout/format";
import { toWire } from "~/components/checkout/wire";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { listInquiries } from "~/services/checkout";
import { requireUser } from "~/session.server";
import { INQUIRY_STATUSES, type InquiryStatus } from "../../db/schema";
import { StatusTabs } from "~/components/status-tabs";
import { DataTable } from "~/components/data-table";

// The institution's inquiries (询价): open ones first, each answered with a quote or declined on its own page.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.inquiry.received")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const raw = new URL(request.url).searchParams.get("status");
  const status = raw && (INQUIRY_STATUSES as readonly string[]).includes(raw) ? (raw as InquiryStatus) : null;
  const rows = await listInquiries(await getDb(), { institutionId: user.organisationId }, { status, limit: 200 });
  return { rows: toWire(rows), status };
}

export default function InstitutionInquiries() {
  const { rows, status } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const tabs: (InquiryStatus | null)[] = [null, "open", "quoted", "accepted", "declined", "withdrawn"];
  return (
    <div>
      <PageHead
        title={t("checkout.inquiry.received")}
        intro={t("checkout.inquiry.receivedIntro")}
      />
      <StatusTabs
        label={t("checkout.orders.filter")}
        current={status}
        tabs={tabs.map((s) => ({ key: s, label: s ? t(`checkout.inquiryStatus.${s}`) : t("checkout.orders.all") }))}
      />
      {rows.length === 0 ? (
        <p className="empty">{t("checkout.inquiry.noneReceived")}</p>
      ) : (
        <DataTable
          stackOnPhone
          className="orders-table"
          rows={rows}
          rowKey={(i) => i.id}
          columns={[
            { header: t("checkout.col.result"), className: "title-cell", cell: (i) => <Link to={`/institution/inquiries/${i.id}`}>{i.resultTitle}</Link> },
            { header: t("checkout.col.mode"), className: "nowrap", cell: (i) => t(`mode.${i.mode}`) },
            { header: t("checkout.col.buyer"), cell: (i) => i.enterprise },
            {
              header: t("checkout.col.status"),
              cell: (i) => <span className={`status status--${i.status}`}>{t(`checkout.inquiryStatus.${i.status}`)}</span>,
            },
            {
              header: t("checkout.inquiry.quote"),
              cell: (i) =>
                i.quote ? (
                  <>
                    {formatFen(i.quote.priceFen, locale)}
                    <br />
                    <small className="muted">{t("checkout.inquiry.validUntil", { date: formatDay(i.quote.validUntil, locale) })}</small>
                  </>
                ) : (
                  "—"
                ),
            },
            { header: t("checkout.col.updatedAt"), className: "nowrap", cell: (i) => formatWhen(i.updatedAt, locale) },
          ]}
        />
      )}
    </div>
  );
}
