import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import chartsStylesheet from "~/components/charts/charts.css?url";
import { ErrorSummary, TextAreaField } from "~/components/form";
import { PageHead } from "~/components/page-head";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { ContractNotFoundError, VoidRejectedError, contractVoidRecord, getContract, voidContract } from "~/services/contracts/registry";
import { MAX_VOID_REASON } from "~/services/contracts/validation";
import { requireUser } from "~/session.server";
import { idParam } from "~/utils/route-params";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: chartsStylesheet }];

export const meta: MetaFunction<typeof loader> = ({ data: loaded, matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("contracts.detail.title", { contract_no: loaded?.contract.contract_no ?? "" })} · ${t("app.name")}` }];
};


export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  const db = await getDb();
  const id = idParam(params.id);
  const contract = await getContract(db, id);
  if (!contract) throw new Response("Not found", { status: 404 });
  const [voidRecord, registrar] = await Promise.all([
    contract.status === "voided" ? contractVoidRecord(db, id) : Promise.resolve(undefined),
    contract.registered_by === null
      ? Promise.resolve(undefined)
      : db.selectFrom("users").select("display_name").where("id", "=", contract.registered_by).executeTakeFirst(),
  ]);
  return { contract, voidRecord: voidRecord ?? null, registeredBy: registrar?.display_name ?? null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const id = idParam(params.id);
  const form = await request.formData();
  const reason = String(form.get("reason") ?? "");
  try {
    await voidContract(await getDb(), { contractId: id, reason, actorUserId: user.id });
  } catch (error) {
    if (error instanceof VoidRejectedError) return data({ problem: error.problem, reason }, { status: 400 });
    if (error instanceof ContractNotFoundError) throw new Response("Not found", { status: 404 });
    throw error;
  }
  return redirect(`/bureau/contracts/${id}?voided=1`);
}

export default function ContractDetail() {
  const { contract: c, voidRecord, registeredBy } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const when = (d: string | Date) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Shanghai" }).format(new Date(d));
  const reasonError = actionData ? t(`contracts.void.${actionData.problem}`) : null;

  return (
    <div>
      <PageHead
        title={t("contracts.detail.title", { contract_no: c.contract_no })}
        intro={
          <>
            {t("contracts.col.certificate_no")} <span className="mono">{c.certificate_no}</span> ·{" "}
            <span className={`status status--${c.status}`}>{t(`contracts.status.${c.status}`)}</span>
          </>
        }
        actions={
          <Link className="button button--ghost" to="/bureau/contracts">
            {t("contracts.detail.back")}
          </Link>
        }
      />
      {search.get("registered") ? (
        <p className="success" role="status">
          {t("contracts.new.done", { certificate: c.certificate_no })}
        </p>
      ) : null}
      {search.get("voided") && c.status === "voided" ? (
        <p className="success" role="status">
          {t("contracts.void.done")}
        </p>
      ) : null}
      {c.status === "voided" ? (
        <p className="notice">
          {t("contracts.detail.voided", { at: when(voidRecord?.at ?? c.voided_at ?? new Date()), reason: c.void_reason ?? "" })}
          {voidRecord?.actor ? ` ${t("contracts.detail.voidedBy", { name: voidRecord.actor })}` : null}
        </p>
      ) : null}

      <div className="details">
        <section className="panel">
          <h2>{t("contracts.detail.parties")}</h2>
          <dl>
            <dt>{t("contracts.col.seller")}</dt>
            <dd>{c.seller}</dd>
            <dt>{t("contracts.col.seller_type")}</dt>
            <dd>{t(`contracts.sellerType.${c.seller_type}`)}</dd>
            <dt>{t("contracts.col.buyer")}</dt>
            <dd>{c.buyer}</dd>
            <dt>{t("contracts.col.buyer_region")}</dt>
            <dd>{c.buyer_region}</dd>
          </dl>
        </section>
        <section className="panel">
          <h2>{t("contracts.detail.money")}</h2>
          <dl>
            <dt>{t("contracts.col.type")}</dt>
            <dd>{t(`contracts.type.${c.type}`)}</dd>
            <dt>{t("contracts.col.field")}</dt>
            <dd>{t(`field.${c.field}`)}</dd>
            <dt>{t("contracts.col.signed_on")}</dt>
            <dd>{c.signed_on}</dd>
            <dt>{t("contracts.col.amount")}</dt>
            <dd>{formatFen(c.amount_fen, locale)}</dd>
            <dt>{t("contracts.col.technical_income")}</dt>
            <dd>{formatFen(c.technical_income_fen, locale)}</dd>
          </dl>
        </section>
        <section className="panel">
          <h2>{t("contracts.detail.registration")}</h2>
          <dl>
            <dt>{t("contracts.col.source")}</dt>
            <dd>{t(`contracts.source.${c.source}`)}</dd>
            {c.order_id !== null ? (
              <>
                <dt>{t("contracts.detail.order")}</dt>
                <dd className="mono">{c.order_id}</dd>
              </>
            ) : null}
            <dt>{t("contracts.col.registered_at")}</dt>
            <dd>{when(c.registered_at)}</dd>
            {registeredBy ? (
              <>
                <dt>{t("contracts.detail.registeredBy")}</dt>
                <dd>{registeredBy}</dd>
              </>
            ) : null}
          </dl>
        </section>
      </div>

      {c.status === "registered" ? (
        <section className="panel panel--spaced" aria-labelledby="void-heading">
          <h2 id="void-heading">{t("contracts.detail.void")}</h2>
          <p className="field__hint">{t("contracts.detail.voidHelp")}</p>
          <ErrorSummary focusKey={actionData} items={reasonError ? [{ name: "reason", label: t("contracts.detail.voidReason"), message: reasonError }] : []} />
          <Form method="post" noValidate>
            <TextAreaField
              name="reason"
              label={t("contracts.detail.voidReason")}
              required
              maxLength={MAX_VOID_REASON}
              rows={3}
              defaultValue={actionData?.reason ?? ""}
              error={reasonError}
            />
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("contracts.detail.voidSubmit")}
            </button>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
