import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import { getDb } from "~/db.server";
import { formatFen, formatFenCompact, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { todayInChina } from "~/services/contracts/calendar";
import { FIRST_REWARD_YEAR, parseRewardRules, transactionRewards, type RewardParameter } from "~/services/stats/rewards";
import { requireUser } from "~/session.server";
import { DataTable } from "~/components/data-table";
import { ErrorSummary, SelectField, TextField } from "~/components/form";
import { Kpi } from "~/components/kpi";
import { PageHead } from "~/components/page-head";
import { SELLER_TYPES } from "../../db/schema";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("rewards.title")} · ${t("app.name")}` }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, ["bureau"]);
  const params = new URL(request.url).searchParams;
  const today = todayInChina();
  const thisYear = Number(today.slice(0, 4));
  const years = Array.from({ length: Math.min(6, thisYear - FIRST_REWARD_YEAR + 1) }, (_, i) => thisYear - i);
  const parsed = parseRewardRules(params, today);
  const form = { year: params.get("year") ?? String(thisYear - 1), rate: params.get("rate") ?? "1", cap: params.get("cap") ?? "500000", types: params.getAll("type") };
  if (!parsed.ok) return { ok: false as const, errors: parsed.errors, form, years, query: params.toString() };
  const table = await transactionRewards(await getDb(), parsed.rules, today);
  return { ok: true as const, table, form, years, query: params.toString(), partialYear: table.to < `${parsed.rules.year}-12-31` };
}

export default function Rewards() {
  const loaded = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const errors: Partial<Record<RewardParameter, string>> = loaded.ok ? {} : loaded.errors;
  const errorOf = (name: RewardParameter) => (errors[name] ? t(errors[name]) : null);
  const checkedTypes = loaded.form.types.length === 0 ? SELLER_TYPES : loaded.form.types;

  return (
    <div>
      <p>
        <Link to="/bureau/dashboard">← {t("dashboard.title")}</Link>
      </p>
      <PageHead title={t("rewards.title")} intro={t("rewards.intro")} />

      <Form method="get" className="form-card form-card--wide" noValidate>
        <ErrorSummary
          focusKey={loaded.query}
          items={(["year", "rate", "cap", "type"] as const).flatMap((name) => {
            const message = errorOf(name);
            return message ? [{ name, label: t(`rewards.field.${name}`), message }] : [];
          })}
        />
        <div className="field-row">
          <SelectField
            name="year"
            label={t("rewards.field.year")}
            options={loaded.years.map((y) => ({ value: String(y), label: t("rewards.yearOption", { year: y }) }))}
            defaultValue={loaded.form.year}
            error={errorOf("year")}
          />
          <TextField name="rate" label={t("rewards.field.rate")} inputMode="decimal" defaultValue={loaded.form.rate} error={errorOf("rate")} />
          <TextField
            name="cap"
            label={t("rewards.field.cap")}
            hint={t("rewards.capHint")}
            inputMode="decimal"
            defaultValue={loaded.form.cap}
            error={errorOf("cap")}
          />
        </div>
        <fieldset className="field" id="field-type">
          <legend>{t("rewards.field.type")}</legend>
          {errorOf("type") ? <p className="field__error">{errorOf("type")}</p> : null}
          <div className="checkbox-row">
            {SELLER_TYPES.map((type) => (
              <label key={type} className="checkbox" htmlFor={`type-${type}`}>
                <input type="checkbox" id={`type-${type}`} name="type" value={type} defaultChecked={checkedTypes.includes(type)} />{" "}
                {t(`contracts.sellerType.${type}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button">
            {t("rewards.submit")}
          </button>
          {loaded.ok ? (
            <a className="button button--ghost" href={`/bureau/dashboard/rewards.csv?${loaded.query}`} download>
              {t("dashboard.csv")}
            </a>
          ) : null}
        </div>
      </Form>

      {loaded.ok ? (
        <>
          <p className="sentence">
            {t(loaded.table.rules.capFen === null ? "rewards.sentenceNoCap" : "rewards.sentence", {
              year: loaded.table.rules.year,
              to: loaded.table.to,
              sellers: loaded.table.totals.sellers,
              income: formatFen(loaded.table.totals.technical_income_fen, locale),
              rate: `${loaded.table.rules.rateBps / 100}%`,
              reward: formatFen(loaded.table.totals.reward_fen, locale),
              cap: formatFen(loaded.table.rules.capFen ?? 0, locale),
              capped: loaded.table.totals.capped,
            })}
            {loaded.partialYear ? ` ${t("rewards.partialYear", { to: loaded.table.to })}` : ""}
          </p>
          <section className="kpis" aria-label={t("rewards.summary")}>
            <Kpi label={t("rewards.kpi.sellers")} value={loaded.table.totals.sellers} />
            <Kpi
              label={t("rewards.kpi.income")}
              value={formatFenCompact(loaded.table.totals.technical_income_fen, locale)}
              title={formatFen(loaded.table.totals.technical_income_fen, locale)}
            />
            <Kpi
              label={t("rewards.kpi.reward")}
              value={formatFenCompact(loaded.table.totals.reward_fen, locale)}
              title={formatFen(loaded.table.totals.reward_fen, locale)}
            />
            <Kpi label={t("rewards.kpi.capped")} value={loaded.table.totals.capped} />
          </section>
          <section className="panel panel--spaced" aria-labelledby="reward-lines">
            <h2 id="reward-lines">{t("rewards.lines")}</h2>
            {loaded.table.lines.length === 0 ? (
              <p className="empty">{t("rewards.none")}</p>
            ) : (
              <DataTable
                rows={loaded.table.lines.map((l, i) => ({ ...l, rank: i + 1 }))}
                rowKey={(l) => `${l.seller}|${l.seller_type}`}
                columns={[
                  { header: "#", numeric: true, cell: (l) => l.rank },
                  { header: t("dashboard.col.seller"), className: "name-cell", cell: (l) => l.seller },
                  { header: t("contracts.col.seller_type"), className: "nowrap", cell: (l) => t(`contracts.sellerType.${l.seller_type}`) },
                  { header: t("dashboard.kpi.contracts"), numeric: true, cell: (l) => l.contracts },
                  { header: t("rewards.col.income"), numeric: true, cell: (l) => formatFen(l.technical_income_fen, locale) },
                  {
                    header: t("rewards.col.reward"),
                    numeric: true,
                    cell: (l) => (
                      <>
                        {formatFen(l.reward_fen, locale)}
                        {l.capped ? (
                          <>
                            {" "}
                            <span className="tag">{t("rewards.capped")}</span>
                          </>
                        ) : null}
                      </>
                    ),
                  },
                ]}
              />
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}
