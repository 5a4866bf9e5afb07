import { Form } from "@remix-run/react";
import { ErrorSummary, TextField } from "~/components/form";
import { formatDateTime } from "~/components/catalogue/format";
import { useLocale, useT } from "~/i18n/context";
import { PAYEE_FIELDS, type PayeeField } from "~/services/payouts/payee-fields";
import "./payee-account.css";

/** A payee account as a loader sends it. */
export interface PayeeAccountView {
  accountName: string;
  bankName: string;
  accountNumber: string;
  updatedAt: string;
  updatedBy: string;
  recentlyChanged: boolean;
}

/** The account's three facts, and who changed it when. */
function Facts({ account }: { account: PayeeAccountView }) {
  const t = useT();
  const locale = useLocale();
  return (
    <>
      <dl className="payee-facts">
        <dt>{t("payee.field.accountName")}</dt>
        <dd>{account.accountName}</dd>
        <dt>{t("payee.field.bankName")}</dt>
        <dd>{account.bankName}</dd>
        <dt>{t("payee.field.accountNumber")}</dt>
        <dd className="mono">{account.accountNumber.replace(/(\d{4})(?=\d)/g, "$1 ")}</dd>
      </dl>
      <p className="field__hint">{t("payee.updated", { name: account.updatedBy, date: formatDateTime(account.updatedAt, locale) })}</p>
    </>
  );
}

/** For the payers (operator, bureau): where to send the money, and a warning when there is nowhere or it just changed. */
export function PayeeAccountForPayer({ account }: { account: PayeeAccountView | null }) {
  const t = useT();
  const locale = useLocale();
  return (
    <section className="panel panel--spaced" aria-labelledby="payee">
      <h2 id="payee">{t("payee.title")}</h2>
      {account ? (
        <>
          {account.recentlyChanged ? (
            <p className="notice" role="alert">
              {t("payee.changedRecently", { date: formatDateTime(account.updatedAt, locale) })}
            </p>
          ) : null}
          <Facts account={account} />
        </>
      ) : (
        <p className="notice" role="alert">
          {t("payee.missing")}
        </p>
      )}
    </section>
  );
}

/** For the institution: its account, and the form to set it for its administrators. */
export function PayeeAccountPanel({
  account,
  canEdit,
  organisationName,
  failure,
  busy,
  saved,
}: {
  account: PayeeAccountView | null;
  canEdit: boolean;
  organisationName: string;
  failure: { fieldErrors: Partial<Record<PayeeField, string>>; formError: string | null; values: Record<PayeeField, string> } | null;
  busy: boolean;
  saved: boolean;
}) {
  const t = useT();
  const errors = failure?.fieldErrors ?? {};
  const value = (f: PayeeField) => failure?.values[f] ?? (f === "accountName" ? (account?.accountName ?? organisationName) : (account?.[f] ?? ""));
  return (
    <section className="panel panel--spaced" aria-labelledby="payee">
      <h2 id="payee">{t("payee.title")}</h2>
      <p className="field__hint">{t("payee.intro")}</p>
      {saved ? (
        <p className="notice" role="status">
          {t("payee.saved")}
        </p>
      ) : null}
      {account ? <Facts account={account} /> : <p className="notice">{t("payee.none")}</p>}
      {canEdit ? (
        <Form method="post" className="payee-form" noValidate>
          <ErrorSummary
            id="payee-errors"
            focusKey={failure}
            formError={failure?.formError ? t(failure.formError) : null}
            items={PAYEE_FIELDS.flatMap((f) => (errors[f] ? [{ name: f, label: t(`payee.field.${f}`), message: t(errors[f] as string) }] : []))}
          />
          <TextField name="accountName" label={t("payee.field.accountName")} hint={t("payee.field.accountName.hint")} maxLength={100} required defaultValue={value("accountName")} error={errors.accountName ? t(errors.accountName) : null} />
          <TextField name="bankName" label={t("payee.field.bankName")} hint={t("payee.field.bankName.hint")} maxLength={100} required defaultValue={value("bankName")} error={errors.bankName ? t(errors.bankName) : null} />
          <TextField
            name="accountNumber"
            label={t("payee.field.accountNumber")}
            inputMode="numeric"
            autoComplete="off"
            maxLength={40}
            required
            defaultValue={value("accountNumber")}
            error={errors.accountNumber ? t(errors.accountNumber) : null}
          />
          <div className="form-actions">
            <button type="submit" className="button button--ghost" disabled={busy}>
              {t("payee.submit")}
            </button>
          </div>
        </Form>
      ) : (
        <p className="field__hint">{t("payee.onlyAdmins")}</p>
      )}
    </section>
  );
}
