import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/components/checkout/checkout.css";
import { messageText } from "~/components/checkout/format";
import { ErrorSummary, TextAreaField, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { CheckoutError, createInquiry, INQUIRY_FIELDS, listInquiries, loadResult, type InquiryField } from "~/services/checkout";
import { requireUser } from "~/session.server";
import { TRANSFER_MODES, type TransferMode } from "../../db/schema";

// /results/:id/inquire?mode=… (the "_" keeps it out of the storefront detail page's layout: its own page, not a child)
// — asking the institution for a price on a negotiable (面议) mode. The answer, a quote with
// a validity date, appears under "my orders", where the buyer accepts it by checking out.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.inquiry.title")} · ${t("app.name")}` }];
};

function resultIdOf(raw: string | undefined): number {
  const id = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
  if (id <= 0) throw new Response("Not found", { status: 404 });
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const resultId = resultIdOf(params.id);
  const db = await getDb();
  const result = await loadResult(db, resultId, null).catch((error: unknown) => {
    if (error instanceof CheckoutError) throw new Response("Not found", { status: 404 });
    throw error;
  });
  if (result.status !== "listed" && result.status !== "reserved") throw new Response("Not found", { status: 404 });
  const negotiable = result.modes.filter((m) => m.price_fen === null).map((m) => m.mode);
  const asked = new URL(request.url).searchParams.get("mode");
  const mode = negotiable.find((m) => m === asked) ?? negotiable[0] ?? null;
  const open = (await listInquiries(db, { enterpriseId: user.organisationId }, { limit: 200 })).filter(
    (i) => i.resultId === resultId && (i.status === "open" || i.status === "quoted"),
  );
  return {
    result: { id: result.id, title: result.title, institution: result.institution, status: result.status },
    modes: negotiable,
    mode,
    openModes: open.map((i) => i.mode),
    contactName: user.displayName,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, ["enterprise"]);
  const resultId = resultIdOf(params.id);
  const form = await request.formData();
  const mode = String(form.get("mode") ?? "");
  const values = Object.fromEntries(INQUIRY_FIELDS.map((f) => [f, String(form.get(f) ?? "")])) as Record<InquiryField, string>;
  if (!(TRANSFER_MODES as readonly string[]).includes(mode)) {
    return data({ fieldErrors: { mode: "checkout.error.modeUnknown" } as Record<string, string>, formError: null, values, mode }, { status: 400 });
  }
  try {
    const result = await createInquiry(await getDb(), { userId: user.id, organisationId: user.organisationId }, { resultId, mode, ...values });
    if (!result.ok) {
      return data(
        { fieldErrors: result.fieldErrors as Record<string, string>, formError: result.formError ?? null, values, mode },
        { status: result.formError?.key === "checkout.inquiry.error.alreadyOpen" ? 409 : 400 },
      );
    }
  } catch (error) {
    if (error instanceof CheckoutError && error.kind === "not_found") throw new Response("Not found", { status: 404 });
    throw error;
  }
  return redirect("/enterprise/orders?asked=1#inquiries");
}

const LABELS: Record<InquiryField | "mode", string> = {
  mode: "checkout.inquiry.mode",
  message: "checkout.inquiry.message",
  contactName: "checkout.inquiry.contactName",
  contactPhone: "checkout.inquiry.contactPhone",
};

export default function Inquire() {
  const { result, modes, mode, openModes, contactName } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const errorOf = (f: InquiryField | "mode") => (actionData?.fieldErrors[f] ? t(actionData.fieldErrors[f] as string) : null);
  const items = (Object.keys(LABELS) as (InquiryField | "mode")[])
    .filter((f) => actionData?.fieldErrors[f])
    .map((f) => ({ name: f, label: t(LABELS[f]), message: errorOf(f) ?? "" }));
  const chosen = (actionData?.mode as TransferMode | undefined) ?? mode;

  return (
    <div className="form-card form-card--wide">
      <h1>{t("checkout.inquiry.title")}</h1>
      <p>
        <Link to={`/results/${result.id}`}>{result.title}</Link>
        <br />
        <span className="muted">{result.institution}</span>
      </p>
      {modes.length === 0 ? (
        <p className="notice">{t("checkout.inquiry.noNegotiable")}</p>
      ) : (
        <>
          <p className="field__hint">{t("checkout.inquiry.intro")}</p>
          {openModes.length > 0 ? (
            <p className="notice">
              {t("checkout.inquiry.alreadyAsked", { modes: openModes.map((m) => t(`mode.${m}`)).join("、") })}{" "}
              <Link to="/enterprise/orders#inquiries">{t("checkout.inquiry.seeMine")}</Link>
            </p>
          ) : null}
          <ErrorSummary formError={actionData?.formError ? messageText(t, locale, { key: actionData.formError.key, params: actionData.formError.params }) : null} items={items} focusKey={actionData} />
          <Form method="post" noValidate>
            <div className="field">
              <label htmlFor="field-mode">{t("checkout.inquiry.mode")}</label>
              <select id="field-mode" name="mode" defaultValue={chosen ?? undefined} aria-invalid={errorOf("mode") ? true : undefined}>
                {modes.map((m) => (
                  <option key={m} value={m}>
                    {t(`mode.${m}`)}
                  </option>
                ))}
              </select>
              {errorOf("mode") ? <p className="field__error">{errorOf("mode")}</p> : null}
            </div>
            <TextAreaField
              name="message"
              label={t("checkout.inquiry.message")}
              hint={t("checkout.inquiry.messageHint")}
              required
              rows={6}
              maxLength={2000}
              defaultValue={actionData?.values.message ?? ""}
              error={errorOf("message")}
            />
            <div className="inline-fields">
              <TextField
                name="contactName"
                label={t("checkout.inquiry.contactName")}
                required
                maxLength={50}
                defaultValue={actionData?.values.contactName ?? contactName}
                error={errorOf("contactName")}
              />
              <TextField
                name="contactPhone"
                label={t("checkout.inquiry.contactPhone")}
                required
                type="tel"
                maxLength={20}
                defaultValue={actionData?.values.contactPhone ?? ""}
                error={errorOf("contactPhone")}
              />
            </div>
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("checkout.inquiry.submit")}
            </button>
          </Form>
        </>
      )}
    </div>
  );
}
