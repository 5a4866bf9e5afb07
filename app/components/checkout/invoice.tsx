import { Form, useNavigation } from "@remix-run/react";
import { TextField } from "~/components/form";
import { useLocale, useT } from "~/i18n/context";
import type { Message } from "~/services/accounts/types";
import type { OrderInvoice } from "~/services/checkout/invoices";
import { formatDay, formatWhen } from "./format";
import type { Wire } from "./wire";

/** The invoice form's refusal, as the order pages' actions answer it. */
export interface InvoiceRefusal {
  invoice: { formError: Message | null; fieldErrors: Partial<Record<string, string>> };
}

/**
 * 发票 on an order page. The buyer asks for it (title and taxpayer number filled in from its own organisation); the
 * seller records the invoice it issued; both then see its number and date.
 */
export function InvoicePanel({
  side,
  invoice,
  canRequest,
  defaults,
  refusal,
  today,
}: {
  side: "buyer" | "seller";
  invoice: Wire<OrderInvoice> | null;
  /** the order is completed, so an invoice may be asked for or issued */
  canRequest: boolean;
  /** the buyer's name and credit code, for the request form */
  defaults?: { title: string; taxId: string };
  refusal?: InvoiceRefusal["invoice"] | null;
  /** the China day, the seller's default issue date (the seller's form only) */
  today?: string;
}) {
  const t = useT();
  const locale = useLocale();
  const busy = useNavigation().state === "submitting";
  if (!invoice && !canRequest) return null;
  const error = (field: string) => (refusal?.fieldErrors[field] ? t(refusal.fieldErrors[field] as string) : null);
  return (
    <section className="panel panel--spaced" aria-labelledby="invoice">
      <h2 id="invoice">{t("checkout.invoice.title")}</h2>
      {refusal?.formError ? (
        <p className="form-error" role="alert">
          {t(refusal.formError.key, refusal.formError.params)}
        </p>
      ) : null}
      {invoice ? (
        <>
          <p>
            {invoice.issued
              ? t("checkout.invoice.issuedLine", { date: formatDay(invoice.issued.issuedOn, locale), no: invoice.issued.invoiceNo })
              : side === "buyer"
                ? t("checkout.invoice.requested", { at: formatWhen(invoice.requestedAt, locale) })
                : t("checkout.invoice.toIssue")}
          </p>
          <p className="field__hint">
            {t("checkout.invoice.requestFacts", { title: invoice.title, taxId: invoice.taxId })}
            {invoice.email ? ` · ${invoice.email}` : null}
          </p>
          {side === "seller" && !invoice.issued && canRequest ? (
            <Form method="post" className="invoice-form">
              <input type="hidden" name="intent" value="issueInvoice" />
              <TextField
                name="invoiceNo"
                label={t("checkout.invoice.field.invoiceNo")}
                hint={t("checkout.invoice.field.invoiceNo.hint")}
                required
                maxLength={40}
                autoComplete="off"
                error={error("invoiceNo")}
              />
              <TextField name="issuedOn" type="date" label={t("checkout.invoice.field.issuedOn")} defaultValue={today} max={today} required error={error("issuedOn")} />
              <button type="submit" className="button" disabled={busy}>
                {t("checkout.invoice.issue")}
              </button>
            </Form>
          ) : null}
        </>
      ) : side === "seller" ? (
        <p className="muted">{t("checkout.invoice.notYet")}</p>
      ) : (
        <Form method="post" className="invoice-form">
          <p className="field__hint">{t("checkout.invoice.intro")}</p>
          <input type="hidden" name="intent" value="requestInvoice" />
          <TextField name="title" label={t("checkout.invoice.field.title")} defaultValue={defaults?.title} required maxLength={100} error={error("title")} />
          <TextField
            name="taxId"
            label={t("checkout.invoice.field.taxId")}
            hint={t("checkout.invoice.field.taxId.hint")}
            defaultValue={defaults?.taxId}
            required
            maxLength={18}
            autoComplete="off"
            error={error("taxId")}
          />
          <TextField name="email" type="email" label={t("checkout.invoice.field.email")} optional maxLength={200} error={error("email")} />
          <button type="submit" className="button" disabled={busy}>
            {t("checkout.invoice.request")}
          </button>
        </Form>
      )}
    </section>
  );
}
