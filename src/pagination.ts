import { BadUserInputError } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A Relay connection; `totalCount` runs its query only when a client asks for it. */
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/** `first` as given by a client: 1..100, default 20. */
export function pageSize(first: number | null | undefined, field = 'first'): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`${field}: must be between 1 and ${MAX_PAGE_SIZE}`, field);
  }
  return first;
}

/**
 * Keyset cursors: the ordering's name and the sort key values of the last row, opaque to clients.
 * @example encodeCursor('NEWEST', ['ds_01...']) -> 'WyJORVdFU1QiLFsiZHNfMDEuLi4iXV0'
 */
export function encodeCursor(order: string, keys: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([order, keys])).toString('base64url');
}

/** Decodes a cursor made for `order` with `arity` keys; anything else is a bad `after`. */
export function decodeCursor(cursor: string, order: string, arity: number, field = 'after'): (string | number)[] {
  const bad = () => new BadUserInputError(`${field}: not a valid cursor for this list and order`, field);
  if (cursor.length > 1000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed[0] !== order || !Array.isArray(parsed[1]) || parsed[1].length !== arity) throw bad();
  const keys = parsed[1] as unknown[];
  if (!keys.every((k) => (typeof k === 'string' && k.length <= 500) || (typeof k === 'number' && Number.isFinite(k)))) {
    throw bad();
  }
  return keys as (string | number)[];
}

/** Builds a connection from `limit + 1` fetched rows (the extra row only says there is a next page). */
export function toConnection<T>(rows: T[], limit: number, cursorOf: (row: T) => string, totalCount: () => Promise<number>): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
