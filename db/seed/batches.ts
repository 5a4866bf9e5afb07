/** Multi-row inserts of a few hundred rows: one round trip each, well under PostgreSQL's 65,535 parameters. */
export const BATCH_SIZE = 250;

export function chunk<T>(items: readonly T[], size = BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
