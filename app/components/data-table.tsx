import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { ScrollArea } from "./scroll-area";

export interface Column<T> {
  header: ReactNode;
  /** a figure: right-aligned, in the header too */
  numeric?: boolean;
  /** extra class of the column's cells ("mono", "nowrap", "title-cell") */
  className?: string;
  cell: (row: T) => ReactNode;
}

/**
 * The site's data table: one header row, one row per item, cells drawn by the columns. On a phone it scrolls sideways,
 * or with `stackOnPhone` each row becomes a card of "header: value" lines (for tables with forms in their rows).
 */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  className,
  stackOnPhone,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string | number;
  className?: string;
  stackOnPhone?: boolean;
}) {
  const cellClass = (c: Column<T>) => [c.numeric ? "num" : "", c.className ?? ""].filter(Boolean).join(" ") || undefined;
  const classes = ["data", stackOnPhone ? "data--stack" : "", className ?? ""].filter(Boolean).join(" ");
  return (
    <ScrollArea>
      <table className={classes}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={c.numeric ? "num" : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c, i) => (
                <td key={i} className={cellClass(c)} data-label={stackOnPhone && typeof c.header === "string" ? c.header : undefined}>
                  {stackOnPhone ? <div>{c.cell(row)}</div> : c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollArea>
  );
}

/** Previous / "page n of m" / next, when a list has more than one page. */
export function Pager({ page, pages, href, label, text }: {
  page: number;
  pages: number;
  href: (page: number) => string;
  label: string;
  text: { prev: string; next: string; pageOf: string };
}) {
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={label}>
      {page > 1 ? <Link to={href(page - 1)}>{text.prev}</Link> : null}
      <span>{text.pageOf}</span>
      {page < pages ? <Link to={href(page + 1)}>{text.next}</Link> : null}
    </nav>
  );
}
