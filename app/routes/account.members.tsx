import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import "~/styles/account.css";
import { DataTable } from "~/components/data-table";
import { ErrorSummary, TextField } from "~/components/form";
import { PageHead } from "~/components/page-head";
import { RowActionForm } from "~/components/row-action";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { formatDateTime } from "~/components/catalogue/format";
import { useLocale, useT } from "~/i18n/context";
import { MEMBER_CHANGES, NEW_MEMBER_FIELDS, type MemberChange, type NewMemberField } from "~/services/accounts/account-fields";
import { addMember, changeMember, listMembers, type MemberChangeField } from "~/services/accounts/members";
import type { FieldErrors, Message } from "~/services/accounts/types";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("account.members.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const members = await listMembers(await getDb(), user.organisationId);
  return {
    me: { id: user.id, isOrgAdmin: user.isOrgAdmin, organisationName: user.organisationName },
    members: members.map((m) => ({
      ...m,
      disabledAt: m.disabledAt?.toISOString() ?? null,
      createdAt: m.createdAt.toISOString(),
      lastLoginAt: m.lastLoginAt?.toISOString() ?? null,
    })),
  };
}

type ActionResult =
  | { target: "add"; fieldErrors: FieldErrors<NewMemberField>; error: Message | null; values: { displayName: string; email: string } }
  | { target: string; fieldErrors: FieldErrors<MemberChangeField>; error: Message | null };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const admin = { id: user.id, organisationId: user.organisationId };
  const form = await request.formData();
  const db = await getDb();
  if (form.get("intent") === "add") {
    const input = { displayName: form.get("displayName"), email: form.get("email"), password: form.get("password") };
    const result = await addMember(db, admin, input);
    if (!result.ok) {
      const text = (v: unknown) => (typeof v === "string" ? v : "");
      return data<ActionResult>(
        { target: "add", fieldErrors: result.fieldErrors, error: result.formError ?? null, values: { displayName: text(input.displayName), email: text(input.email) } },
        { status: result.formError ? 403 : 400 },
      );
    }
    return redirect(`/account/members?${new URLSearchParams({ done: "add", name: String(input.displayName).trim() })}`);
  }
  if (form.get("intent") === "change") {
    const memberId = form.get("memberId");
    const change = form.get("change");
    const result = await changeMember(db, admin, { memberId, change, password: form.get("password") ?? undefined });
    if (!result.ok) {
      return data<ActionResult>({ target: `${String(memberId)}-${String(change)}`, fieldErrors: result.fieldErrors, error: result.formError ?? null }, { status: 400 });
    }
    return redirect(`/account/members?${new URLSearchParams({ done: result.change, name: result.member.displayName })}`);
  }
  throw new Response("Bad request", { status: 400 });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>["members"][number];

/** The changes an administrator can make to a row's account, in the order they are offered. */
function changesFor(member: Row, meId: number): MemberChange[] {
  return MEMBER_CHANGES.filter((change) => {
    if (member.disabledAt) return change === "enable";
    switch (change) {
      case "enable":
        return false;
      case "make_admin":
        return !member.isOrgAdmin;
      case "revoke_admin":
        return member.isOrgAdmin;
      default:
        return member.id !== meId;
    }
  });
}

