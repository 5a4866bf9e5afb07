import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { ErrorSummary, RadioGroupField, SelectField, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { REGIONS } from "~/services/accounts/regions";
import { signUp } from "~/services/accounts/sign-up";
import { SIGN_UP_FIELDS, SIGN_UP_ORGANISATION_TYPES, type SignUpField } from "~/services/accounts/sign-up-fields";
import { createUserSession, getSessionUser } from "~/session.server";
import { safeRedirectPath } from "~/utils/redirect";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("auth.signup.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSessionUser(request)) throw redirect(safeRedirectPath(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

type Values = Partial<Record<Exclude<SignUpField, "password">, string>>;

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const input = Object.fromEntries(SIGN_UP_FIELDS.map((f) => [f, form.get(f)]));
  const result = await signUp(await getDb(), input);
  if (!result.ok) {
    const values: Values = {};
    for (const f of SIGN_UP_FIELDS) {
      const v = form.get(f);
      if (f !== "password" && typeof v === "string") values[f] = v;
    }
    return data({ fieldErrors: result.fieldErrors, formError: result.formError ?? null, values }, { status: 400 });
  }
  const cookie = await createUserSession(request, result.user.id);
  return redirect(safeRedirectPath(form.get("redirectTo")), { headers: { "Set-Cookie": cookie } });
}

const LABELS: Record<SignUpField, string> = {
  organisationType: "auth.field.organisationType",
  organisationName: "auth.field.organisationName",
  creditCode: "auth.field.creditCode",
  region: "auth.field.region",
  displayName: "auth.field.displayName",
  email: "auth.field.email",
  password: "auth.field.password",
};

export default function SignUp() {
  const t = useT();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const redirectTo = safeRedirectPath(searchParams.get("redirectTo"), "");
  const errors: Partial<Record<SignUpField, string>> = actionData?.fieldErrors ?? {};
  const values: Values = actionData?.values ?? {};
  const error = (f: SignUpField) => (errors[f] ? t(errors[f]) : null);

  return (
    <div className="form-card">
      <h1>{t("auth.signup.title")}</h1>
      <p className="form-intro">{t("auth.signup.intro")}</p>
      <ErrorSummary
        focusKey={actionData}
        formError={actionData?.formError ? t(actionData.formError.key, actionData.formError.params) : null}
        items={SIGN_UP_FIELDS.flatMap((f) => {
          const key = errors[f];
          return key ? [{ name: f, label: t(LABELS[f]), message: t(key) }] : [];
        })}
      />
      <Form method="post" noValidate>
        {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
        <h2 className="form-section">{t("auth.signup.organisationSection")}</h2>
        <RadioGroupField
          name="organisationType"
          label={t(LABELS.organisationType)}
          required
          layout="row"
          defaultValue={values.organisationType ?? null}
          error={error("organisationType")}
          options={SIGN_UP_ORGANISATION_TYPES.map((type) => ({
            value: type,
            label: t(`auth.organisationType.${type}`),
            hint: t(`auth.organisationType.${type}.hint`),
          }))}
        />
        <TextField
          name="organisationName"
          label={t(LABELS.organisationName)}
          hint={t("auth.field.organisationName.hint")}
          autoComplete="organization"
          required
          maxLength={100}
          defaultValue={values.organisationName ?? ""}
          error={error("organisationName")}
        />
        <TextField
          name="creditCode"
          label={t(LABELS.creditCode)}
          hint={t("auth.field.creditCode.hint")}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          required
          defaultValue={values.creditCode ?? ""}
          error={error("creditCode")}
        />
        <SelectField
          name="region"
          label={t(LABELS.region)}
          optional
          placeholder={t("auth.field.region.placeholder")}
          defaultValue={values.region ?? ""}
          error={error("region")}
          options={REGIONS.map((r) => ({ value: r, label: t(`region.${r}`) }))}
        />
        <h2 className="form-section">{t("auth.signup.accountSection")}</h2>
        <TextField
          name="displayName"
          label={t(LABELS.displayName)}
          autoComplete="name"
          required
          maxLength={50}
          defaultValue={values.displayName ?? ""}
          error={error("displayName")}
        />
        <TextField
          name="email"
          type="email"
          label={t(LABELS.email)}
          hint={t("auth.field.email.signupHint")}
          autoComplete="email"
          required
          defaultValue={values.email ?? ""}
          error={error("email")}
        />
        <TextField
          name="password"
          type="password"
          label={t(LABELS.password)}
          hint={t("auth.field.password.newHint")}
          autoComplete="new-password"
          required
          error={error("password")}
        />
        <div className="form-actions">
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("auth.signup.submit")}
          </button>
        </div>
      </Form>
      <p>
        {t("auth.signup.haveAccount")}{" "}
        <Link to={redirectTo ? `/login?${new URLSearchParams({ redirectTo })}` : "/login"}>{t("auth.signup.loginLink")}</Link>
      </p>
    </div>
  );
}
