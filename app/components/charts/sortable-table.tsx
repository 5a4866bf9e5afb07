import { useMemo, useState, type ReactNode } from "react";
import { useT } from "~/i18n/context";
import { ScrollArea } from "../scroll-area";

export interface Column<R> {
  key: string;
  label: string;
  /** right-aligned figures; sorting starts with the largest */
  numeric?: boolean;
  /** what the column sorts by */
  sortValue: (row: R) => string | number;
  /** what the cell shows (defaults to the sort value) */
  render?: (row: R) => ReactNode;
}

type Sort = { key: string; dir: "asc" | "desc" };

/**
 * A table whose column headers sort it (click again to reverse). Sorting happens in the browser on the rows given;
 * without JavaScript the table keeps the server's order. An optional footer row (a total) never moves.
 */
export function SortableTable<R>({
  columns,
  rows,
  rowKey,
  initialSort,
  footer,
  caption,
  limit,
}: {
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string;
  initialSort?: Sort;
  footer?: ReactNode[];
  caption?: string;
  /** show this many rows until "show all" is pressed */
  limit?: number;
}) {
  const t = useT();
  const [sort, setSort] = useState<Sort | null>(initialSort ?? null);
  const [expanded, setExpanded] = useState(false);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const column = columns.find((c) => c.key === sort.key);
    if (!column) return rows;
    const factor = sort.dir === "asc" ? 1 : -1;
    return rows
      .map((row, index) => ({ row, index, value: column.sortValue(row) }))
      .sort((a, b) => {
        const cmp =
          typeof a.value === "number" && typeof b.value === "number" ? a.value - b.value : String(a.value).localeCompare(String(b.value), "zh-CN");
        return cmp * factor || a.index - b.index;
      })
      .map((x) => x.row);
  }, [rows, columns, sort]);

  const toggle = (column: Column<R>) =>
    setSort((current) =>
      current?.key === column.key ? { key: column.key, dir: current.dir === "asc" ? "desc" : "asc" } : { key: column.key, dir: column.numeric ? "desc" : "asc" },
    );

  const shown = limit !== undefined && !expanded ? sorted.slice(0, limit) : sorted;

  return (
    <ScrollArea>
      <table className="data sortable">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              return (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? "num" : undefined}
                  aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}
                >
                  <button type="button" className="sort-button" onClick={() => toggle(c)} title={t("dashboard.sortBy", { column: c.label })}>
                    {c.label}
                    <span className="sort-button__icon" aria-hidden="true">
                      {active ? (sort.dir === "asc" ? "▲" : "▼") : "↕"}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.key} className={c.numeric ? "num" : undefined}>
                  {c.render ? c.render(row) : c.sortValue(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        {footer ? (
          <tfoot>
            <tr>
              {footer.map((cell, i) => (
                <td key={i} className={columns[i]?.numeric ? "num" : undefined}>
                  {cell}
                </td>
              ))}
            </tr>
          </tfoot>
        ) : null}
      </table>
      {shown.length < sorted.length || expanded ? (
        <button type="button" className="link-button table-toggle" aria-expanded={expanded} onClick={() => setExpanded((e) => !e)}>
          {expanded ? t("dashboard.showFewer", { count: limit ?? 0 }) : t("dashboard.showAll", { count: sorted.length })}
        </button>
      ) : null}
    </ScrollArea>
  );
}
