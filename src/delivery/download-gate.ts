import { decodeJwt, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import type { DataFileRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { DatasetStatus, DeliveryStore, StoredBlobRow, TokenCheckRow, TokenState } from '../db/stores/delivery-store.js';
import { Stores } from '../db/stores/index.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import {
  ALL_LICENSED_VERSIONS,
  licenseCovers,
  licenseInForce,
  verifyAccessToken,
  type AccessClaims,
  type VerifyFailure,
} from '../tokens/access-tokens.js';
import type { SigningKeyRing } from '../tokens/signing-keys.js';
import { baseOf, unitsFromBase, unitsOf } from '../metering/windows.js';
import { planResponse, type DownloadConditions, type ResponsePlan } from './range.js';
import type { CapState, DenialReason } from './denials.js';
import { RoundTripBatcher } from './round-trip-batcher.js';
import { TtlCache } from './ttl-cache.js';
import type { Usage, UsageRecorder } from './usage-recorder.js';

interface VersionEntry {
  version?: DatasetVersionRow;
  files: DataFileRow[];
  blobs: Map<string, StoredBlobRow>;
}

type TokenKey = { tokenId: string; licenseId: string };

/** A token's state read before the token was verified, and the cache generations when the read started. */
interface EarlyRead {
  tokenId: string;
  licenseId: string;
  /** Whether it reads the license too. */
  withLicense: boolean;
  state: Promise<TokenState>;
  tokens: number;
  licenses: number;
}

/** A refused download, in domain terms; `src/http/refusals.ts` decides its HTTP status and headers. */
export type Denial = {
  reason: DenialReason;
  message: string;
  licenseId?: string;
  tokenId?: string;
  /** Once the token's license is known: its licensee and vendor, who may read the denial in their audit trail. */
  organizationIds?: string[];
  datasetId?: string;
  /** A cap refusal says where the period stands. */
  cap?: CapState;
};
export interface Grant {
  claims: AccessClaims;
  license: LicenseRow;
  version: DatasetVersionRow;
  file: DataFileRow;
  blob: StoredBlobRow;
  /** What will be sent: status, span and the usage the cap check counted. */
  plan: ResponsePlan;
}

/** One download request as the gate sees it. */
export interface DownloadRequest extends DownloadConditions {
  authorization: string | undefined;
  versionId: string;
  filePath: string;
}

/** State read from the database is trusted this long, so revocations and license changes apply within a second. */
const STATE_TTL_MS = 1000;
/**
 * How long state is trusted while change notifications arrive (`coherent`): they drop an entry the moment its row
 * changes in any process, so this only bounds what a lost notification could cost.
 */
const COHERENT_STATE_TTL_MS = 30_000;

/** The channel the database's triggers notify with `<kind>:<id>` when gate state changes (migration 0014). */
export const GATE_CHANNEL = 'assay_gate';
const MAX_CACHED_TOKENS = 10_000;

/**
 * Decides whether a download may proceed, in the documented order: a token at all, its signature, algorithm, issuer,
 * audience and expiry (401); revocation, license in force, dataset not suspended, version covered and published,
 * scope (403); the file (404); the usage cap, counting what this response would add (402).
 * Verified tokens are cached until they expire; token, license, dataset and version state for a second, or for up
 * to 30 s while change notifications from the database (`changed`, `coherent`) drop each entry when its row
 * changes in any process; a suspension or reinstatement in this process applies at once (`listingChanged`).
 */
export class DownloadGate {
  private readonly verified = new Map<string, { claims: AccessClaims; expMs: number }>();
  // Token, license, listing and version state, re-read once its lifetime (`stateTtlMs`) is over; many tokens of one
  // license share its entry.
  private stateTtlMs = STATE_TTL_MS;
  private readonly ttl = () => this.stateTtlMs;
  private readonly tokens = new TtlCache<string, TokenCheckRow | undefined>(this.ttl, MAX_CACHED_TOKENS);
  private readonly licenses = new TtlCache<string, LicenseRow | undefined>(this.ttl, MAX_CACHED_TOKENS);
  private readonly versions = new TtlCache<string, VersionEntry>(this.ttl, MAX_CACHED_TOKENS);
  private readonly datasets = new TtlCache<string, DatasetStatus | undefined>(this.ttl, MAX_CACHED_TOKENS);
  private readonly cachesByKind = new Map<string, TtlCache<string, unknown>>([
    ['token', this.tokens],
    ['license', this.licenses],
    ['dataset', this.datasets],
    ['version', this.versions],
  ]);
  /**
   * Token states read for many checks at once, one statement per round trip, on the gate's own handle (a read shared
   * by requests counts against none of them): the tokens alone (`tokenReads`, while their licenses are cached), or
   * with their licenses and the licenses' dataset status (`stateReads`), which is kept too unless a change
   * notification came in since the read started.
   */
  private readonly tokenReads = this.batchedReads(false);
  private readonly stateReads = this.batchedReads(true);
  private readonly store: DeliveryStore;
  /** Usage read from the database at `at`, with what this process had recorded (and not yet written) by then. */
  private readonly usage = new Map<string, { at: number; stored: Usage; pending: Usage; recorded: Usage }>();

  constructor(
    private readonly db: Db,
    private readonly keyRing: SigningKeyRing,
    private readonly recorder: UsageRecorder,
    private readonly clock: Clock,
  ) {
    this.store = new Stores(db).delivery;
  }

  /** A listing was suspended or reinstated in this process: its next download reads its status afresh. */
  listingChanged(datasetId: string): void {
    this.datasets.delete(datasetId);
  }

  /** A row the gate caches changed (`token:<id>`, `license:<id>`, `dataset:<id>` or `version:<id>`, as the triggers send it). */
  changed(payload: string): void {
    const at = payload.indexOf(':');
    this.cachesByKind.get(payload.slice(0, at))?.delete(payload.slice(at + 1));
  }

  /**
   * Change notifications started (true) or stopped (false) arriving. When they stop, cached state is trusted for a
   * second again (what was read within the last second still serves through a database outage); when they start,
   * everything cached is dropped first, since what changed in between was never announced.
   */
  coherent(listening: boolean): void {
    if (listening) for (const cache of this.cachesByKind.values()) cache.clear();
    this.stateTtlMs = listening ? COHERENT_STATE_TTL_MS : STATE_TTL_MS;
  }

  /** Decides one download; `db` is the request's database handle (what it reads counts against the request). */
  async check(request: DownloadRequest, db: Db = this.db): Promise<Grant | Denial> {
    const { authorization, versionId, filePath } = request;
    const now = this.clock.now();
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!bearer) return { reason: 'MISSING_TOKEN', message: 'Send Authorization: Bearer <access token>' };

    // A token new to the gate: its state is read while its signature is verified (each takes about a round trip),
    // and used only once the token turns out valid.
    const early = this.verified.has(bearer) ? undefined : this.readEarly(bearer, now.getTime());
    const claims = await this.verify(bearer, now);
    if ('failure' in claims) return { reason: claims.failure, message: `Invalid access token (${claims.failure.toLowerCase()})` };
    const known = { licenseId: claims.lic, tokenId: claims.jti };

    // Its row (and its license's with the license's dataset, unless the license is cached) comes in one statement,
    // shared with the other checks under way; an early read counts unless a change notification dropped cached state
    // since it started.
    const key = { tokenId: claims.jti, licenseId: claims.lic };
    const licenseKnown = this.licenses.holds(claims.lic, now.getTime());
    const read = (withLicense: boolean, cache: TtlCache<string, unknown>, generation: number | undefined) =>
      early?.tokenId === key.tokenId &&
      early.licenseId === key.licenseId &&
      (early.withLicense || !withLicense) &&
      generation === cache.generation
        ? early.state
        : (withLicense ? this.stateReads : this.tokenReads).load(key);
    const [token, license] = await Promise.all([
      this.tokens.get(claims.jti, now.getTime(), () => read(!licenseKnown, this.tokens, early?.tokens).then((s) => s.token)),
      this.licenses.get(claims.lic, now.getTime(), () => read(true, this.licenses, early?.licenses).then((s) => s.license)),
    ]);
    if (!token || !license || token.licenseId !== license.id) return { reason: 'UNKNOWN_TOKEN', message: 'Unknown access token', ...known };
    const ids = { ...known, organizationIds: [license.licenseeId, license.vendorId], datasetId: license.datasetId };
    if (token.revokedAt) return { reason: 'TOKEN_REVOKED', message: 'This access token was revoked', ...ids };
    if (!licenseInForce(license, now)) {
      return {
        reason: 'LICENSE_NOT_ACTIVE',
        message: `The license is ${license.status === 'ACTIVE' ? 'past its term' : license.status}`,
        ...ids,
      };
    }
    const dataset = await this.datasets.get(license.datasetId, now.getTime(), () =>
      new Stores(db).catalog.datasetById.load(license.datasetId),
    );
    if (dataset?.status === 'SUSPENDED') {
      return {
        reason: 'DATASET_SUSPENDED',
        message: 'The platform suspended this dataset; downloads resume if it is reinstated',
        ...ids,
      };
    }
    const entry = await this.loadVersion(versionId, now, db);
    const covered =
      entry.version !== undefined &&
      licenseCovers(license, entry.version) &&
      (claims.ver.includes(ALL_LICENSED_VERSIONS) || claims.ver.includes(versionId));
    if (!covered) return { reason: 'VERSION_NOT_COVERED', message: 'The token or license does not cover this version', ...ids };
    if (entry.version!.status !== 'PUBLISHED') {
      return { reason: 'VERSION_RETRACTED', message: 'This version was retracted and is no longer served', ...ids };
    }
    if (!claims.scope.split(' ').includes('data:read'))
      return { reason: 'SCOPE_MISSING', message: 'The token lacks the data:read scope', ...ids };

    const file = entry.files.find((f) => f.path === filePath);
    const blob = file && entry.blobs.get(file.sha256);
    if (!file || !blob) return { reason: 'FILE_NOT_FOUND', message: 'No such file in this version', ...ids };
    const plan = planResponse(file, request);
    const cap = await this.capRefusal(license, plan.usage, now, db);
    if (cap) return { reason: 'USAGE_CAP_REACHED', ...cap, ...ids };
    return { claims, license, version: entry.version!, file, blob, plan };
  }

  /**
   * Starts reading the state of the token `bearer` claims to be, before it is verified, when the token looks current
   * and its state is not cached: a forged token costs a share of one batched primary-key read, never a cache entry.
   */
  private readEarly(bearer: string, nowMs: number): EarlyRead | undefined {
    let payload: JWTPayload;
    try {
      payload = decodeJwt(bearer);
    } catch {
      return undefined; // not even a JWT: the verification says so
    }
    const { jti, lic, exp } = payload as { jti?: unknown; lic?: unknown; exp?: unknown };
    if (typeof jti !== 'string' || typeof lic !== 'string' || typeof exp !== 'number' || exp * 1000 <= nowMs) return undefined;
    const withLicense = !this.licenses.holds(lic, nowMs);
    if (this.tokens.holds(jti, nowMs) && !withLicense) return undefined;
    const state = (withLicense ? this.stateReads : this.tokenReads).load({ tokenId: jti, licenseId: lic });
    // Unused when the token does not verify (a failed read then fails nobody).
    state.catch(() => undefined);
    return { tokenId: jti, licenseId: lic, withLicense, state, tokens: this.tokens.generation, licenses: this.licenses.generation };
  }

  private batchedReads(withLicense: boolean): RoundTripBatcher<TokenKey, TokenState> {
    return new RoundTripBatcher<TokenKey, TokenState>(
      async (keys) => {
        const [at, generation] = [this.clock.now().getTime(), this.datasets.generation];
        const states = await this.store.tokenStates(keys, withLicense);
        for (const { license, dataset } of states) if (license) this.datasets.prime(license.datasetId, dataset, at, generation);
        return states;
      },
      (k) => `${k.tokenId} ${k.licenseId}`,
      // Waits behind a statement under way for at most this long, so a read stuck on a stalled database holds up no other.
      { maxBatch: 500, maxWaitMs: 50 },
    );
  }

  private async verify(token: string, now: Date): Promise<AccessClaims | { failure: VerifyFailure }> {
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.expMs > now.getTime()) return cached.claims;
      this.verified.delete(token);
    }
    const result = await verifyAccessToken(token, (kid) => this.keyRing.verificationKey(kid), now);
    if (!result.ok) return { failure: result.failure };
    if (this.verified.size >= MAX_CACHED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { claims: result.claims, expMs: result.exp * 1000 });
    return result.claims;
  }

  private loadVersion(versionId: string, now: Date, db: Db): Promise<VersionEntry> {
    return this.versions.get(versionId, now.getTime(), async () => {
      const stores = new Stores(db);
      const version = /^dsv_[0-9a-z]{26}$/.test(versionId) ? await stores.catalog.versionById.load(versionId) : undefined;
      const [files, blobs] = version
        ? await Promise.all([stores.catalog.filesByVersionId.load(version.id), stores.delivery.blobsByVersionId.load(version.id)])
        : [[], new Map<string, StoredBlobRow>()];
      return { version, files, blobs };
    });
  }

  /**
   * Why serving `planned` would pass the license's hard cap this period (used up already, or this response would
   * take it over), else undefined. A response that would pass the cap is refused whole, never cut short: a client
   * resumes within what is left by asking for a smaller Range.
   */
  private async capRefusal(
    license: LicenseRow,
    planned: Usage,
    now: Date,
    db: Db,
  ): Promise<{ message: string; cap: CapState } | undefined> {
    // A response that adds nothing (a HEAD, a 304, a 416) is never refused for the cap.
    if (license.usageCap == null || !license.usageUnit || isNothing(planned)) return undefined;
    const periodStart = currentPeriodStart(license.startsAt ?? license.createdAt, now);
    let snapshot = this.usage.get(license.id);
    if (!snapshot || now.getTime() - snapshot.at >= STATE_TTL_MS) {
      snapshot = await this.recorder.withoutWrites(async () => {
        const stored = await new Stores(db).delivery.usageSince(license.id, periodStart);
        const { pending, recorded } = this.recorder.totals(license.id);
        return { at: now.getTime(), stored, pending, recorded };
      });
      this.usage.set(license.id, snapshot);
    }
    // Stored at snapshot time + not yet written then + recorded here since + being sent now
    // (other processes' usage shows up within a second).
    const { recorded, inflight } = this.recorder.totals(license.id);
    const sum = (k: keyof Usage) => snapshot!.stored[k] + snapshot!.pending[k] + (recorded[k] - snapshot!.recorded[k]) + inflight[k];
    const total = { bytes: sum('bytes'), rows: sum('rows'), requests: sum('requests') };
    const used = unitsOf(license.usageUnit, total);
    const after = unitsOf(license.usageUnit, {
      bytes: total.bytes + planned.bytes,
      rows: total.rows + planned.rows,
      requests: total.requests + planned.requests,
    });
    const cap = baseOf(license.usageUnit, license.usageCap);
    if (after.base <= cap) return undefined;
    const resetsAt = nextMonth(periodStart, license.startsAt ?? license.createdAt).toISOString();
    const unit = `${license.usageUnit.toLowerCase().replace('_', ' ')}(s)`;
    const requested = unitsOf(license.usageUnit, planned).quantity;
    const left = unitsFromBase(license.usageUnit, Math.max(0, cap - used.base));
    const state: CapState = {
      usageUnit: license.usageUnit,
      usageCap: license.usageCap,
      used: used.quantity,
      requested,
      remaining: left,
      resetsAt,
    };
    if (used.base >= cap) {
      return { message: `Usage cap of ${license.usageCap} ${unit} reached for this period; it resets at ${resetsAt}`, cap: state };
    }
    return {
      message: `Serving this response (${requested} ${unit}) would pass the usage cap of ${license.usageCap} ${unit}: ${left} left this period (it resets at ${resetsAt}); ask for a smaller Range`,
      cap: state,
    };
  }
}

const isNothing = (u: Usage) => u.bytes === 0 && u.rows === 0 && u.requests === 0;

/** Usage periods are calendar months anchored at the license start (UTC): the latest anniversary not after `now`. */
export function currentPeriodStart(anchor: Date, now: Date): Date {
  let start = anchor;
  for (let next = nextMonth(start, anchor); next.getTime() <= now.getTime(); next = nextMonth(start, anchor)) start = next;
  return start;
}

/** The next period start after `from`: one calendar month later, at the anchor's day (clamped) and time of day (UTC). */
export function nextMonth(from: Date, anchor: Date): Date {
  const d = new Date(
    Date.UTC(
      from.getUTCFullYear(),
      from.getUTCMonth() + 1,
      1,
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
  // Clamp the anchor day to the month's length (Jan 31 -> Feb 28).
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(anchor.getUTCDate(), lastDay));
  return d;
}
