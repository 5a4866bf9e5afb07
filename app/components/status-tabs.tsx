import { Link } from "@remix-run/react";

export interface StatusTab {
  /** the ?status= value; null for "all" */
  key: string | null;
  label: string;
  count?: number;
}

/** The row of status filters over a list: links to ?status=…, the current one marked, each with its count if known. */
export function StatusTabs({ tabs, current, label }: { tabs: readonly StatusTab[]; current: string | null; label?: string }) {
  return (
    <ul className="status-tabs" aria-label={label}>
      {tabs.map((tab) => (
        <li key={tab.key ?? "all"}>
          <Link to={tab.key ? `?status=${tab.key}` : "?"} aria-current={tab.key === current ? "page" : undefined}>
            {tab.label}
            {tab.count === undefined ? null : (
              <>
                {" "}
                <span className="count">{tab.count}</span>
              </>
            )}
          </Link>
        </li>
      ))}
    </ul>
  );
}
