import { sql, type SQL } from 'drizzle-orm';

/** A JS list bound as one PostgreSQL array parameter (drizzle would otherwise expand it into a list of parameters). */
export const textArray = (values: readonly string[]): SQL => sql`${sql.param([...values])}::text[]`;
export const timestampArray = (values: readonly Date[]): SQL => sql`${sql.param(values.map((d) => d.toISOString()))}::timestamptz[]`;
