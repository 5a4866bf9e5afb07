import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { CONTRACT_TYPES, FIELD_CODES, SELLER_TYPES } from "../../db/schema";
import chartsStylesheet from "~/components/charts/charts.css?url";
import { ErrorSummary, SelectField, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { todayInChina } from "~/services/contracts/calendar";
import { describeProblem } from "~/services/contracts/messages";
import { ContractRejectedError, registerContract } from "~/services/contracts/registry";
import { CONTRACT_COLUMNS, validateDraft, type ContractColumn, type ContractDraft, type Problem } from "~/services/contracts/validation";
import { requireUser } from "~/session.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: chartsStylesheet }];

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("contracts.new.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  return { today: todayInChina() };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const form = await request.formData();
  const values = Object.fromEntries(CONTRACT_COLUMNS.map((c) => [c, String(form.get(c) ?? "")])) as ContractDraft;
  const refuse = (problems: Problem[]) => data({ problems, values }, { status: 400 });

  const checked = validateDraft(values);
  if (!checked.ok) return refuse(checked.problems);
  const v = checked.value;
  try {
    const contract = await registerContract(await getDb(), {
      source: "manual",
      contractNo: v.contractNo,
      signedOn: v.signedOn,
      type: v.type,
      field: v.field,
      seller: v.seller,
      sellerType: v.sellerType,
      buyer: v.buyer,
      buyerRegion: v.buyerRegion,
      amountFen: v.amountFen,
      technicalIncomeFen: v.technicalIncomeFen,
      registeredBy: user.id,
    });
    return redirect(`/bureau/contracts/${contract.id}?registered=1`);
  } catch (error) {
    if (error instanceof ContractRejectedError) return refuse(error.problems);
    throw error;
  }
}

export default function NewContract() {
  const t = useT();
  const { today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const label = (c: string) => t(`contracts.col.${c}`);
  const errors: Partial<Record<ContractColumn, string>> = {};
  const formErrors: string[] = [];
  for (const p of actionData?.problems ?? []) {
    // Beside its field a problem needs no column name ("不能为空"); one about the whole form keeps it.
    const message = p.column ? describeProblem(t, p, () => "").trim() : describeProblem(t, p, label);
    if (p.column) errors[p.column] ??= message;
    else formErrors.push(message);
  }
  const value = (c: ContractColumn) => actionData?.values[c] ?? "";
  const field = (c: ContractColumn) => ({ name: c, label: label(c), error: errors[c] ?? null, defaultValue: value(c), required: true });
  const choose = t("contracts.new.choose");

  return (
    <div className="form-card form-card--wide">
      <h1>{t("contracts.new.title")}</h1>
      <ErrorSummary
        focusKey={actionData}
        formError={formErrors.length > 0 ? formErrors.join(t("contracts.reasonSeparator")) : null}
        items={CONTRACT_COLUMNS.flatMap((c) => (errors[c] ? [{ name: c, label: label(c), message: errors[c] as string }] : []))}
      />
      <Form method="post" noValidate>
        <div className="form-grid">
          <TextField {...field("contract_no")} maxLength={64} hint={t("contracts.new.hint.contract_no")} autoComplete="off" />
          <TextField {...field("signed_on")} type="date" max={today} />
          <SelectField {...field("type")} placeholder={choose} options={CONTRACT_TYPES.map((v) => ({ value: v, label: t(`contracts.type.${v}`) }))} />
          <SelectField {...field("field")} placeholder={choose} options={FIELD_CODES.map((v) => ({ value: v, label: t(`field.${v}`) }))} />
          <TextField {...field("seller")} maxLength={200} />
          <SelectField
            {...field("seller_type")}
            placeholder={choose}
            options={SELLER_TYPES.map((v) => ({ value: v, label: t(`contracts.sellerType.${v}`) }))}
          />
          <TextField {...field("buyer")} maxLength={200} />
          <TextField {...field("buyer_region")} maxLength={50} hint={t("contracts.new.hint.buyer_region")} />
          <TextField {...field("amount_yuan")} inputMode="decimal" hint={t("contracts.new.hint.amount")} autoComplete="off" />
          <TextField {...field("technical_income_yuan")} inputMode="decimal" hint={t("contracts.new.hint.technical_income")} autoComplete="off" />
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("contracts.new.submit")}
          </button>{" "}
          <Link to="/bureau/contracts">{t("contracts.detail.back")}</Link>
        </div>
      </Form>
    </div>
  );
}
