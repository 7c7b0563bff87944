/** Thresholds of the usage report's anomaly flags; documented in the README ("Audit"). */
export const ANOMALY_RULES = {
  /** One token fetched from more distinct client addresses than this in the window. */
  tokenAddresses: 5,
  /** The window's bytes per day above this multiple of the license's own daily average over the prior 30 days... */
  spikeFactor: 10,
  /** ...and at least this many bytes, so tiny licenses do not flag on noise. */
  spikeMinBytes: 100 * 1024 * 1024,
  /** The same whole file downloaded more often than this in the window. */
  fileRepeats: 20,
} as const;

export type AnomalyKind = 'TOKEN_MANY_ADDRESSES' | 'USAGE_SPIKE' | 'REPEATED_FILE_DOWNLOADS';

export interface Anomaly {
  kind: AnomalyKind;
  detail: string;
}

export interface LicenseFacts {
  bytes: number;
  windowDays: number;
  history: { bytes: number; days: number } | undefined;
  tokenAddresses: { tokenId: string; addresses: number }[];
  fileRepeats: { versionId: string; filePath: string; downloads: number }[];
}

/**
 * The anomaly flags for one license in one window: pure, so each rule is tested on crafted facts.
 * @example detectAnomalies({ bytes, windowDays: 1, history: { bytes: 3e9, days: 30 }, tokenAddresses, fileRepeats })
 */
export function detectAnomalies(f: LicenseFacts): Anomaly[] {
  const out: Anomaly[] = [];
  for (const t of f.tokenAddresses) {
    if (t.addresses > ANOMALY_RULES.tokenAddresses) {
      out.push({ kind: 'TOKEN_MANY_ADDRESSES', detail: `token ${t.tokenId} was used from ${t.addresses} client addresses` });
    }
  }
  if (f.history && f.history.days > 0 && f.windowDays > 0 && f.bytes >= ANOMALY_RULES.spikeMinBytes) {
    const before = f.history.bytes / f.history.days;
    const now = f.bytes / f.windowDays;
    if (now > ANOMALY_RULES.spikeFactor * Math.max(before, 1)) {
      out.push({
        kind: 'USAGE_SPIKE',
        detail: `${Math.round(now)} bytes/day against ${Math.round(before)} bytes/day over the prior ${f.history.days} days`,
      });
    }
  }
  for (const r of f.fileRepeats) {
    if (r.downloads > ANOMALY_RULES.fileRepeats) {
      out.push({ kind: 'REPEATED_FILE_DOWNLOADS', detail: `${r.filePath} of ${r.versionId} was downloaded whole ${r.downloads} times` });
    }
  }
  return out;
}