export default function Members() {
  const { me, members } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state === "submitting";
  const done = [...MEMBER_CHANGES, "add"].find((d) => d === search.get("done"));
  const addFailure = actionData && "values" in actionData ? actionData : null;
  const addErrors: FieldErrors<NewMemberField> = addFailure?.fieldErrors ?? {};
  const failureOf = (target: string) => (actionData && !("values" in actionData) && actionData.target === target ? actionData : null);
  const admins = members.filter((m) => m.isOrgAdmin && !m.disabledAt).map((m) => m.displayName);

  return (
    <div className="account-page">
      <p>
        <Link to="/account">← {t("account.title")}</Link>
      </p>
      <PageHead title={t("account.members.title")} intro={t("account.members.intro")} aside={<span className="kpi__label">{me.organisationName}</span>} />
      {done ? (
        <p className="notice" role="status">
          {t(done === "add" ? "account.members.added" : `account.members.done.${done}`, { name: search.get("name") ?? "" })}
        </p>
      ) : null}
      {!me.isOrgAdmin ? <p className="notice">{t("account.members.readOnly", { names: admins.join("、") })}</p> : null}
      {me.isOrgAdmin ? (
        <p>
          <Link to="/account/activity">{t("account.members.activityLink")} →</Link>
        </p>
      ) : null}

      <section className="panel panel--spaced" aria-label={t("account.members.title")}>
        <DataTable
          stackOnPhone
          rows={members}
          rowKey={(m) => m.id}
          columns={[
            {
              header: t("account.members.col.member"),
              className: "name-cell",
              cell: (m) => (
                <>
                  {m.displayName}
                  {m.id === me.id ? <span className="member-you">{t("account.members.you")}</span> : null}
                  <br />
                  <small className="kpi__label">{m.email}</small>
                </>
              ),
            },
            { header: t("account.members.col.role"), cell: (m) => (m.isOrgAdmin ? <span className="tag">{t("account.members.admin")}</span> : t("account.members.member")) },
            {
              header: t("account.members.col.state"),
              cell: (m) =>
                m.disabledAt ? (
                  <span className="tag tag--off">{t("account.members.disabled")}</span>
                ) : m.mustChangePassword ? (
                  <span className="tag">{t("account.members.mustChange")}</span>
                ) : (
                  t("account.members.active")
                ),
            },
            {
              header: t("account.members.col.lastLogin"),
              cell: (m) => (m.lastLoginAt ? formatDateTime(m.lastLoginAt, locale) : <span className="kpi__label">{t("account.members.neverLoggedIn")}</span>),
            },
            ...(me.isOrgAdmin
              ? [
                  {
                    header: t("account.members.col.actions"),
                    cell: (m: Row) => (
                      <div className="member-actions">
                        {changesFor(m, me.id).map((change) => {
                          const failure = failureOf(`${m.id}-${change}`);
                          return (
                            <RowActionForm
                              key={change}
                              summary={t(`account.members.change.${change}`)}
                              submitLabel={t(`account.members.submit.${change}`)}
                              open={Boolean(failure)}
                              busy={busy}
                              hint={t(`account.members.confirm.${change}`, { name: m.displayName })}
                              error={failure?.error ? t(failure.error.key, failure.error.params) : null}
                            >
                              <input type="hidden" name="intent" value="change" />
                              <input type="hidden" name="memberId" value={m.id} />
                              <input type="hidden" name="change" value={change} />
                              {change === "reset_password" ? (
                                <TextField
                                  id={`password-${m.id}`}
                                  name="password"
                                  type="text"
                                  autoComplete="off"
                                  label={t("account.members.field.password")}
                                  hint={t("auth.field.password.newHint")}
                                  required
                                  error={failure?.fieldErrors.password ? t(failure.fieldErrors.password) : null}
                                />
                              ) : null}
                            </RowActionForm>
                          );
                        })}
                      </div>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </section>

      {me.isOrgAdmin ? (
        <section className="panel panel--spaced" aria-labelledby="add-member">
          <h2 id="add-member">{t("account.members.add")}</h2>
          <p className="field__hint">{t("account.members.addHint")}</p>
          <Form method="post" className="form-card" noValidate>
            <input type="hidden" name="intent" value="add" />
            <ErrorSummary
              id="add-errors"
              focusKey={addFailure}
              formError={addFailure?.error ? t(addFailure.error.key, addFailure.error.params) : null}
              items={NEW_MEMBER_FIELDS.flatMap((f) => {
                const key = addErrors[f];
                return key ? [{ name: f, label: t(`account.members.field.${f}`), message: t(key) }] : [];
              })}
            />
            <TextField
              name="displayName"
              label={t("account.members.field.displayName")}
              maxLength={50}
              required
              defaultValue={addFailure?.values.displayName ?? ""}
              error={addErrors.displayName ? t(addErrors.displayName) : null}
            />
            <TextField
              name="email"
              type="email"
              label={t("account.members.field.email")}
              autoComplete="off"
              required
              defaultValue={addFailure?.values.email ?? ""}
              error={addErrors.email ? t(addErrors.email) : null}
            />
            <TextField
              name="password"
              type="text"
              autoComplete="off"
              label={t("account.members.field.password")}
              hint={t("auth.field.password.newHint")}
              required
              error={addErrors.password ? t(addErrors.password) : null}
            />
            <div className="form-actions">
              <button type="submit" className="button" disabled={busy}>
                {t("account.members.addSubmit")}
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
