import type { AuditEntry, AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import { storableText } from '../validation.js';

/** One download refused before any valid token was shown (none, malformed, unknown key, bad signature, bad path). */
export interface UnauthenticatedRefusal {
  reason: string;
  status: number;
  /** The client's address as the rate limiter groups it (IPv6 by /64). */
  clientAddress: string;
  versionId: string;
  filePath: string;
}

interface Tally {
  windowStart: number;
  clientAddress: string;
  reason: string;
  status: number;
  count: number;
  firstAt: number;
  lastAt: number;
  sample: { versionId: string; filePath: string };
}

/** Refusals are counted per client address and reason in windows of this length. */
export const REFUSAL_WINDOW_MS = 60_000;
/** Distinct (address, reason) tallies per window; past it, further addresses share one `*` tally. */
const MAX_TALLIES_PER_WINDOW = 1000;

/**
 * Counts downloads refused without a valid token instead of writing one audit event each: a flood of junk tokens
 * must not grow the append-only audit trail a row per request. Each (window, address, reason) becomes one
 * `download.denied_unauthenticated` event when its window has closed, with the count, first and last time and
 * one sample request; so at most MAX_TALLIES_PER_WINDOW + reasons rows a minute whatever arrives. What a crash
 * loses is at most the open window's counts. Refusals with a valid token are recorded one by one elsewhere.
 * @example tally.count({ reason: 'MALFORMED', status: 401, clientAddress, versionId, filePath }); ... await tally.close();
 */
export class RefusalTally {
  private readonly open = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly options: { checkEveryMs: number; onError: (err: unknown) => void },
  ) {}

  count(refusal: UnauthenticatedRefusal): void {
    const now = this.clock.now().getTime();
    const windowStart = now - (now % REFUSAL_WINDOW_MS);
    let key = `${windowStart}|${refusal.clientAddress}|${refusal.reason}`;
    if (!this.open.has(key) && this.open.size >= MAX_TALLIES_PER_WINDOW) key = `${windowStart}|*|${refusal.reason}`;
    const tally = this.open.get(key);
    if (tally) {
      tally.count++;
      tally.lastAt = now;
    } else {
      this.open.set(key, {
        windowStart,
        clientAddress: key.split('|')[1]!,
        reason: refusal.reason,
        status: refusal.status,
        count: 1,
        firstAt: now,
        lastAt: now,
        sample: { versionId: storableText(refusal.versionId.slice(0, 64)), filePath: storableText(refusal.filePath.slice(0, 512)) },
      });
    }
    this.timer ??= setInterval(() => void this.write(false).catch(() => undefined), this.options.checkEveryMs).unref();
  }

  /** Writes every tally, closed windows or not (shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.write(true);
  }

  /** Writes the tallies whose window has closed (all of them when `everything`); a failed write keeps them. */
  private write(everything: boolean): Promise<void> {
    this.writing = this.writing.then(async () => {
      const now = this.clock.now().getTime();
      const due = [...this.open].filter(([, t]) => everything || t.windowStart + REFUSAL_WINDOW_MS <= now);
      if (due.length === 0) return;
      for (const [key] of due) this.open.delete(key);
      try {
        await this.audit.record(
          new Stores(this.db),
          null,
          due.map(([, t]) => entry(t)),
        );
      } catch (err) {
        for (const [key, t] of due) this.open.set(key, t);
        this.options.onError(err);
      }
      if (this.open.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
    return this.writing;
  }
}

function entry(t: Tally): AuditEntry {
  return {
    action: 'download.denied_unauthenticated',
    subjectType: 'DatasetVersion',
    subjectId: t.sample.versionId || 'unknown',
    actor: { userId: null, organizationId: null },
    clientAddress: t.clientAddress,
    details: {
      reason: t.reason,
      status: t.status,
      count: t.count,
      windowStart: new Date(t.windowStart).toISOString(),
      windowEnd: new Date(t.windowStart + REFUSAL_WINDOW_MS).toISOString(),
      firstAt: new Date(t.firstAt).toISOString(),
      lastAt: new Date(t.lastAt).toISOString(),
      sample: t.sample,
    },
  };
}
