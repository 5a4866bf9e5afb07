import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import "~/styles/vouchers.css";
import { toWire } from "~/components/checkout/wire";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { PayoutHistory } from "~/components/payout-history";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { institutionSettlement } from "~/services/payouts";
import { getPayeeAccount, setPayeeAccount } from "~/services/payouts/payee-account";
import { PayeeAccountPanel } from "~/components/payee-account";
import { institutionReimbursement, reimbursementWait } from "~/services/vouchers";
import { ReimbursementWait } from "~/components/vouchers";
import { DataTable } from "~/components/data-table";
import { requireUser } from "~/session.server";

// The institution's settlement with the platform: what the platform still owes it for its sales and every payout it
// received, with the bank reference to find it on the statement; then the voucher part of its sales, which the bureau
// reimburses (兑付), and whether a spot check holds that back.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("payouts.mine.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const db = await getDb();
  const [settlement, reimbursement, payee] = await Promise.all([
    institutionSettlement(db, user.organisationId, { limit: 200 }),
    institutionReimbursement(db, user.organisationId),
    getPayeeAccount(db, user.organisationId),
  ]);
  if (!settlement) throw new Response("Not found", { status: 404 });
  const programmes = reimbursement.programmes.map((p) => ({ ...p, wait: reimbursementWait(p.waitingSince) }));
  return {
    settlement: toWire(settlement),
    reimbursement: toWire({ ...reimbursement, programmes }),
    payee: payee ? { ...payee, updatedAt: payee.updatedAt.toISOString() } : null,
    me: { isOrgAdmin: user.isOrgAdmin, organisationName: user.organisationName },
  };
}

// The payee account, set by the institution's administrators.
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const form = await request.formData();
  const text = (name: string) => (typeof form.get(name) === "string" ? String(form.get(name)) : "");
  const values = { accountName: text("accountName"), bankName: text("bankName"), accountNumber: text("accountNumber") };
  const result = await setPayeeAccount(await getDb(), { id: user.id, organisationId: user.organisationId }, values);
  if (!result.ok) {
    return data({ fieldErrors: result.fieldErrors, formError: result.formError?.key ?? null, values }, { status: result.formError ? 403 : 400 });
  }
  return redirect("/institution/settlement?payee=saved#payee");
}

export default function InstitutionSettlement() {
  const { settlement: s, reimbursement, payee, me } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() ?? null;
  const busy = useNavigation().state === "submitting";
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <PageHead
        title={t("payouts.mine.title")}
        intro={t("payouts.mine.intro")}
        actions={
          <Link className="button button--ghost" to="/institution/orders">
            {t("payouts.mine.toSales")}
          </Link>
        }
      />
      <section className="kpis" aria-label={t("payouts.figures")}>
        <Kpi label={t("payouts.mine.owed")} value={formatFen(s.owedFen, locale)} />
        <Kpi label={t("payouts.mine.paid")} value={formatFen(s.paidFen, locale)} meta={t("payouts.mine.count", { n: s.payoutCount })} />
      </section>
      <PayoutHistory payouts={s.payouts} empty={t("payouts.mine.none")} />
      <PayeeAccountPanel
        account={payee}
        canEdit={me.isOrgAdmin}
        organisationName={me.organisationName}
        failure={failure}
        busy={busy}
        saved={search.get("payee") === "saved"}
      />

      <section className="panel panel--spaced" aria-labelledby="reimbursement">
        <h2 id="reimbursement">{t("vouchers.mine.title")}</h2>
        <p className="field__hint">{t("vouchers.mine.intro")}</p>
        {reimbursement.programmes.length === 0 ? (
          <p className="empty">{t("vouchers.mine.none")}</p>
        ) : (
          <>
            <DataTable
              stackOnPhone
              rows={reimbursement.programmes}
              rowKey={(p) => p.programmeId}
              columns={[
                {
                  header: t("vouchers.col.programme"),
                  className: "name-cell",
                  cell: (p) => (
                    <>
                      {p.programmeName}
                      {p.irregularFindings > 0 && p.owedFen > 0 ? <small className="held-note">{t("vouchers.mine.held", { count: p.irregularFindings })}</small> : null}
                      {p.disallowedFen > 0 ? <small className="held-note">{t("vouchers.mine.disallowed", { amount: formatFen(p.disallowedFen, locale) })}</small> : null}
                      {p.uninvoiced > 0 ? <small className="held-note">{t("vouchers.mine.uninvoiced", { count: p.uninvoiced })}</small> : null}
                    </>
                  ),
                },
                { header: t("vouchers.reimbursement.colOwed"), numeric: true, cell: (p) => formatFen(p.owedFen, locale) },
                { header: t("vouchers.reimbursement.colWaiting"), className: "nowrap", cell: (p) => <ReimbursementWait wait={p.wait} /> },
                { header: t("vouchers.reimbursement.colInPayment"), numeric: true, cell: (p) => formatFen(p.inPaymentFen, locale) },
                { header: t("vouchers.reimbursement.colPaid"), numeric: true, cell: (p) => formatFen(p.paidFen, locale) },
              ]}
            />
            {reimbursement.batches.length > 0 ? (
              <DataTable
                stackOnPhone
                rows={reimbursement.batches}
                rowKey={(b) => b.reference}
                columns={[
                  { header: t("vouchers.reimbursement.colBatch"), className: "mono nowrap", cell: (b) => b.reference },
                  { header: t("vouchers.col.programme"), cell: (b) => b.programmeName },
                  { header: t("vouchers.col.amount"), numeric: true, cell: (b) => formatFen(b.amountFen, locale) },
                  {
                    header: t("vouchers.col.status"),
                    cell: (b) => <span className={`status status--${b.status}`}>{t(`vouchers.batchStatus.${b.status}`)}</span>,
                  },
                ]}
              />
            ) : null}
          </>
        )}
      </section>
    </div>
  );
}
