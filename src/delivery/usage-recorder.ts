import type { AuditEntry, AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import { emitCapCrossings } from '../events/usage-caps.js';
import type { AccessDenialInsert, UsageEventInsert } from '../db/stores/delivery-store.js';

/** A refused download; once its license is known, the organizations and dataset whose audit trail shows it. */
export type DownloadDenial = AccessDenialInsert & { organizationIds?: string[] | undefined; datasetId?: string | undefined };

export interface Usage {
  bytes: number;
  rows: number;
  requests: number;
}

export interface UsageRecorderOptions {
  /** Events and denials per INSERT (and per transaction). */
  maxBatch: number;
  /** How long a first event waits for others to share its write. */
  intervalMs: number;
  /** Events and denials held at most; past it `admit()` refuses new downloads (responses already started still record). */
  maxBuffered: number;
  /** The longest pause between attempts while writes fail (exponential backoff from `intervalMs`, with jitter). */
  retryMaxMs: number;
  /** Called once when writes start failing (not on every retry), with the error and what is buffered. */
  onOutage: (err: unknown, buffered: number) => void;
  /** Called once when writes succeed again after an outage. */
  onRecovery: (outage: { failedAttempts: number; outageMs: number; buffered: number }) => void;
}

export interface UsageRecorderState {
  buffered: number;
  capacity: number;
  /** Failed write attempts since the process started. */
  failedWrites: number;
  /** Downloads refused because the buffer was full. */
  refused: number;
}

/**
 * Buffers usage events and denials and writes them in batches: one INSERT per batch instead of one per download.
 * A failed write keeps the batch, and later attempts back off (exponentially, capped, with jitter) until the
 * database answers, so an outage loses nothing and costs one log line; a retried batch whose first attempt did
 * commit writes nothing twice (rows are keyed by ID, and audit records are written only for rows inserted now).
 * Memory is bounded by `maxBuffered`: `admit()` says whether another download may start. `close()` drains it all.
 * @example if (!recorder.admit()) return 503; recorder.record(event); ... await recorder.close(10_000);
 */
export class UsageRecorder {
  private events: UsageEventInsert[] = [];
  private denials: DownloadDenial[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Taken out of the buffer by the write in progress and not committed yet. */
  private writing = { events: 0, denials: 0 };
  /** Consecutive failed writes (0 while the database takes them) and when the first of them failed. */
  private failures = 0;
  private outageStartedAt = 0;
  private failedWrites = 0;
  private refused = 0;
  /** Bytes/rows/requests recorded but not yet written, per license, so cap checks see them at once. */
  private readonly pendingByLicense = new Map<string, Usage>();
  /** Everything this process ever recorded per license (never decreases). */
  private readonly recordedByLicense = new Map<string, Usage>();
  /** Responses being sent right now, counted at their full size until they end. */
  private readonly inflightByLicense = new Map<string, Usage>();

  /** Reads in `withoutWrites` under way; writes wait for `readersDone`. */
  private readers = 0;
  private readersDone: Promise<void> | undefined;
  private releaseWriters: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly options: UsageRecorderOptions,
  ) {}

  /**
   * Whether a new download may start: false (and counted) when the buffer is full because the database has not
   * taken its writes, so the caller refuses with 503 rather than serve bytes it could not account for.
   */
  admit(): boolean {
    if (this.buffered() < this.options.maxBuffered) return true;
    this.refused++;
    return false;
  }

  state(): UsageRecorderState {
    return {
      buffered: this.buffered(),
      capacity: this.options.maxBuffered,
      failedWrites: this.failedWrites,
      refused: this.refused,
    };
  }

  /** Events and denials not written yet, including those a write in progress holds. */
  private buffered(): number {
    return this.events.length + this.denials.length + this.writing.events + this.writing.denials;
  }

  /**
   * Counts a response that is about to be sent, so concurrent cap checks see it; call `end` with what was sent, or
   * `cancel` when it never started (its file could not be opened): then nothing is recorded.
   */
  begin(licenseId: string, expected: Usage): { end(event: UsageEventInsert): void; cancel(): void } {
    add(this.inflightByLicense, licenseId, expected, 1);
    let ended = false;
    const finish = () => {
      if (ended) return false;
      ended = true;
      add(this.inflightByLicense, licenseId, expected, -1);
      return true;
    };
    return {
      end: (event) => {
        if (finish()) this.record(event);
      },
      cancel: () => void finish(),
    };
  }

  record(event: UsageEventInsert): void {
    this.events.push(event);
    const usage = { bytes: event.bytes, rows: event.rows, requests: 1 };
    add(this.pendingByLicense, event.licenseId, usage, 1);
    add(this.recordedByLicense, event.licenseId, usage, 1);
    this.schedule();
  }

  deny(denial: DownloadDenial): void {
    // These come from the URL: a NUL would fail the batch insert (every later flush too), a lone surrogate the audit hash.
    this.denials.push({ ...denial, versionId: storable(denial.versionId), filePath: storable(denial.filePath) });
    this.schedule();
  }

  /** Not yet written (`pending`) and ever recorded by this process (`recorded`) for a license. */
  totals(licenseId: string): { pending: Usage; recorded: Usage; inflight: Usage } {
    const zero = { bytes: 0, rows: 0, requests: 0 };
    return {
      pending: { ...(this.pendingByLicense.get(licenseId) ?? zero) },
      recorded: { ...(this.recordedByLicense.get(licenseId) ?? zero) },
      inflight: { ...(this.inflightByLicense.get(licenseId) ?? zero) },
    };
  }

  /**
   * The events of a license recorded here and not written yet. Call it inside `withoutWrites`, next to the read of
   * what is stored, so a usage view counts each event exactly once whether or not it was written yet.
   */
  unwritten(licenseId: string): readonly UsageEventInsert[] {
    return this.events.filter((e) => e.licenseId === licenseId);
  }

  /**
   * Runs `read` (of the usage already in the database) while no buffered usage is being written, and holds writes
   * back until it ends, so the database and `totals().pending` never both count an event, nor both miss it.
   */
  async withoutWrites<T>(read: () => Promise<T>): Promise<T> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.readers++ === 0) this.readersDone = new Promise((resolve) => (this.releaseWriters = resolve));
    try {
      return await read();
    } finally {
      if (--this.readers === 0) this.releaseWriters?.();
    }
  }

  /** Writes everything buffered so far; on failure what was not written stays buffered and the error is thrown. */
  async flush(): Promise<void> {
    while (this.flushing || this.readers > 0) await (this.flushing ?? this.readersDone);
    if (this.events.length === 0 && this.denials.length === 0) return;
    const events = this.events.splice(0, this.events.length);
    const denials = this.denials.splice(0, this.denials.length);
    this.writing = { events: events.length, denials: denials.length };
    this.flushing = (async () => {
      let written = 0;
      try {
        for (; written < Math.max(events.length, denials.length); written += this.options.maxBatch) {
          const eventBatch = events.slice(written, written + this.options.maxBatch);
          const denialBatch = denials.slice(written, written + this.options.maxBatch);
          // Usage, its audit record and the cap events it causes commit together; a row already there (its earlier
          // attempt committed after all) gets no second audit record or event.
          await new Stores(this.db).transaction(async (tx) => {
            const inserted = await tx.delivery.insertUsage(
              eventBatch,
              denialBatch.map(({ organizationIds: _o, datasetId: _d, ...row }) => row),
            );
            await emitCapCrossings(
              tx,
              this.clock,
              eventBatch.filter((e) => inserted.has(e.id!)),
            );
            await this.audit.record(tx, null, [
              ...eventBatch.filter((e) => inserted.has(e.id!)).map(servedEntry),
              ...denialBatch.filter((d) => inserted.has(d.id)).map(deniedEntry),
            ]);
          });
          for (const e of eventBatch) add(this.pendingByLicense, e.licenseId, { bytes: e.bytes, rows: e.rows, requests: 1 }, -1);
          this.writing = { events: this.writing.events - eventBatch.length, denials: this.writing.denials - denialBatch.length };
        }
        if (this.failures > 0) {
          this.options.onRecovery({
            failedAttempts: this.failures,
            outageMs: Date.now() - this.outageStartedAt,
            buffered: this.buffered(),
          });
        }
        this.failures = 0;
      } catch (err) {
        // Keep the batches not written, in order, ahead of what arrived meanwhile.
        this.events.unshift(...events.slice(written));
        this.denials.unshift(...denials.slice(written));
        this.failedWrites++;
        if (this.failures++ === 0) {
          this.outageStartedAt = Date.now();
          this.options.onOutage(err, this.buffered());
        }
        throw err;
      } finally {
        this.writing = { events: 0, denials: 0 };
        this.flushing = undefined;
      }
    })();
    await this.flushing;
  }

  /**
   * Writes everything, including responses that end while it runs (their sockets are being closed), retrying while
   * the database is away, for at most `deadlineMs`; returns what is still unwritten then (nothing, normally).
   */
  async close(deadlineMs = 5000): Promise<{ events: number; denials: number }> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + deadlineMs;
    const left = () => ({ events: this.events.length + this.writing.events, denials: this.denials.length + this.writing.denials });
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return left();
      // A write stuck on a frozen database must not hold shutdown past its deadline.
      const outcome = await within(this.flush(), remaining);
      const idle = this.events.length === 0 && this.denials.length === 0 && this.inflightByLicense.size === 0;
      if (outcome === 'done' && idle) return left();
      if (outcome === 'timeout') return left();
      await sleep(Math.min(outcome === 'failed' ? 50 * 2 ** Math.min(attempt, 5) : 10, Math.max(0, deadline - Date.now())));
    }
  }

  private schedule(): void {
    // While writes fail, only the backoff timer retries: new events must not each start another doomed attempt.
    if (this.failures === 0 && this.events.length + this.denials.length >= this.options.maxBatch) {
      void this.flush().catch(() => this.schedule());
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => this.schedule());
    }, this.delay());
  }

  /** `intervalMs` normally; while writes fail, doubling per failure up to `retryMaxMs`, half of it random. */
  private delay(): number {
    if (this.failures === 0) return this.options.intervalMs;
    const ceiling = Math.min(this.options.retryMaxMs, this.options.intervalMs * 2 ** Math.min(this.failures, 20));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/** Whether `work` settled in time: done, failed, or still running at `ms`. */
async function within(work: Promise<void>, ms: number): Promise<'done' | 'failed' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const settled = work.then(
    () => 'done' as const,
    () => 'failed' as const,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function add(map: Map<string, Usage>, licenseId: string, usage: Usage, sign: 1 | -1): void {
  const u = map.get(licenseId) ?? { bytes: 0, rows: 0, requests: 0 };
  u.bytes += sign * usage.bytes;
  u.rows += sign * usage.rows;
  u.requests += sign * usage.requests;
  if (u.requests === 0 && u.bytes === 0 && u.rows === 0) map.delete(licenseId);
  else map.set(licenseId, u);
}

function servedEntry(e: UsageEventInsert): AuditEntry {
  return {
    action: 'download.served',
    subjectType: 'DatasetVersion',
    subjectId: e.versionId,
    licenseId: e.licenseId,
    organizationIds: [e.organizationId],
    actor: { userId: null, organizationId: e.organizationId },
    clientAddress: e.clientAddress ?? null,
    details: { usageEventId: e.id, tokenId: e.tokenId, filePath: e.filePath, bytes: e.bytes, rows: e.rows, status: e.status },
  };
}

function deniedEntry(d: DownloadDenial): AuditEntry {
  return {
    action: 'download.denied',
    subjectType: 'DatasetVersion',
    subjectId: d.versionId ?? 'unknown',
    licenseId: d.licenseId ?? null,
    organizationIds: d.organizationIds ?? [],
    datasetId: d.datasetId ?? null,
    actor: { userId: null, organizationId: null },
    clientAddress: d.clientAddress ?? null,
    details: { reason: d.reason, status: d.status, tokenId: d.tokenId ?? null, filePath: d.filePath ?? null },
  };
}

/** Text PostgreSQL stores exactly as given: NUL and lone surrogates become U+FFFD. */
const storable = (s: string | null | undefined) =>
  s?.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') ?? null;
