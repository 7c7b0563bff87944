import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { instantInRange } from '../validation.js';

const badValue = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

export const DateTime: GraphQLScalarType<Date, string> = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      throw badValue('DateTime must be an ISO 8601 date-time with a time zone, e.g. 2026-11-25T17:00:00Z');
    }
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw badValue('DateTime is not a valid date');
    // The database (and ISO 8601 without expanded years) holds years 1-9999 only, counted in UTC.
    if (!instantInRange(date)) throw badValue('DateTime must fall between years 1 and 9999 in UTC');
    return date;
  },
  parseLiteral(ast): Date {
    if (ast.kind !== Kind.STRING) throw badValue('DateTime must be a string');
    return DateTime.parseValue(ast.value);
  },
});

const INT64_MAX = 2n ** 63n - 1n;

export const BigIntScalar: GraphQLScalarType<bigint, string> = new GraphQLScalarType<bigint, string>({
  name: 'BigInt',
  serialize(value) {
    if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string') return String(value);
    throw new GraphQLError('BigInt cannot represent this value');
  },
  parseValue(value) {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) {
      const n = BigInt(value);
      if (n <= INT64_MAX && n >= -INT64_MAX - 1n) return n;
    }
    throw badValue('BigInt must be an integer (a decimal string for values beyond 2^53)');
  },
  parseLiteral(ast): bigint {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING)
      return BigIntScalar.parseValue(ast.kind === Kind.INT ? Number(ast.value) : ast.value);
    throw badValue('BigInt must be an integer');
  },
});

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      throw badValue('JSON cannot contain enum values');
  }
}

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});
