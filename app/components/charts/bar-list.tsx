import { useT } from "~/i18n/context";

export interface BarItem {
  key: string;
  label: string;
  value: number;
  /** the value as shown at the end of the bar */
  display: string;
}

/**
 * Horizontal bars, one per category, longest first as given. Plain HTML and CSS widths rather than SVG so long
 * Chinese labels wrap naturally on a phone; the bar lengths are decorative, the figures are printed beside them.
 */
export function BarList({ items, title, limit }: { items: BarItem[]; title: string; limit?: number }) {
  const t = useT();
  const shown = (limit ? items.slice(0, limit) : items).filter((i) => i.value > 0);
  if (shown.length === 0) return <p className="chart-empty">{t("dashboard.chart.empty")}</p>;
  const max = Math.max(...shown.map((i) => i.value));
  return (
    <ul className="bar-list" aria-label={title}>
      {shown.map((item) => (
        <li key={item.key} className="bar-list__item">
          <span className="bar-list__label">{item.label}</span>
          <span className="bar-list__track" aria-hidden="true">
            <span className="bar-list__bar" style={{ width: `${Math.max(0.5, (item.value / max) * 100)}%` }} />
          </span>
          <span className="bar-list__value">{item.display}</span>
        </li>
      ))}
    </ul>
  );
}
