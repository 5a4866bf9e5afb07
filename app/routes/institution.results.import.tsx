import {
  data,
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Fragment } from "react";
import { FIELD_CODES, IP_TYPES, TRANSFER_MODES } from "../../db/schema";
import "~/components/catalogue/catalogue.css";
import { ErrorSummary, RadioGroupField } from "~/components/form";
import { getDb } from "~/db.server";
import { metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { REGIONS } from "~/services/accounts/regions";
import { importResults } from "~/services/catalogue/import";
import { IP_STATUSES, formatLineError, type LineError } from "~/services/catalogue/listing-input";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("catalogue.import.title")} · ${t("app.name")}` }];
};

/** Uploads through the browser stop here; `npm run import:results` takes files of any size. */
const MAX_UPLOAD_MB = 10;
/** Bad lines listed on the page; the count above the list is always the full number. */
const MAX_LISTED_ERRORS = 500;
const PAGE_STATUSES = ["pending_review", "draft"] as const;

type Outcome =
  | { status: "noFile" }
  | { status: "tooLarge" }
  | { status: "refused"; errors: LineError[]; errorCount: number }
  | { status: "imported"; imported: number; importedAs: (typeof PAGE_STATUSES)[number] };

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  return { institution: user.organisationName };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, ["institution"]);
  const reply = (outcome: Outcome, status = 200) => data(outcome, { status });
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_UPLOAD_MB * 1024 * 1024 }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return reply({ status: "tooLarge" }, 413);
    throw error;
  }
  const file = form.get("file");
  if (!(file instanceof Blob) || file.size === 0) return reply({ status: "noFile" }, 400);
  const status = form.get("status") === "draft" ? "draft" : "pending_review";
  const name = "name" in file && typeof file.name === "string" ? file.name : "upload.jsonl";
  // The page imports into the signed-in institution only: a line naming another institution is an error.
  const result = await importResults(await getDb(), new Uint8Array(await file.arrayBuffer()), {
    scope: { kind: "institution", institutionId: user.organisationId, institutionName: user.organisationName },
    status,
    actor: user,
    source: name,
  });
  if (!result.ok) return reply({ status: "refused", errors: result.errors.slice(0, MAX_LISTED_ERRORS), errorCount: result.errors.length }, 400);
  return reply({ status: "imported", imported: result.imported, importedAs: status });
}

function example(institution: string): string {
  return JSON.stringify({
    title: "高效低噪离心风机叶轮设计技术",
    title_en: "Low-noise centrifugal fan impeller design",
    summary: "风机效率提高 6%，噪声降低 5 dB(A)。",
    description: "## 技术指标\n- 全压效率 ≥ 88%",
    field: "advanced_manufacturing",
    keywords: ["风机", "降噪"],
    trl: 6,
    ip: [{ type: "invention_patent", number: "ZL202110123456.7", status: "granted" }],
    modes: [
      { mode: "assignment", price_yuan: 300000 },
      { mode: "nonexclusive_license", price_yuan: 50000.5 },
      { mode: "development", price_yuan: null },
    ],
    institution,
    inventors: ["王磊", "李娜"],
    region: "jianxi",
    state_funded: true,
    voucher_eligible: true,
  });
}

export default function ImportResults() {
  const { institution } = useLoaderData<typeof loader>();
  const outcome = useActionData<typeof action>();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state === "submitting";
  const fileError =
    outcome?.status === "noFile" ? t("catalogue.import.fileRequired") : outcome?.status === "tooLarge" ? t("catalogue.import.tooLarge", { max: MAX_UPLOAD_MB }) : null;

  return (
    <div className="form-card form-card--wide">
      <p>
        <Link to="/institution/results">← {t("catalogue.mine.title")}</Link>
      </p>
      <h1>{t("catalogue.import.title")}</h1>
      <p className="form-intro">{t("catalogue.import.intro")}</p>

      {outcome?.status === "imported" ? (
        <p className="flash" role="status">
          {t("catalogue.import.ok", { count: outcome.imported.toLocaleString(locale) })}{" "}
          <Link to={`/institution/results?status=${outcome.importedAs}`}>{t("catalogue.mine.title")} →</Link>
        </p>
      ) : null}
      {outcome?.status === "refused" ? (
        <div className="form-error" role="alert">
          <p>{t("catalogue.import.failed", { count: outcome.errorCount.toLocaleString(locale) })}</p>
          <ul className="line-errors">
            {outcome.errors.map((e) => (
              <li key={e.line}>{formatLineError(e, t, (n) => t("catalogue.import.line", { line: n }))}</li>
            ))}
          </ul>
          {outcome.errorCount > outcome.errors.length ? <p>{t("catalogue.import.more", { count: outcome.errorCount - outcome.errors.length })}</p> : null}
        </div>
      ) : null}
      <ErrorSummary focusKey={outcome} items={fileError ? [{ name: "file", label: t("catalogue.import.file"), message: fileError }] : []} />

      <Form method="post" encType="multipart/form-data">
        <div className="field">
          <label htmlFor="field-file">
            {t("catalogue.import.file")}
            <span className="field__required" aria-hidden="true">
              *
            </span>
          </label>
          <p id="field-file-hint" className="field__hint">
            {t("catalogue.import.file.hint")}
          </p>
          {fileError ? (
            <p id="field-file-error" className="field__error">
              {fileError}
            </p>
          ) : null}
          <input
            id="field-file"
            type="file"
            name="file"
            accept=".jsonl,.ndjson,.json,.txt,application/x-ndjson,application/json,text/plain"
            required
            aria-invalid={fileError ? true : undefined}
            aria-describedby={fileError ? "field-file-hint field-file-error" : "field-file-hint"}
          />
        </div>
        <RadioGroupField
          name="status"
          label={t("catalogue.import.status")}
          defaultValue="pending_review"
          layout="row"
          options={PAGE_STATUSES.map((s) => ({ value: s, label: t(`catalogue.import.status.${s}`), hint: t(`catalogue.import.status.${s}.hint`) }))}
        />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            {t("catalogue.import.submit")}
          </button>
        </div>
      </Form>

      <h2 className="form-section">{t("catalogue.import.format")}</h2>
      <p>{t("catalogue.import.format.keys")}</p>
      <p>{t("catalogue.import.format.institution", { name: institution })}</p>
      <pre className="code-sample">{example(institution)}</pre>
      <details className="code-list">
        <summary>{t("catalogue.import.format.codes")}</summary>
        <CodeList name="field" codes={FIELD_CODES} />
        <CodeList name="modes[].mode" codes={TRANSFER_MODES} />
        <CodeList name="ip[].type" codes={IP_TYPES} />
        <CodeList name="ip[].status" codes={IP_STATUSES} />
        <CodeList name="region" codes={REGIONS} />
      </details>
    </div>
  );
}

function CodeList({ name, codes }: { name: string; codes: readonly string[] }) {
  return (
    <p>
      {name}:{" "}
      {codes.map((c, i) => (
        <Fragment key={c}>
          {i > 0 ? " " : null}
          <code>{c}</code>
        </Fragment>
      ))}
    </p>
  );
}
