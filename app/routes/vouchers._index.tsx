import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import "~/components/charts/charts.css";
import "~/styles/vouchers.css";
import { getDb } from "~/db.server";
import { formatFen, metaTranslator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { openProgrammes } from "~/services/vouchers";
import { getSessionUser } from "~/session.server";
import { PageHead } from "~/components/page-head";
import { ProgrammeTerms } from "~/components/vouchers";

// 科技创新券, for everyone: what the open programmes offer and how much budget is really left (budgets run out early;
// the page says so plainly), how a voucher is used, and where an enterprise applies.

export const meta: MetaFunction = ({ matches }) => {
  const t = metaTranslator(matches);
  return [{ title: `${t("vouchers.public.title")} · ${t("app.name")}` }, { name: "description", content: t("vouchers.public.intro") }];
};

export async function loader({ request }: LoaderFunctionArgs) {
  const [programmes, user] = await Promise.all([openProgrammes(await getDb()), getSessionUser(request)]);
  return {
    role: user?.role ?? null,
    // What the public may see of a programme: its terms and how far its budget has gone, not what is owed to whom.
    programmes: programmes.map((p) => ({
      id: p.id,
      name: p.name,
      voucherAmountFen: p.voucherAmountFen,
      coverageBps: p.coverageBps,
      yearlyCapFen: p.yearlyCapFen,
      validFrom: p.validFrom,
      validTo: p.validTo,
      qualifyingModes: p.qualifyingModes,
      totalBudgetFen: p.totalBudgetFen,
      remainingBudgetFen: p.remainingBudgetFen,
      vouchersIssued: p.vouchersIssued,
      redeemedFen: p.redeemedFen,
    })),
  };
}

const STEPS = ["apply", "issue", "spend", "reimburse"] as const;

export default function VoucherPolicy() {
  const { programmes, role } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();

  return (
    <div>
      <PageHead title={t("vouchers.public.title")} intro={t("vouchers.public.intro")} />

      <section className="panel panel--spaced" aria-labelledby="how">
        <h2 id="how">{t("vouchers.public.how")}</h2>
        <ol className="voucher-steps">
          {STEPS.map((step, i) => (
            <li key={step}>
              <strong>
                {i + 1}. {t(`vouchers.public.step.${step}`)}
              </strong>
              <span>{t(`vouchers.public.step.${step}.text`)}</span>
            </li>
          ))}
        </ol>
        <p>
          <Link to="/results?voucher=true">{t("vouchers.public.browse")}</Link>
        </p>
      </section>

      <section className="panel panel--spaced" aria-labelledby="open">
        <h2 id="open">{t("vouchers.public.open")}</h2>
        {programmes.length === 0 ? (
          <p className="empty">{t("vouchers.apply.noneOpen")}</p>
        ) : (
          <div className="card-grid">
            {programmes.map((p) => {
              const issuedShare = p.totalBudgetFen === 0 ? 1 : (p.totalBudgetFen - p.remainingBudgetFen) / p.totalBudgetFen;
              const vouchersLeft = Math.floor(p.remainingBudgetFen / p.voucherAmountFen);
              return (
                <article key={p.id} className="result-card" aria-labelledby={`programme-${p.id}`}>
                  <h3 className="result-card__title" id={`programme-${p.id}`}>
                    {p.name}
                  </h3>
                  <ProgrammeTerms programme={p} />
                  <p className="result-card__modes">{p.qualifyingModes.map((m) => t(`mode.${m}`)).join(" · ")}</p>
                  <div className="voucher-budget">
                    <span className="voucher-budget__track" aria-hidden>
                      <span className="voucher-budget__bar" style={{ width: `${Math.min(100, Math.round(issuedShare * 100))}%` }} />
                    </span>
                    <small>
                      {vouchersLeft > 0
                        ? t("vouchers.public.budgetLine", { percent: Math.round(issuedShare * 100), count: vouchersLeft })
                        : t("vouchers.public.budgetGone")}
                    </small>
                    <small className="kpi__label">
                      {t("vouchers.public.usage", { issued: p.vouchersIssued, redeemed: formatFen(p.redeemedFen, locale) })}
                    </small>
                  </div>
                  {vouchersLeft === 0 ? null : role === null ? (
                    <p className="voucher-cta">
                      <Link className="button" to="/signup">
                        {t("vouchers.public.signUp")}
                      </Link>{" "}
                      <Link to="/login?redirectTo=%2Fenterprise%2Fvouchers">{t("vouchers.public.logIn")}</Link>
                    </p>
                  ) : role === "enterprise" ? (
                    <p className="voucher-cta">
                      <Link className="button" to="/enterprise/vouchers#apply">
                        {t("vouchers.apply.open")}
                      </Link>
                    </p>
                  ) : null}
                </article>
              );
            })}
          </div>
        )}
      </section>
    </div>
  );
}
