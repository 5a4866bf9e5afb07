import { useT } from "~/i18n/context";

const LEVELS = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/** TRL 1–9 (GB/T 22900) as nine steps, filled up to the result's level, with the three stages named underneath. */
export function MaturityBar({ trl }: { trl: number }) {
  const t = useT();
  return (
    <figure className="maturity" aria-label={t("storefront.trl.aria", { trl, stage: t(`trl.${trl}`) })}>
      <ol className="maturity__steps" aria-hidden="true">
        {LEVELS.map((level) => (
          <li
            key={level}
            className={`maturity__step maturity__step--${level <= 3 ? "lab" : level <= 6 ? "pilot" : "industrial"}${level <= trl ? " is-on" : ""}${level === trl ? " is-current" : ""}`}
            title={`TRL ${level} · ${t(`trl.${level}`)}`}
          >
            {level}
          </li>
        ))}
      </ol>
      <figcaption className="maturity__bands" aria-hidden="true">
        <span>{t("storefront.band.lab")}</span>
        <span>{t("storefront.band.pilot")}</span>
        <span>{t("storefront.band.industrial")}</span>
      </figcaption>
    </figure>
  );
}
