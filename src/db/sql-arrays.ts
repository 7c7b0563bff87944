import { getTableColumns, is, sql, type SQL } from 'drizzle-orm';
import { PgArray, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';

/** A JS list bound as one PostgreSQL array parameter (drizzle would otherwise expand it into a list of parameters). */
export const textArray = (values: readonly string[]): SQL => sql`${sql.param([...values])}::text[]`;
export const timestampArray = (values: readonly Date[]): SQL => sql`${sql.param(values.map((d) => d.toISOString()))}::timestamptz[]`;

/**
 * `INSERT INTO table (every column) SELECT ... FROM unnest(one array per column)`: many rows in one statement with
 * one parameter per column, which costs a fraction of the CPU of a multi-row VALUES list built by the query builder
 * (a parameter per value). Every column is given: an absent value is NULL, not the column's default.
 * @example await db.execute(sql`${unnestInsert(usageEvents, rows)} ON CONFLICT DO NOTHING RETURNING id`);
 */
export function unnestInsert<T extends PgTable>(table: T, rows: readonly T['$inferInsert'][]): SQL {
  const columns = Object.entries(getTableColumns(table)) as [string, PgColumn][];
  const params = columns.map(([key, column]) => {
    // An array column travels as its literal text (one per row), cast back below: unnest flattens nested arrays.
    const type = is(column, PgArray) ? 'text' : column.getSQLType();
    const values = rows.map((row) => {
      const value = (row as Record<string, unknown>)[key];
      return value == null ? null : column.mapToDriverValue(value);
    });
    return sql`${sql.param(values)}::${sql.raw(type)}[]`;
  });
  const names = columns.map(([, column]) => sql.identifier(column.name));
  const selected = columns.map(([, column]) =>
    is(column, PgArray) ? sql`${sql.identifier(column.name)}::${sql.raw(column.getSQLType())}` : sql.identifier(column.name),
  );
  return sql`INSERT INTO ${table} (${sql.join(names, sql`, `)}) SELECT ${sql.join(selected, sql`, `)} FROM unnest(${sql.join(params, sql`, `)}) AS u(${sql.join(names, sql`, `)})`;
}
