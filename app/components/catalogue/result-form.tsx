import { Form } from "@remix-run/react";
import { useState, type ReactNode } from "react";
import { FIELD_CODES, IP_TYPES, TRANSFER_MODES } from "../../../db/schema";
import { CheckboxField, ErrorSummary, RadioGroupField, SelectField, TextAreaField, TextField, type SummaryItem } from "~/components/form";
import type { Translate } from "~/i18n";
import { useT } from "~/i18n/context";
import { PriceReferenceList, type PriceReferenceView } from "~/components/price-references";
import { REGIONS } from "~/services/accounts/regions";
import { FORM_IP_ROWS_MAX, IP_STATUSES, LIMITS, type FormValues } from "~/services/catalogue/listing-input";
import { messageText } from "./format";
import "./catalogue.css";

export interface FieldMessage {
  key: string;
  params?: Record<string, string | number>;
}

/** The label a form field's error is listed under in the summary. */
function fieldLabel(t: Translate, name: string): string {
  const price = /^price\.(\w+)$/.exec(name);
  if (price) return t("catalogue.field.price", { mode: t(`mode.${price[1]}`) });
  const ip = /^ip\.(\d+)\.(type|number|status)$/.exec(name);
  if (ip) {
    const part = { type: "catalogue.field.ipType", number: "catalogue.field.ipNumber", status: "catalogue.field.ipStatus" }[ip[2] as "type" | "number" | "status"];
    return `${t("catalogue.field.ip")} ${t("catalogue.field.ipRow", { n: Number(ip[1]) + 1 })} · ${t(part)}`;
  }
  return t(`catalogue.field.${name}`);
}

// Order of the summary = order on the page.
const FIELD_ORDER = [
  "title",
  "title_en",
  "summary",
  "description",
  "field",
  "keywords",
  "trl",
  ...Array.from({ length: FORM_IP_ROWS_MAX }, (_, i) => [`ip.${i}.type`, `ip.${i}.number`, `ip.${i}.status`]).flat(),
  "modes",
  ...TRANSFER_MODES.map((m) => `price.${m}`),
  "inventors",
  "contact_name",
  "contact_phone",
  "contact_email",
  "region",
  "state_funded",
  "voucher_eligible",
];

function ipRowsIn(values: FormValues): number {
  let last = -1;
  for (let i = 0; i < FORM_IP_ROWS_MAX; i++) if (values[`ip.${i}.type`] || values[`ip.${i}.number`] || values[`ip.${i}.status`]) last = i;
  return last + 1;
}

