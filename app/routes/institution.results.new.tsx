import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ResultForm } from "~/components/catalogue/result-form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useT } from "~/i18n/context";
import { CatalogueError, createResult, httpStatusOf } from "~/services/catalogue/lifecycle";
import { parseResultForm } from "~/services/catalogue/listing-input";
import { priceReferences } from "~/services/contracts/price-references";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("catalogue.new.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  return { institution: user.organisationName, priceRefs: await priceReferences(await getDb()) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const form = await request.formData();
  const submit = form.get("intent") === "submit";
  const parsed = parseResultForm(form);
  if (!parsed.result.ok) return data({ fieldErrors: parsed.fieldErrors, values: parsed.values, formError: null }, { status: 400 });
  try {
    const { id } = await createResult(await getDb(), user, parsed.result.value, { submit });
    return redirect(`/institution/results/${id}/edit?done=${submit ? "submitted" : "created"}`);
  } catch (error) {
    if (!(error instanceof CatalogueError)) throw error;
    if (error.kind === "forbidden" || error.kind === "not_found") throw new Response(error.kind, { status: httpStatusOf(error) });
    return data({ fieldErrors: {}, values: parsed.values, formError: { key: error.key, params: error.params } }, { status: httpStatusOf(error) });
  }
}

export default function NewResult() {
  const t = useT();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { priceRefs } = useLoaderData<typeof loader>();
  return (
    <div className="form-card form-card--wide">
      <p>
        <Link to="/institution/results">← {t("catalogue.mine.title")}</Link>
      </p>
      <h1>{t("catalogue.new.title")}</h1>
      <p className="form-intro">{t("catalogue.new.intro")}</p>
      <ResultForm
        values={actionData?.values ?? { "pricing.assignment": "fixed" }}
        fieldErrors={actionData?.fieldErrors ?? {}}
        formError={actionData?.formError}
        focusKey={actionData}
        busy={navigation.state === "submitting"}
        priceRefs={priceRefs}
      />
    </div>
  );
}
