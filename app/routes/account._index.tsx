import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import "~/styles/account.css";
import { ErrorSummary, TextField } from "~/components/form";
import { PageHead } from "~/components/page-head";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { formatDateTime } from "~/components/catalogue/format";
import { useLocale, useT } from "~/i18n/context";
import { describeUserAgent } from "~/services/accounts/devices";
import { PASSWORD_CHANGE_FIELDS, type PasswordChangeField } from "~/services/accounts/account-fields";
import { changePassword, endOtherSessions, updateProfile } from "~/services/accounts/profile";
import { listUserSessions } from "~/services/accounts/sessions";
import type { FieldErrors, Message } from "~/services/accounts/types";
import { readSessionToken, requireUser } from "~/session.server";
import { safeRedirectPath } from "~/utils/redirect";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("account.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const sessions = await listUserSessions(await getDb(), user.id, readSessionToken(request));
  // One line per kind of device, newest first: this one, then the others with how many sign-ins each has open.
  const devices: { device: string | null; current: boolean; sessions: number; latest: string }[] = [];
  for (const s of sessions) {
    const device = describeUserAgent(s.userAgent);
    const same = devices.find((d) => !s.current && !d.current && d.device === device);
    if (same) same.sessions += 1;
    else devices.push({ device, current: s.current, sessions: 1, latest: s.createdAt.toISOString() });
  }
  devices.sort((a, b) => Number(b.current) - Number(a.current));
  return { user, devices };
}

type ActionResult =
  | { form: "profile"; fieldErrors: FieldErrors<"displayName"> }
  | { form: "password"; fieldErrors: FieldErrors<PasswordChangeField>; formError: Message | null };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await request.formData();
  const db = await getDb();
  const token = readSessionToken(request);
  switch (form.get("intent")) {
    case "profile": {
      const result = await updateProfile(db, user, { displayName: form.get("displayName") });
      if (!result.ok) return data<ActionResult>({ form: "profile", fieldErrors: result.fieldErrors }, { status: 400 });
      return redirect("/account?saved=profile");
    }
    case "password": {
      const result = await changePassword(
        db,
        user,
        { currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword"), confirmPassword: form.get("confirmPassword") },
        { sessionToken: token, ip: typeof context.clientIp === "string" ? context.clientIp : null },
      );
      if (!result.ok) {
        return data<ActionResult>(
          { form: "password", fieldErrors: result.fieldErrors, formError: result.formError ?? null },
          { status: result.formError?.key === "auth.error.tooManyAttempts" ? 429 : 400 },
        );
      }
      // A first password just replaced: on to the page the user was going to.
      if (user.mustChangePassword) return redirect(safeRedirectPath(form.get("redirectTo"), "/account?saved=password&ended=0"));
      return redirect(`/account?saved=password&ended=${result.otherSessionsEnded}`);
    }
    case "end-sessions": {
      const ended = await endOtherSessions(db, user, token);
      return redirect(`/account?saved=sessions&ended=${ended}`);
    }
    default:
      throw new Response("Bad request", { status: 400 });
  }
}

