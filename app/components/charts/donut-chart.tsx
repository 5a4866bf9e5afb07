import { useId } from "react";
import { useT } from "~/i18n/context";

export interface Slice {
  key: string;
  label: string;
  value: number;
  display: string;
}

const PALETTE = ["#c8102e", "#0b5cad", "#1a7f4b", "#b26a00", "#6941c6", "#5a6475"];

/** Shares of a whole as a ring (SVG arcs), with a legend that carries the figures. */
export function DonutChart({ slices, title }: { slices: Slice[]; title: string }) {
  const t = useT();
  const id = useId();
  const total = slices.reduce((s, x) => s + x.value, 0);
  if (total <= 0) return <p className="chart-empty">{t("dashboard.chart.empty")}</p>;
  const r = 60;
  const c = 2 * Math.PI * r;
  let offset = 0;
  return (
    <figure className="donut">
      <svg viewBox="0 0 160 160" role="img" aria-labelledby={`${id}-title`} className="donut__svg">
        <title id={`${id}-title`}>{title}</title>
        <g transform="rotate(-90 80 80)">
          {slices.map((s, i) => {
            const length = (s.value / total) * c;
            const circle = (
              <circle
                key={s.key}
                cx={80}
                cy={80}
                r={r}
                fill="none"
                stroke={PALETTE[i % PALETTE.length]}
                strokeWidth={26}
                strokeDasharray={`${length} ${c - length}`}
                strokeDashoffset={-offset}
              >
                <title>{`${s.label}: ${s.display}`}</title>
              </circle>
            );
            offset += length;
            return circle;
          })}
        </g>
      </svg>
      <figcaption>
        <ul className="donut__legend">
          {slices.map((s, i) => (
            <li key={s.key}>
              <span className="donut__swatch" style={{ background: PALETTE[i % PALETTE.length] }} aria-hidden="true" />
              <span className="donut__label">{s.label}</span>
              <span className="donut__value">
                {s.display} · {((s.value / total) * 100).toFixed(1)}%
              </span>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
