import { useId } from "react";
import { useT } from "~/i18n/context";
import { niceTicks } from "./scale";

export interface TrendPoint {
  /** axis label, e.g. "2024-03" */
  label: string;
  value: number;
  /** the same period a year earlier, drawn as a line */
  previous?: number;
}

const W = 720;
const H = 260;
const PAD = { top: 16, right: 12, bottom: 34, left: 64 };

/**
 * Monthly bars for the range with a line for the same months a year earlier. Dependency-free SVG that scales with
 * its container; the numbers themselves are in the table next to it, so the chart carries a summary label only.
 */
export function TrendChart({
  points,
  formatValue,
  title,
  currentLabel,
  previousLabel,
}: {
  points: TrendPoint[];
  formatValue: (v: number) => string;
  title: string;
  currentLabel: string;
  previousLabel: string;
}) {
  const t = useT();
  const id = useId();
  if (points.length === 0) return <p className="chart-empty">{t("dashboard.chart.empty")}</p>;
  const max = Math.max(0, ...points.map((p) => Math.max(p.value, p.previous ?? 0)));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] || 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / points.length;
  const barW = Math.max(2, Math.min(36, slot * 0.64));
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  // Thin the axis labels so they never overlap (about 12 fit).
  const every = Math.ceil(points.length / 12);
  const hasPrevious = points.some((p) => p.previous !== undefined);
  const line = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.previous ?? 0).toFixed(1)}`).join(" ");

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title`} className="chart__svg">
        <title id={`${id}-title`}>{title}</title>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} className="chart__grid" />
            <text x={PAD.left - 6} y={y(v)} dy="0.32em" textAnchor="end" className="chart__tick">
              {formatValue(v)}
            </text>
          </g>
        ))}
        {points.map((p, i) => (
          <g key={p.label}>
            <rect x={x(i) - barW / 2} y={y(p.value)} width={barW} height={Math.max(0, y(0) - y(p.value))} className="chart__bar" rx={2}>
              <title>{`${p.label}: ${formatValue(p.value)}${p.previous !== undefined ? ` · ${previousLabel} ${formatValue(p.previous)}` : ""}`}</title>
            </rect>
            {i % every === 0 ? (
              <text x={x(i)} y={H - PAD.bottom + 16} textAnchor="middle" className="chart__tick">
                {p.label}
              </text>
            ) : null}
          </g>
        ))}
        {hasPrevious ? (
          <>
            <path d={line} className="chart__line" />
            {points.map((p, i) => (
              <circle key={p.label} cx={x(i)} cy={y(p.previous ?? 0)} r={2.5} className="chart__dot" />
            ))}
          </>
        ) : null}
      </svg>
      <figcaption className="chart__legend">
        <span className="legend legend--bar">{currentLabel}</span>
        {hasPrevious ? <span className="legend legend--line">{previousLabel}</span> : null}
      </figcaption>
    </figure>
  );
}
