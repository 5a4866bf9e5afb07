import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { PageHead } from "~/components/page-head";
import { TextField } from "~/components/form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { findOrder, parseBankReference } from "~/services/checkout";
import { requireUser } from "~/session.server";

// The operator finds any order by its number (or a bank transfer's memo) and goes to its page.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("checkout.lookup.title")} · ${t("app.name")}` }];
};

/** The order id a typed order number ("00000042", "42") or transfer memo ("KJ…") names, or null. */
function orderIdOf(q: string): number | null {
  const digits = q.replace(/\s/g, "");
  if (/^\d{1,15}$/.test(digits)) return Number(digits) || null;
  return parseBankReference(q);
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["operator"]);
  const q = (new URL(request.url).searchParams.get("q") ?? "").trim().slice(0, 100);
  if (q === "") return { q, notFound: false };
  const id = orderIdOf(q);
  const order = id === null ? null : await findOrder(await getDb(), id);
  if (order) return redirect(`/operator/orders/${order.id}`);
  return { q, notFound: true };
}

export default function FindOrder() {
  const { q, notFound } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div>
      <PageHead
        title={t("checkout.lookup.title")}
        actions={
          <Link className="button button--ghost" to="/operator">
            {t("checkout.lookup.back")}
          </Link>
        }
      />
      <Form method="get" className="panel" role="search">
        <TextField
          name="q"
          label={t("checkout.lookup.label")}
          hint={t("checkout.lookup.hint")}
          defaultValue={q}
          maxLength={100}
          error={notFound ? t("checkout.lookup.notFound", { q }) : null}
        />
        <button type="submit" className="button">
          {t("checkout.lookup.submit")}
        </button>
      </Form>
    </div>
  );
}
