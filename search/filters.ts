import type { FilterClause, FilterValue } from "./types";

/** Filter clauses → Meilisearch filter expressions (one string per clause; the array is ANDed by Meilisearch). */

function literal(value: FilterValue): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`filter value ${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function meilisearchFilter(clause: FilterClause): string {
  const attribute = clause.attribute;
  if ("in" in clause) {
    if (clause.in.length === 0) return "id < 0"; // matches nothing, as an empty `in` does in the embedded engine
    if (clause.in.length === 1) return `${attribute} = ${literal(clause.in[0])}`;
    return `${attribute} IN [${clause.in.map(literal).join(", ")}]`;
  }
  const { min, max } = clause;
  // On an array attribute `a TO b` matches when one element is within [a, b] (a single range lookup), which is the
  // "any fixed-priced mode in range" rule; `>= a AND <= b` could be satisfied by two different elements.
  if (min !== undefined && max !== undefined) return `${attribute} ${literal(min)} TO ${literal(max)}`;
  if (min !== undefined) return `${attribute} >= ${literal(min)}`;
  if (max !== undefined) return `${attribute} <= ${literal(max)}`;
  return `${attribute} EXISTS`;
}

export function meilisearchFilters(clauses: FilterClause[]): string[] {
  return clauses.map(meilisearchFilter);
}
