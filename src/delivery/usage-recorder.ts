import { AuditLog, type AuditEntry } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import type { AccessDenialInsert, UsageEventInsert } from '../db/stores/delivery-store.js';

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
  private readonly pendingByLicense = new Map<string, { bytes: number; rows: number; requests: number }>();

  private readonly audit: AuditLog;

  constructor(
    private readonly db: Db,
    clock: Clock,
    private readonly options: { maxBatch: number; intervalMs: number; onError: (err: unknown) => void } = {
      maxBatch: 500,
      intervalMs: 100,
      onError: () => undefined,
    },
  ) {
    this.audit = new AuditLog(clock);
  }

  record(event: UsageEventInsert): void {
    this.events.push(event);
    const p = this.pendingByLicense.get(event.licenseId) ?? { bytes: 0, rows: 0, requests: 0 };
    p.bytes += event.bytes;
    p.rows += event.rows;
    p.requests += 1;
    this.pendingByLicense.set(event.licenseId, p);
    this.schedule();
  }

  deny(denial: AccessDenialInsert): void {
    this.denials.push(denial);
    this.schedule();
  }

  pending(licenseId: string): { bytes: number; rows: number; requests: number } {
    return this.pendingByLicense.get(licenseId) ?? { bytes: 0, rows: 0, requests: 0 };
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
          // Usage and its audit record commit together.
          await new Stores(this.db).transaction(async (tx) => {
            await tx.delivery.insertUsage(eventBatch, denialBatch);
            await this.audit.record(tx, null, [...eventBatch.map(servedEntry), ...denialBatch.map(deniedEntry)]);
          });
        }
        for (const e of events) {
          const p = this.pendingByLicense.get(e.licenseId);
          if (!p) continue;
          p.bytes -= e.bytes;
          p.rows -= e.rows;
          p.requests -= 1;
          if (p.requests <= 0) this.pendingByLicense.delete(e.licenseId);
        }
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

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
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
