import type { ColumnSpec } from '../db/tables/catalog.js';

/**
 * The sample rows with their keys in the declared column order: PostgreSQL's jsonb keeps object keys sorted by
 * length, not as written, so the order is restored on read. Keys outside the schema (a draft's) follow, as stored.
 * @example inColumnOrder([{ id: 1, text: 'a' }], [{ name: 'text' }, { name: 'id' }]) // [{ text: 'a', id: 1 }]
 */
export function inColumnOrder(
  sample: Record<string, unknown>[] | null | undefined,
  columns: readonly Pick<ColumnSpec, 'name'>[],
): Record<string, unknown>[] | null {
  if (!sample) return null;
  const declared = columns.map((c) => c.name);
  return sample.map((row) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
    const ordered: Record<string, unknown> = {};
    for (const name of declared) if (Object.hasOwn(row, name)) ordered[name] = row[name];
    for (const [key, value] of Object.entries(row)) if (!Object.hasOwn(ordered, key)) ordered[key] = value;
    return ordered;
  });
}