export function ResultForm({
  values,
  fieldErrors,
  formError,
  focusKey,
  busy,
  extraActions,
  priceRefs = [],
}: {
  values: FormValues;
  fieldErrors: Record<string, FieldMessage>;
  formError?: FieldMessage | null;
  focusKey?: unknown;
  busy: boolean;
  extraActions?: ReactNode;
  priceRefs?: readonly PriceReferenceView[];
}) {
  const t = useT();
  const [ipRows, setIpRows] = useState(() => Math.min(FORM_IP_ROWS_MAX, Math.max(2, ipRowsIn(values) + 1)));
  const error = (name: string) => (fieldErrors[name] ? messageText(t, fieldErrors[name]) : null);
  const v = (name: string) => values[name] ?? "";
  const [field, setField] = useState(() => v("field"));
  const fieldRefs = priceRefs.filter((r) => r.field === field);
  const summary: SummaryItem[] = FIELD_ORDER.flatMap((name) =>
    fieldErrors[name] ? [{ name, id: name === "modes" ? "field-modes" : undefined, label: fieldLabel(t, name), message: messageText(t, fieldErrors[name]) }] : [],
  );
  for (const name of Object.keys(fieldErrors))
    if (!FIELD_ORDER.includes(name)) summary.push({ name, label: fieldLabel(t, name), message: messageText(t, fieldErrors[name]) });

  return (
    <>
      <ErrorSummary focusKey={focusKey} formError={formError ? messageText(t, formError) : null} items={summary} />
      <Form method="post" noValidate>
        <h2 className="form-section">{t("catalogue.section.basic")}</h2>
        <TextField
          name="title"
          label={t("catalogue.field.title")}
          hint={t("catalogue.field.title.hint")}
          required
          maxLength={LIMITS.title}
          defaultValue={v("title")}
          error={error("title")}
        />
        <TextField name="title_en" label={t("catalogue.field.title_en")} optional maxLength={LIMITS.titleEn} lang="en" defaultValue={v("title_en")} error={error("title_en")} />
        <TextAreaField
          name="summary"
          label={t("catalogue.field.summary")}
          hint={t("catalogue.field.summary.hint")}
          required
          rows={3}
          maxLength={LIMITS.summary}
          defaultValue={v("summary")}
          error={error("summary")}
        />
        <TextAreaField
          name="description"
          label={t("catalogue.field.description")}
          hint={t("catalogue.field.description.hint")}
          optional
          rows={10}
          maxLength={LIMITS.description}
          defaultValue={v("description")}
          error={error("description")}
        />
        <div className="field-row">
          <SelectField
            name="field"
            label={t("catalogue.field.field")}
            required
            placeholder={t("catalogue.field.region.placeholder")}
            defaultValue={v("field")}
            onChange={(e) => setField(e.target.value)}
            error={error("field")}
            options={FIELD_CODES.map((f) => ({ value: f, label: t(`field.${f}`) }))}
          />
          <SelectField
            name="trl"
            label={t("catalogue.field.trl")}
            required
            placeholder={t("catalogue.field.region.placeholder")}
            defaultValue={v("trl")}
            error={error("trl")}
            options={Array.from({ length: 9 }, (_, i) => ({ value: String(i + 1), label: `TRL ${i + 1} · ${t(`trl.${i + 1}`)}` }))}
          />
        </div>
        <p className="field__hint">{t("catalogue.field.trl.hint")}</p>
        <TextField name="keywords" label={t("catalogue.field.keywords")} hint={t("catalogue.field.keywords.hint")} optional defaultValue={v("keywords")} error={error("keywords")} />

        <h2 className="form-section">{t("catalogue.section.ip")}</h2>
        <p className="field__hint">{t("catalogue.field.ip.hint")}</p>
        {Array.from({ length: ipRows }, (_, i) => (
          <div key={i} role="group" aria-label={`${t("catalogue.field.ip")} ${t("catalogue.field.ipRow", { n: i + 1 })}`}>
            <p className="ip-row__legend">{t("catalogue.field.ipRow", { n: i + 1 })}</p>
            <div className="ip-row">
              <SelectField
                name={`ip.${i}.type`}
                label={t("catalogue.field.ipType")}
                placeholder="—"
                defaultValue={v(`ip.${i}.type`)}
                error={error(`ip.${i}.type`)}
                options={IP_TYPES.map((type) => ({ value: type, label: t(`catalogue.ipType.${type}`) }))}
              />
              <TextField
                name={`ip.${i}.number`}
                label={t("catalogue.field.ipNumber")}
                maxLength={LIMITS.ipNumber}
                spellCheck={false}
                autoCapitalize="characters"
                defaultValue={v(`ip.${i}.number`)}
                error={error(`ip.${i}.number`)}
              />
              <SelectField
                name={`ip.${i}.status`}
                label={t("catalogue.field.ipStatus")}
                placeholder="—"
                defaultValue={v(`ip.${i}.status`)}
                error={error(`ip.${i}.status`)}
                options={IP_STATUSES.map((s) => ({ value: s, label: t(`catalogue.ipStatus.${s}`) }))}
              />
            </div>
          </div>
        ))}
        {ipRows < FORM_IP_ROWS_MAX ? (
          <button type="button" className="button button--ghost" onClick={() => setIpRows((n) => Math.min(FORM_IP_ROWS_MAX, n + 1))}>
            + {t("catalogue.field.ipAdd")}
          </button>
        ) : null}

        <h2 className="form-section">{t("catalogue.section.modes")}</h2>
        <div id="field-modes" className="group" tabIndex={-1} role="group" aria-describedby="field-modes-hint" aria-invalid={error("modes") ? true : undefined}>
          <p id="field-modes-hint" className="field__hint">
            {t("catalogue.field.modes.hint")}
          </p>
          {fieldRefs.length > 0 ? (
            <div className="price-refs" role="note">
              <p>{t("catalogue.priceRefs.title", { field: t(`field.${field}`) })}</p>
              <PriceReferenceList refs={fieldRefs} lineKey="catalogue.priceRefs.line" />
            </div>
          ) : null}
          {error("modes") ? (
            <p className="group-error">
              <span className="visually-hidden">{t("form.errorPrefix")}</span>
              {error("modes")}
            </p>
          ) : null}
          <div className="mode-list">
            {TRANSFER_MODES.map((mode) => (
              <div key={mode} className="mode-item">
                <CheckboxField name={`mode.${mode}`} label={t(`mode.${mode}`)} defaultChecked={v(`mode.${mode}`) !== ""} />
                <div className="mode-item__pricing">
                  <RadioGroupField
                    name={`pricing.${mode}`}
                    label={t("catalogue.field.pricing")}
                    layout="row"
                    defaultValue={v(`pricing.${mode}`) || "fixed"}
                    options={[
                      { value: "fixed", label: t("catalogue.field.pricing.fixed") },
                      { value: "negotiable", label: t("catalogue.field.pricing.negotiable") },
                    ]}
                  />
                  <TextField
                    name={`price.${mode}`}
                    label={t("catalogue.field.price", { mode: t(`mode.${mode}`) })}
                    hint={t("catalogue.field.price.hint")}
                    inputMode="decimal"
                    autoComplete="off"
                    defaultValue={v(`price.${mode}`)}
                    error={error(`price.${mode}`)}
                  />
                </div>
              </div>
            ))}
          </div>
        </div>

        <h2 className="form-section">{t("catalogue.section.people")}</h2>
        <TextField name="inventors" label={t("catalogue.field.inventors")} hint={t("catalogue.field.inventors.hint")} optional defaultValue={v("inventors")} error={error("inventors")} />
        <div className="field-row">
          <TextField name="contact_name" label={t("catalogue.field.contact_name")} optional autoComplete="name" maxLength={LIMITS.contactName} defaultValue={v("contact_name")} error={error("contact_name")} />
          <TextField name="contact_phone" label={t("catalogue.field.contact_phone")} optional type="tel" autoComplete="tel" maxLength={LIMITS.contactPhone} defaultValue={v("contact_phone")} error={error("contact_phone")} />
        </div>
        <div className="field-row">
          <TextField name="contact_email" label={t("catalogue.field.contact_email")} optional type="email" autoComplete="email" defaultValue={v("contact_email")} error={error("contact_email")} />
          <SelectField
            name="region"
            label={t("catalogue.field.region")}
            optional
            placeholder={t("catalogue.field.region.placeholder")}
            defaultValue={v("region")}
            error={error("region")}
            options={REGIONS.map((r) => ({ value: r, label: t(`region.${r}`) }))}
          />
        </div>

        <h2 className="form-section">{t("catalogue.section.policy")}</h2>
        <CheckboxField
          name="state_funded"
          label={t("catalogue.field.state_funded")}
          hint={t("catalogue.field.state_funded.hint")}
          defaultChecked={v("state_funded") === "true"}
          error={error("state_funded")}
        />
        <CheckboxField
          name="voucher_eligible"
          label={t("catalogue.field.voucher_eligible")}
          hint={t("catalogue.field.voucher_eligible.hint")}
          defaultChecked={v("voucher_eligible") === "true"}
          error={error("voucher_eligible")}
        />

        <div className="form-actions">
          {/* Save comes first: Enter in a text field saves the draft rather than sending it to review. */}
          <button type="submit" name="intent" value="save" className="button button--ghost" disabled={busy}>
            {t("catalogue.action.save")}
          </button>
          <button type="submit" name="intent" value="submit" className="button" disabled={busy}>
            {t("catalogue.action.submit")}
          </button>
          {extraActions}
        </div>
      </Form>
    </>
  );
}
