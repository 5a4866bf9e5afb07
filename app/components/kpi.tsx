import type { ReactNode } from "react";

/** One figure in a `.kpis` row: what it is, the number, and an optional line under it. */
export function Kpi({ label, value, meta, title }: { label: ReactNode; value: ReactNode; meta?: ReactNode; title?: string }) {
  return (
    <div className="kpi">
      <p className="kpi__label">{label}</p>
      <p className="kpi__value" title={title}>
        {value}
      </p>
      {meta ? <p className="kpi__meta">{meta}</p> : null}
    </div>
  );
}
