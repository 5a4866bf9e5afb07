import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { TRANSFER_MODES } from "../../db/schema";
import "~/components/charts/charts.css";
import { ErrorSummary, fieldIds, TextField } from "~/components/form";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { createProgramme, type ProgrammeField } from "~/services/vouchers";
import { PROGRAMME_FIELDS } from "~/services/vouchers/form-fields";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.bureau.new")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  return null;
}

type Values = Partial<Record<Exclude<ProgrammeField, "qualifyingModes">, string>> & { qualifyingModes?: string[] };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const form = await request.formData();
  const input = Object.fromEntries(PROGRAMME_FIELDS.map((f) => [f, f === "qualifyingModes" ? form.getAll(f) : form.get(f)]));
  const result = await createProgramme(await getDb(), { userId: user.id, organisationId: user.organisationId }, input);
  if (!result.ok) {
    const values: Values = { qualifyingModes: form.getAll("qualifyingModes").map(String) };
    for (const f of PROGRAMME_FIELDS) if (f !== "qualifyingModes") values[f] = String(form.get(f) ?? "");
    return data({ fieldErrors: result.fieldErrors, formError: result.formError ?? null, values }, { status: 400 });
  }
  return redirect(`/bureau/vouchers/${result.programmeId}?created=1`);
}

const LABELS: Record<ProgrammeField, string> = {
  name: "vouchers.field.name",
  year: "vouchers.field.year",
  totalBudget: "vouchers.field.totalBudget",
  coveragePercent: "vouchers.field.coveragePercent",
  yearlyCap: "vouchers.field.yearlyCap",
  voucherAmount: "vouchers.field.voucherAmount",
  validFrom: "vouchers.field.validFrom",
  validTo: "vouchers.field.validTo",
  qualifyingModes: "vouchers.field.qualifyingModes",
};

// A new programme covers transfers, licences, development and services unless the bureau unticks them.
const DEFAULT_MODES = ["assignment", "exclusive_license", "sole_license", "nonexclusive_license", "development", "service"];

export default function NewVoucherProgramme() {
  const t = useT();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: Partial<Record<ProgrammeField, string>> = actionData?.fieldErrors ?? {};
  const values: Values = actionData?.values ?? {};
  const error = (f: ProgrammeField) => (errors[f] ? t(errors[f] as string) : null);
  const year = new Date().getFullYear();
  const modes = values.qualifyingModes ?? DEFAULT_MODES;
  const modesIds = fieldIds("qualifyingModes");

  const yuanField = (name: ProgrammeField, hint?: string) => (
    <TextField
      name={name}
      label={t(LABELS[name]) + t("text.aside", { text: t("vouchers.unit.yuan") })}
      hint={hint}
      inputMode="decimal"
      required
      defaultValue={values[name as Exclude<ProgrammeField, "qualifyingModes">] ?? ""}
      error={error(name)}
    />
  );

  return (
    <div className="form-card voucher-form">
      <p>
        <Link to="/bureau/vouchers">← {t("vouchers.bureau.title")}</Link>
      </p>
      <h1>{t("vouchers.bureau.new")}</h1>
      <p className="field__hint">{t("vouchers.bureau.newIntro")}</p>
      <ErrorSummary
        focusKey={actionData}
        formError={actionData?.formError ? t(actionData.formError.key, actionData.formError.params) : null}
        items={PROGRAMME_FIELDS.flatMap((f) => {
          const key = errors[f];
          return key ? [{ name: f, label: t(LABELS[f]), message: t(key) }] : [];
        })}
      />
      <Form method="post" noValidate>
        <TextField
          name="name"
          label={t(LABELS.name)}
          hint={t("vouchers.field.name.hint")}
          required
          maxLength={100}
          defaultValue={values.name ?? ""}
          error={error("name")}
        />
        <div className="voucher-form__grid">
          <TextField
            name="year"
            label={t(LABELS.year)}
            inputMode="numeric"
            required
            defaultValue={values.year ?? String(year)}
            error={error("year")}
          />
          {yuanField("totalBudget", t("vouchers.field.totalBudget.hint"))}
          <TextField
            name="coveragePercent"
            label={t(LABELS.coveragePercent) + t("text.aside", { text: "%" })}
            hint={t("vouchers.field.coveragePercent.hint")}
            inputMode="decimal"
            required
            defaultValue={values.coveragePercent ?? "50"}
            error={error("coveragePercent")}
          />
          {yuanField("voucherAmount", t("vouchers.field.voucherAmount.hint"))}
          {yuanField("yearlyCap", t("vouchers.field.yearlyCap.hint"))}
          <TextField
            name="validFrom"
            type="date"
            label={t(LABELS.validFrom)}
            required
            defaultValue={values.validFrom ?? `${year}-01-01`}
            error={error("validFrom")}
          />
          <TextField
            name="validTo"
            type="date"
            label={t(LABELS.validTo)}
            hint={t("vouchers.field.validTo.hint")}
            required
            defaultValue={values.validTo ?? `${year}-12-31`}
            error={error("validTo")}
          />
        </div>
        <fieldset
          className="field"
          aria-invalid={errors.qualifyingModes ? true : undefined}
          aria-describedby={errors.qualifyingModes ? modesIds.error : undefined}
        >
          <legend>
            {t(LABELS.qualifyingModes)}
            <span className="field__required" aria-hidden="true">
              *
            </span>
          </legend>
          {errors.qualifyingModes ? (
            <p id={modesIds.error} className="field__error">
              {error("qualifyingModes")}
            </p>
          ) : null}
          <div className="checkbox-row">
            {TRANSFER_MODES.map((mode, i) => (
              <label key={mode} className="checkbox" htmlFor={i === 0 ? modesIds.id : `${modesIds.id}-${mode}`}>
                <input
                  type="checkbox"
                  id={i === 0 ? modesIds.id : `${modesIds.id}-${mode}`}
                  name="qualifyingModes"
                  value={mode}
                  defaultChecked={modes.includes(mode)}
                />{" "}
                {t(`mode.${mode}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("vouchers.bureau.create")}
          </button>
        </div>
      </Form>
    </div>
  );
}