export default function Account() {
  const { user, devices } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state === "submitting";
  const redirectTo = safeRedirectPath(search.get("redirectTo"), "");
  const profileErrors = actionData?.form === "profile" ? actionData.fieldErrors : {};
  const passwordFailure = actionData?.form === "password" ? actionData : null;
  const passwordErrors: FieldErrors<PasswordChangeField> = passwordFailure?.fieldErrors ?? {};
  const passwordForm = useRef<HTMLFormElement>(null);
  const saved = search.get("saved");
  const ended = Number(search.get("ended") ?? 0);

  // Password boxes are never echoed back: a refused change empties them, as a reload without JavaScript would.
  useEffect(() => {
    if (passwordFailure) passwordForm.current?.reset();
  }, [passwordFailure]);

  const password = (
    <section key="password" className="panel" aria-labelledby="password">
      <h2 id="password">{t("account.password")}</h2>
      <Form method="post" noValidate ref={passwordForm}>
        <input type="hidden" name="intent" value="password" />
        {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
        <ErrorSummary
          id="password-errors"
          focusKey={passwordFailure}
          formError={passwordFailure?.formError ? t(passwordFailure.formError.key, passwordFailure.formError.params) : null}
          items={PASSWORD_CHANGE_FIELDS.flatMap((f) => {
            const key = passwordErrors[f];
            return key ? [{ name: f, label: t(`account.field.${f}`), message: t(key) }] : [];
          })}
        />
        <TextField
          name="currentPassword"
          type="password"
          label={t("account.field.currentPassword")}
          autoComplete="current-password"
          required
          error={passwordErrors.currentPassword ? t(passwordErrors.currentPassword) : null}
        />
        <TextField
          name="newPassword"
          type="password"
          label={t("account.field.newPassword")}
          hint={t("account.field.newPassword.hint")}
          autoComplete="new-password"
          required
          error={passwordErrors.newPassword ? t(passwordErrors.newPassword) : null}
        />
        <TextField
          name="confirmPassword"
          type="password"
          label={t("account.field.confirmPassword")}
          autoComplete="new-password"
          required
          error={passwordErrors.confirmPassword ? t(passwordErrors.confirmPassword) : null}
        />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            {t("account.passwordSubmit")}
          </button>
        </div>
      </Form>
    </section>
  );
  const profile = (
    <section key="profile" className="panel" aria-labelledby="profile">
      <h2 id="profile">{t("account.profile")}</h2>
      <dl className="account-facts">
        <dt>{t("auth.field.email")}</dt>
        <dd>{user.email}</dd>
        <dt>{t("account.organisation")}</dt>
        <dd>{user.organisationName}</dd>
        <dt>{t("account.role")}</dt>
        <dd>
          {t(`account.role.${user.role}`)}
          {user.isOrgAdmin ? <span className="tag">{t("account.adminBadge")}</span> : null}
        </dd>
      </dl>
      <p>
        <Link to="/account/members">{t(user.isOrgAdmin ? "account.membersLink" : "account.membersLinkPlain")} →</Link>
      </p>
      <Form method="post" noValidate>
        <input type="hidden" name="intent" value="profile" />
        <ErrorSummary
          id="profile-errors"
          focusKey={actionData?.form === "profile" ? actionData : null}
          items={profileErrors.displayName ? [{ name: "displayName", label: t("account.field.displayName"), message: t(profileErrors.displayName) }] : []}
        />
        <TextField
          name="displayName"
          label={t("account.field.displayName")}
          hint={t("account.field.displayName.hint")}
          autoComplete="name"
          maxLength={50}
          required
          defaultValue={user.displayName}
          error={profileErrors.displayName ? t(profileErrors.displayName) : null}
        />
        <div className="form-actions">
          <button type="submit" className="button button--ghost" disabled={busy}>
            {t("account.profileSubmit")}
          </button>
        </div>
      </Form>
    </section>
  );
  const signedIn = (
    <section key="devices" className="panel" aria-labelledby="devices">
      <h2 id="devices">{t("account.devices")}</h2>
      <p className="field__hint">{t("account.devicesHint")}</p>
      <ul className="device-list">
        {devices.map((d, i) => (
          <li key={i}>
            <span>{d.device ?? t("account.device.unknown")}</span>
            {d.current ? <span className="tag">{t("account.device.current")}</span> : null}
            <small>
              {d.sessions > 1
                ? t("account.device.many", { count: d.sessions, date: formatDateTime(d.latest, locale) })
                : t("account.device.since", { date: formatDateTime(d.latest, locale) })}
            </small>
          </li>
        ))}
      </ul>
      {devices.some((d) => !d.current) ? (
        <Form method="post">
          <input type="hidden" name="intent" value="end-sessions" />
          <button type="submit" className="button button--ghost" disabled={busy}>
            {t("account.endOthers")}
          </button>
        </Form>
      ) : null}
    </section>
  );

  return (
    <div className="account-page">
      <PageHead title={t("account.title")} intro={t("account.intro")} />
      {user.mustChangePassword ? (
        <p className="notice" role="alert">
          {t("account.mustChange")}
        </p>
      ) : null}
      {saved ? (
        <p className="notice" role="status">
          {saved === "profile"
            ? t("account.profileSaved")
            : saved === "sessions"
              ? t("account.endedOthers", { count: ended })
              : ended > 0
                ? t("account.passwordChangedOthers", { count: ended })
                : t("account.passwordChanged")}
        </p>
      ) : null}

      <div className="account-grid">
        {/* A first password is replaced before anything else. */}
        {user.mustChangePassword ? [password, profile, signedIn] : [profile, password, signedIn]}
      </div>
    </div>
  );
}
