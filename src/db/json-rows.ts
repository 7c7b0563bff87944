import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

/** An SQL identifier, double-quoted. */
const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** PostgreSQL allows 100 arguments per function call. */
const MAX_COLUMNS = 100;

type Decoder = (value: unknown) => unknown;
const asIs: Decoder = (value) => value;

/**
 * How a column's JSON value becomes what drizzle's own `select()` returns for it. The common column types are
 * decoded here directly (a catalog page decodes thousands of values: going through each column's generic decoder
 * cost more than the rest of the decoding); every other type goes through its column's own decoder.
 */
function decoderOf(column: PgColumn): Decoder {
  const own: Decoder = (value) => column.mapFromDriverValue(value);
  switch (column.columnType) {
    case 'PgText':
    case 'PgEnumColumn':
    case 'PgBoolean':
      return asIs;
    case 'PgInteger':
    case 'PgDoublePrecision':
      return (value) => (typeof value === 'number' ? value : own(value));
    case 'PgTimestamp':
      // Sent as milliseconds since the epoch (see `valueSql`): the same instant drizzle parses from the text form.
      return (value) => new Date(value as number);
    case 'PgArray': {
      const base = (column as unknown as { baseColumn: PgColumn }).baseColumn.columnType;
      return base === 'PgText' || base === 'PgEnumColumn' ? (value) => (Array.isArray(value) ? value : own(value)) : own;
    }
    default:
      return own;
  }
}

/**
 * How a column travels inside the JSON: 64-bit and arbitrary-precision numbers as text, so no digit is lost on the
 * way; timestamps (with a time zone) as whole milliseconds since the epoch, which is all a `Date` holds and far
 * cheaper to decode than the text form (floor, as `Date` truncates the text form's microseconds).
 */
function valueSql(ref: string, column: PgColumn): string {
  const type = column.getSQLType();
  if (type.startsWith('bigint') || type.startsWith('numeric')) return `${ref}::text`;
  if (column.columnType === 'PgTimestamp' && type.endsWith('with time zone')) return `floor(extract(epoch from ${ref}) * 1000)`;
  return ref;
}

/**
 * A table's row carried as one JSON value inside another statement (a joined row, or a `json_agg` list of them),
 * decoded back into exactly the row drizzle's own `select()` returns. This is how one statement brings back a page
 * together with its related rows. The JSON is an array of the column values in a fixed order (no key names
 * repeated per row: less to send and to parse).
 * @example const vendor = new JsonRowCodec(organizations); sql`SELECT ${vendor.json('o')} AS vendor FROM organizations o`; vendor.decode(row.vendor)
 */
export class JsonRowCodec<TTable extends PgTable, TRow = TTable['$inferSelect']> {
  private readonly fields: { key: string; name: string; column: PgColumn; decode: Decoder }[];
  private readonly built = new Map<string, SQL>();
  /** Builds a row from its JSON array: one object literal per table, so every row has one shape from the start. */
  private readonly build: (values: unknown[], decoders: Decoder[]) => Record<string, unknown>;
  private readonly decoders: Decoder[];

  constructor(table: TTable, omit: readonly string[] = []) {
    this.fields = Object.entries(getTableColumns(table) as Record<string, PgColumn>)
      .filter(([key]) => !omit.includes(key))
      .map(([key, column]) => {
        if (column.columnType === 'PgTimestamp' && !column.getSQLType().endsWith('with time zone')) {
          throw new Error(`JsonRowCodec: ${column.name} is a timestamp without time zone`);
        }
        return { key, name: column.name, column, decode: decoderOf(column) };
      });
    if (this.fields.length > MAX_COLUMNS) throw new Error(`JsonRowCodec: more than ${MAX_COLUMNS} columns`);
    this.decoders = this.fields.map((f) => f.decode);
    // Generated from the table's own (code-defined) property names, quoted; null and missing values are null.
    const properties = this.fields.map(({ key, decode }, i) => {
      const value = `values[${i}]`;
      return `${JSON.stringify(key)}: ${value} == null ? null : ${decode === asIs ? value : `decoders[${i}](${value})`}`;
    });
    this.build = new Function('values', 'decoders', `return { ${properties.join(', ')} };`) as typeof this.build;
  }

  /** The columns of `alias` (a table alias in the statement) as a JSON array. */
  json(alias: string): SQL {
    let built = this.built.get(alias);
    if (!built) {
      // Rendered once per alias: a statement that carries several of these would otherwise rebuild hundreds of chunks.
      const values = this.fields.map(({ name, column }) => valueSql(`${quoted(alias)}.${quoted(name)}`, column));
      built = sql.raw(`json_build_array(${values.join(', ')})`);
      this.built.set(alias, built);
    }
    return built;
  }

  /** A row from its JSON array, with every column decoded as drizzle decodes it; `extra` is added to it as is. */
  decode<TExtra extends object = object>(values: unknown[], extra?: TExtra): TRow & TExtra {
    const row = this.build(values, this.decoders);
    if (extra) Object.assign(row, extra);
    return row as TRow & TExtra;
  }
}
