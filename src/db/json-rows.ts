import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

/** An SQL identifier, double-quoted. */
const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** PostgreSQL allows 100 arguments per function call. */
const MAX_COLUMNS = 100;

/**
 * A table's row carried as one JSON value inside another statement (a joined row, or a `json_agg` list of them),
 * decoded back into exactly the row drizzle's own `select()` returns, through each column's own decoder. This is
 * how one statement brings back a page together with its related rows. The JSON is an array of the column values
 * in a fixed order (no key names repeated per row: less to send and to parse).
 * @example const vendor = new JsonRowCodec(organizations); sql`SELECT ${vendor.json('o')} AS vendor FROM organizations o`; vendor.decode(row.vendor)
 */
export class JsonRowCodec<TTable extends PgTable, TRow = TTable['$inferSelect']> {
  private readonly fields: { key: string; name: string; column: PgColumn }[];
  private readonly built = new Map<string, SQL>();

  constructor(table: TTable, omit: readonly string[] = []) {
    this.fields = Object.entries(getTableColumns(table) as Record<string, PgColumn>)
      .filter(([key]) => !omit.includes(key))
      .map(([key, column]) => ({ key, name: column.name, column }));
    if (this.fields.length > MAX_COLUMNS) throw new Error(`JsonRowCodec: more than ${MAX_COLUMNS} columns`);
  }

  /**
   * The columns of `alias` (a table alias in the statement) as a JSON array; 64-bit and arbitrary-precision
   * numbers travel as text, so no digit is lost on the way.
   */
  json(alias: string): SQL {
    let built = this.built.get(alias);
    if (!built) {
      // Rendered once per alias: a statement that carries several of these would otherwise rebuild hundreds of chunks.
      const values = this.fields.map(({ name, column }) => {
        const type = column.getSQLType();
        const ref = `${quoted(alias)}.${quoted(name)}`;
        return type.startsWith('bigint') || type.startsWith('numeric') ? `${ref}::text` : ref;
      });
      built = sql.raw(`json_build_array(${values.join(', ')})`);
      this.built.set(alias, built);
    }
    return built;
  }

  /** A row from its JSON array, with every column decoded as drizzle decodes it. */
  decode(values: unknown[]): TRow {
    const row: Record<string, unknown> = {};
    this.fields.forEach(({ key, column }, i) => {
      const value = values[i];
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    });
    return row as TRow;
  }
}
