import type { Usage } from './usage-recorder.js';

/** The outcome of reading a `Range` header against a file of `size` bytes. */
export type RangeDecision = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * Single byte ranges (`bytes=a-b`, `bytes=a-`, `bytes=-n`) become a 206; several ranges or a syntactically invalid
 * header (`bytes=5-1`: the last position before the first) are ignored (the whole file, as RFC 9110 §14.2 allows);
 * a valid range starting past the end is 416.
 * @example parseRange('bytes=0-99', 1000) // { kind: 'partial', start: 0, end: 99 }
 */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (!header) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return size === 0 ? { kind: 'unsatisfiable' } : { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? undefined : Number(m[2]);
  if (last !== undefined && last < start) return { kind: 'full' };
  const end = Math.min(last ?? size - 1, size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** What a download request asks for besides the file: its conditional and range headers, and whether it is a HEAD. */
export interface DownloadConditions {
  range?: string | undefined;
  ifNoneMatch?: string | undefined;
  head?: boolean | undefined;
}

/**
 * What a download will send, decided before anything is sent: its status, byte span and the usage it adds. The cap
 * check counts `usage` before serving and the recorder counts the same while sending, so the two never disagree.
 */
export type ResponsePlan =
  | { status: 304 | 416; span?: undefined; length: 0; usage: typeof NO_USAGE }
  | { status: 200 | 206; span?: { start: number; end: number } | undefined; length: number; usage: Usage };

/** What a response that sends no data adds to usage: nothing (a HEAD, a 304, a 416 are not billed). */
export const NO_USAGE: Usage = Object.freeze({ bytes: 0, rows: 0, requests: 0 });

/** Usage of one response that sent data: bytes sent; rows only for a whole file sent in full; one request. */
export function responseUsage(status: number, bytes: number, file: { byteSize: bigint; rowCount: bigint | null }): Usage {
  return { bytes, rows: status === 200 && bytes === Number(file.byteSize) ? Number(file.rowCount ?? 0) : 0, requests: 1 };
}

/**
 * RFC 9110 §13.1.2: `If-None-Match` is `*` or a list of entity tags compared weakly (`W/"x"` matches `"x"`).
 * @example noneMatchFails('W/"abc", "def"', '"abc"') // true: the client has it, answer 304
 */
export function noneMatchFails(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => tag.replace(/^W\//, '') === opaque);
}

/**
 * Plans the response to a download of `file`: 304 when `If-None-Match` matches its ETag, 416 for a range past its end,
 * else 206 for a single range or 200 for the whole file. A HEAD ignores Range (RFC 9110 §14.2) and sends no bytes;
 * only a response that sends data adds usage.
 * @example planResponse(file, { range: 'bytes=0-99' }) // { status: 206, span: { start: 0, end: 99 }, length: 100, usage }
 */
export function planResponse(
  file: { byteSize: bigint; rowCount: bigint | null; sha256: string },
  request: DownloadConditions,
): ResponsePlan {
  const size = Number(file.byteSize);
  if (noneMatchFails(request.ifNoneMatch, `"${file.sha256}"`)) return { status: 304, length: 0, usage: NO_USAGE };
  const range = request.head ? ({ kind: 'full' } as const) : parseRange(request.range, size);
  if (range.kind === 'unsatisfiable') return { status: 416, length: 0, usage: NO_USAGE };
  const span = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
  const length = span ? span.end - span.start + 1 : size;
  const status = span ? 206 : 200;
  return { status, span, length, usage: request.head ? NO_USAGE : responseUsage(status, length, file) };
}
