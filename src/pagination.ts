import { BadUserInputError } from './errors.js';
import { LONE_SURROGATE, instantInRange } from './validation.js';

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

/**
 * What one sort key of a cursor holds: an ID or other text, an integer (a sequence number), a number (a search
 * rank) or an ISO timestamp. Each is checked so that no crafted cursor reaches SQL as a value it cannot take.
 */
export type CursorKey = 'text' | 'integer' | 'number' | 'timestamp';

/** Whether `value` is a sort key of `kind` that its column could take. */
function fitsKey(kind: CursorKey, value: unknown): boolean {
  switch (kind) {
    case 'text':
      // PostgreSQL text holds no NUL; a lone surrogate cannot be sent as UTF-8.
      return typeof value === 'string' && value.length <= 500 && !value.includes('\u0000') && !LONE_SURROGATE.test(value);
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      // Search ranks are `real`s: finite and well inside its range.
      return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 1e30;
    case 'timestamp':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) && instantInRange(new Date(value));
  }
}

/**
 * Decodes a cursor made for `order` whose sort keys are `keys` (a number: that many text keys, such as IDs);
 * anything else, however it was crafted, is BAD_USER_INPUT on `after`.
 * @example decodeCursor(args.after, 'AUDIT', ['integer']) // [1234]
 */
export function decodeCursor(cursor: string, order: string, keys: number | readonly CursorKey[], field = 'after'): (string | number)[] {
  const kinds: readonly CursorKey[] = typeof keys === 'number' ? Array<CursorKey>(keys).fill('text') : keys;
  const bad = () => new BadUserInputError(`${field}: not a valid cursor for this list and order`, field);
  if (cursor.length > 1000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed[0] !== order || !Array.isArray(parsed[1]) || parsed[1].length !== kinds.length) throw bad();
  const values = parsed[1] as unknown[];
  if (!kinds.every((kind, i) => fitsKey(kind, values[i]))) throw bad();
  return values as (string | number)[];
}

/**
 * How a client pages a connection: forward with `first`/`after`, or backward with `last`/`before` (the page just
 * before the cursor, or the last page), never both in one request.
 */
export interface PageRequest {
  limit: number;
  /** The cursor to page from, in the page's direction. */
  cursor: string | undefined;
  /** Which argument the cursor came in, for errors. */
  field: 'after' | 'before';
  backward: boolean;
}

export function pageRequest(args: {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}): PageRequest {
  const backward = args.last != null || args.before != null;
  if (!backward) return { limit: pageSize(args.first), cursor: args.after ?? undefined, field: 'after', backward };
  if (args.first != null || args.after != null) {
    const field = args.first != null ? 'first' : 'after';
    throw new BadUserInputError(`${field}: page forward (first, after) or backward (last, before), not both`, field);
  }
  return { limit: pageSize(args.last, 'last'), cursor: args.before ?? undefined, field: 'before', backward };
}

/**
 * A page from `limit + 1` rows fetched in the page's direction: forward as `toConnection`; backward the rows came
 * nearest-the-cursor first, so they are turned back into the list's order, and the extra row says there is a
 * previous page (and a page read before a cursor has the cursor's row after it).
 */
export function toPage<T>(rows: T[], page: PageRequest, cursorOf: (row: T) => string, totalCount: () => Promise<number>): Connection<T> {
  if (!page.backward) return toConnection(rows, page.limit, cursorOf, totalCount);
  const edges = rows
    .slice(0, page.limit)
    .reverse()
    .map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.cursor !== undefined,
      hasPreviousPage: rows.length > page.limit,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
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
