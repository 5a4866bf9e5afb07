import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { ErrorSummary, TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { authenticate, type LoginField } from "~/services/accounts/authenticate";
import { ACCOUNT_PATH, createUserSession, getSessionUser } from "~/session.server";
import { safeRedirectPath } from "~/utils/redirect";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("auth.login.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  // Already signed in: go where the log-in would have led.
  if (await getSessionUser(request)) throw redirect(safeRedirectPath(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const email = form.get("email");
  const result = await authenticate(await getDb(), {
    email,
    password: form.get("password"),
    ip: typeof context.clientIp === "string" ? context.clientIp : null,
  });
  if (!result.ok) {
    return data(
      {
        fieldErrors: result.fieldErrors,
        formError: result.formError ?? null,
        // Echo what was typed, never the password.
        values: { email: typeof email === "string" ? email : "" },
      },
      { status: result.reason === "rate_limited" ? 429 : 400 },
    );
  }
  const cookie = await createUserSession(request, result.user.id);
  const next = safeRedirectPath(form.get("redirectTo"));
  // A first password someone else chose is replaced before anything else.
  const to = result.user.mustChangePassword ? `${ACCOUNT_PATH}?${new URLSearchParams({ redirectTo: next })}` : next;
  return redirect(to, { headers: { "Set-Cookie": cookie } });
}

const FIELDS: readonly LoginField[] = ["email", "password"];

export default function Login() {
  const t = useT();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const password = useRef<HTMLInputElement>(null);
  const redirectTo = safeRedirectPath(searchParams.get("redirectTo"), "");
  const errors: Partial<Record<LoginField, string>> = actionData?.fieldErrors ?? {};
  const formError = actionData?.formError ? t(actionData.formError.key, actionData.formError.params) : null;

  // A refused log-in clears the password box, as a page reload without JavaScript would.
  useEffect(() => {
    if (actionData && password.current) password.current.value = "";
  }, [actionData]);

  return (
    <div className="form-card">
      <h1>{t("auth.login.title")}</h1>
      <p className="form-intro">{t("auth.login.intro")}</p>
      <ErrorSummary
        focusKey={actionData}
        formError={formError}
        items={FIELDS.flatMap((f) => {
          const key = errors[f];
          return key ? [{ name: f, label: t(`auth.field.${f}`), message: t(key) }] : [];
        })}
      />
      <Form method="post" noValidate>
        {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
        <TextField
          name="email"
          type="email"
          label={t("auth.field.email")}
          autoComplete="email"
          required
          defaultValue={actionData?.values.email ?? ""}
          error={errors.email ? t(errors.email) : null}
        />
        <TextField
          ref={password}
          name="password"
          type="password"
          label={t("auth.field.password")}
          autoComplete="current-password"
          required
          error={errors.password ? t(errors.password) : null}
        />
        <div className="form-actions">
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("auth.login.submit")}
          </button>
        </div>
      </Form>
      <p className="field__hint form-help">{t("auth.login.forgot")}</p>
      <p>
        {t("auth.login.noAccount")}{" "}
        <Link to={redirectTo ? `/signup?${new URLSearchParams({ redirectTo })}` : "/signup"}>{t("auth.login.signupLink")}</Link>
      </p>
    </div>
  );
}
