import {
  data,
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import chartsStylesheet from "~/components/charts/charts.css?url";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { importContractsCsv, type LineError } from "~/services/contracts/import";
import { formatLineError } from "~/services/contracts/messages";
import { CONTRACT_COLUMNS } from "~/services/contracts/validation";
import { requireUser } from "~/session.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: chartsStylesheet }];

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("contracts.import.title")} · ${t("app.name")}` }];
};

/** Uploads through the browser stop here; the command line takes files of any size. */
const MAX_UPLOAD_MB = 20;
/** Lines listed on the page; the count above the list is always the full number. */
const MAX_LISTED_ERRORS = 2_000;

type ImportOutcome =
  | { status: "noFile" }
  | { status: "tooLarge" }
  | { status: "refused"; errors: LineError[]; errorCount: number }
  | { status: "imported"; imported: number; first: string | null; last: string | null };

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["bureau"]);
  const reply = (outcome: ImportOutcome, status = 200) => data(outcome, { status });
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_UPLOAD_MB * 1024 * 1024 }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return reply({ status: "tooLarge" }, 413);
    throw error;
  }
  const file = form.get("file");
  if (!(file instanceof Blob) || file.size === 0) return reply({ status: "noFile" }, 400);
  const name = "name" in file && typeof file.name === "string" ? file.name : "upload.csv";
  // The same service as `npm run import:contracts`: every row checked first, then all rows or none.
  const result = await importContractsCsv(await getDb(), new Uint8Array(await file.arrayBuffer()), { registeredBy: user.id, fileName: name });
  if (!result.ok) return reply({ status: "refused", errors: result.errors.slice(0, MAX_LISTED_ERRORS), errorCount: result.errors.length }, 400);
  return reply({ status: "imported", imported: result.imported, first: result.firstCertificate, last: result.lastCertificate });
}

const EXAMPLE = `${CONTRACT_COLUMNS.join(",")}
LY2024-JS-0001,2024-03-15,development,new_materials,河南科技大学,university,洛阳某轴承有限公司,涧西区,1200000.00,1000000.00
LY2024-JS-0002,2024-03-18,service,electronic_information,"洛阳某软件科技有限公司",enterprise,"某集团（郑州）有限公司",郑州市,85000.5,85000.5`;

export default function ImportContracts() {
  const t = useT();
  const locale = useLocale();
  const outcome = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";

  return (
    <div className="form-card form-card--wide">
      <h1>{t("contracts.import.title")}</h1>
      <p>{t("contracts.import.help")}</p>
      <p className="columns-list mono">{CONTRACT_COLUMNS.join(", ")}</p>
      <p className="field__hint">{t("contracts.import.rules")}</p>
      <p>
        <a href="/bureau/contracts/template.csv" download>
          ⬇ {t("contracts.import.template")}
        </a>
      </p>
      <details>
        <summary>{t("contracts.import.example")}</summary>
        <pre className="columns-list mono">{EXAMPLE}</pre>
      </details>

      {outcome?.status === "imported" ? (
        <p className="success" role="status">
          {t("contracts.import.done", { count: outcome.imported.toLocaleString(locale), first: outcome.first ?? "—", last: outcome.last ?? "—" })}{" "}
          <Link to="/bureau/contracts?source=import">{t("contracts.detail.back")}</Link>
        </p>
      ) : null}
      {outcome?.status === "refused" ? (
        <div className="form-error" role="alert">
          <p>{t("contracts.import.refused", { count: outcome.errorCount.toLocaleString(locale) })}</p>
          <ul className="line-errors">
            {outcome.errors.map((e) => (
              <li key={e.line}>{formatLineError(t, e)}</li>
            ))}
            {outcome.errorCount > outcome.errors.length ? <li>…</li> : null}
          </ul>
        </div>
      ) : null}
      {outcome?.status === "noFile" ? (
        <p className="form-error" role="alert">
          {t("contracts.import.noFile")}
        </p>
      ) : null}
      {outcome?.status === "tooLarge" ? (
        <p className="form-error" role="alert">
          {t("contracts.import.tooLarge", { max: MAX_UPLOAD_MB })}
        </p>
      ) : null}

      <Form method="post" encType="multipart/form-data">
        <div className="field">
          <label htmlFor="import-file">{t("contracts.import.file")}</label>
          <input id="import-file" type="file" name="file" accept=".csv,text/csv" required />
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            {t("contracts.import.submit")}
          </button>{" "}
          <Link to="/bureau/contracts">{t("contracts.detail.back")}</Link>
        </div>
      </Form>
    </div>
  );
}
