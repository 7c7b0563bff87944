import { AuditLog, type AuditEntry } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import { emitCapCrossings } from '../events/usage-caps.js';
import type { AccessDenialInsert, UsageEventInsert } from '../db/stores/delivery-store.js';

export interface Usage {
  bytes: number;
  rows: number;
  requests: number;
}

/**
 * Buffers usage events and denials and writes them in batches: one INSERT per batch instead of one per download.
 * A failed write keeps the batch for the next attempt; `close()` drains everything, so shutdown loses nothing.
 * @example recorder.record(event); ... await recorder.close();
 */
export class UsageRecorder {
  private events: UsageEventInsert[] = [];
  private denials: AccessDenialInsert[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Bytes/rows/requests recorded but not yet written, per license, so cap checks see them at once. */
  private readonly pendingByLicense = new Map<string, Usage>();
  /** Everything this process ever recorded per license (never decreases). */
  private readonly recordedByLicense = new Map<string, Usage>();
  /** Responses being sent right now, counted at their full size until they end. */
  private readonly inflightByLicense = new Map<string, Usage>();

  private readonly audit: AuditLog;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: { maxBatch: number; intervalMs: number; onError: (err: unknown) => void } = {
      maxBatch: 500,
      intervalMs: 100,
      onError: () => undefined,
    },
  ) {
    this.audit = new AuditLog(clock);
  }

  /** Counts a response that is about to be sent, so concurrent cap checks see it; call `end` with what was sent. */
  begin(licenseId: string, expected: Usage): { end(event: UsageEventInsert): void } {
    add(this.inflightByLicense, licenseId, expected, 1);
    let ended = false;
    return {
      end: (event) => {
        if (ended) return;
        ended = true;
        add(this.inflightByLicense, licenseId, expected, -1);
        this.record(event);
      },
    };
  }

  record(event: UsageEventInsert): void {
    this.events.push(event);
    const usage = { bytes: event.bytes, rows: event.rows, requests: 1 };
    add(this.pendingByLicense, event.licenseId, usage, 1);
    add(this.recordedByLicense, event.licenseId, usage, 1);
    this.schedule();
  }

  deny(denial: AccessDenialInsert): void {
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

  /** Writes everything buffered so far. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.events.length === 0 && this.denials.length === 0) return;
    const events = this.events.splice(0, this.events.length);
    const denials = this.denials.splice(0, this.denials.length);
    this.flushing = (async () => {
      try {
        for (let i = 0; i < Math.max(events.length, denials.length); i += this.options.maxBatch) {
          const eventBatch = events.slice(i, i + this.options.maxBatch);
          const denialBatch = denials.slice(i, i + this.options.maxBatch);
          // Usage, its audit record and the cap events it causes commit together.
          await new Stores(this.db).transaction(async (tx) => {
            await tx.delivery.insertUsage(eventBatch, denialBatch);
            await emitCapCrossings(tx, this.clock, eventBatch);
            await this.audit.record(tx, null, [...eventBatch.map(servedEntry), ...denialBatch.map(deniedEntry)]);
          });
        }
        for (const e of events) add(this.pendingByLicense, e.licenseId, { bytes: e.bytes, rows: e.rows, requests: 1 }, -1);
      } catch (err) {
        // Keep them for the next attempt (IDs make the retry idempotent).
        this.events.unshift(...events);
        this.denials.unshift(...denials);
        this.options.onError(err);
        throw err;
      } finally {
        this.flushing = undefined;
      }
    })();
    await this.flushing;
  }

  /**
   * Writes everything, including responses that end while it runs (their sockets are being closed): it keeps
   * flushing until nothing is buffered or in flight, for at most `drainMs`.
   */
  async close(drainMs = 5000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + drainMs;
    for (;;) {
      await this.flush();
      const idle = this.events.length === 0 && this.denials.length === 0 && this.inflightByLicense.size === 0;
      if (idle || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private schedule(): void {
    if (this.events.length + this.denials.length >= this.options.maxBatch) {
      void this.flush().catch(() => undefined);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => this.schedule());
    }, this.options.intervalMs);
  }
}

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

function deniedEntry(d: AccessDenialInsert): AuditEntry {
  return {
    action: 'download.denied',
    subjectType: 'DatasetVersion',
    subjectId: d.versionId ?? 'unknown',
    licenseId: d.licenseId ?? null,
    actor: { userId: null, organizationId: null },
    clientAddress: d.clientAddress ?? null,
    details: { reason: d.reason, status: d.status, tokenId: d.tokenId ?? null, filePath: d.filePath ?? null },
  };
}

/** Text PostgreSQL stores exactly as given: NUL and lone surrogates become U+FFFD. */
const storable = (s: string | null | undefined) =>
  s?.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') ?? null;
