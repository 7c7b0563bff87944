import { actionList, actionName, actionPrefix, actionQuery } from './action-filter.js';
import { importJWK, type CryptoKey } from 'jose';
import { z } from 'zod';
import type { Viewer } from '../accounts/viewer.js';
import type { Clock } from '../clock.js';
import type { AuditEventRow, AuditQuery } from '../db/stores/audit-store.js';
import type { Stores } from '../db/stores/index.js';
import { newId } from '../ids.js';
import { decodeCursor, encodeCursor, pageRequest, toPage, type Connection } from '../pagination.js';
import { nodeId, parseInput, text } from '../validation.js';
import type { SigningKeyRing } from '../tokens/signing-keys.js';
import { BadUserInputError } from '../errors.js';
import { GENESIS_HASH, chainHash } from './chain.js';
import { detectAnomalies, type Anomaly } from './usage-report.js';
import { INACTIVE_LICENSE_REASONS, type DenialReason } from '../delivery/denials.js';

/** One security-relevant act, as the code that performs it describes it. */
export interface AuditEntry {
  /** `noun.verb`, e.g. `api_key.created`, `license.revoked`, `download.denied`. */
  action: string;
  subjectType: string;
  subjectId: string;
  /** Organizations besides the actor's that may read the event (e.g. the vendor owning the dataset). */
  organizationIds?: (string | null | undefined)[];
  datasetId?: string | null;
  licenseId?: string | null;
  details?: Record<string, unknown>;
  /** Overrides the viewer's actor (system acts, batch writers). */
  actor?: { userId: string | null; organizationId: string | null };
  clientAddress?: string | null;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBrokenEventId: string | null;
  reason: string | null;
  checkpointsVerified: number;
  /** The checks that ran, in order, up to the first that failed. */
  checks: AuditCheck[];
}

/** CHAIN: hashes and links; CHECKPOINTS: signed heads inside the range; HEAD: the chain head is the last event. */
export type AuditCheck = 'CHAIN' | 'CHECKPOINTS' | 'HEAD';

const AuditFilterInput = z
  .object({
    actorId: nodeId('usr').nullish(),
    organizationId: nodeId('org').nullish(),
    datasetId: nodeId('ds').nullish(),
    licenseId: nodeId('lic').nullish(),
    action: actionName.nullish(),
    actions: actionList.nullish(),
    actionPrefix: actionPrefix.nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
  })
  .nullish();

const SignCheckpointInput = z.object({ note: text(500).nullish() });

const VERIFY_BATCH = 2000;
const EXPORT_BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const HISTORY_DAYS = 30;

const UsageReportFilterInput = z
  .object({
    licenseIds: z.array(nodeId('lic')).max(100).nullish(),
    organizationId: nodeId('org').nullish(),
  })
  .nullish();

export interface LicenseUsageRow {
  licenseId: string;
  downloads: number;
  bytes: bigint;
  rows: bigint;
  distinctAddresses: number;
  distinctTokens: number;
  refusals: { reason: DenialReason; count: number }[];
  attemptsWhileInactive: number;
  outsideLicensedVersions: number;
  anomalies: Anomaly[];
}

/** Writes and reads the tamper-evident audit trail. */
export class AuditLog {
  constructor(private readonly clock: Clock) {}

  /**
   * Appends events in the caller's transaction, under the chain-head lock, so the event commits or rolls back with
   * the change it records and concurrent writers extend one chain.
   * @example await audit.record(tx, viewer, { action: 'dataset.published', subjectType: 'DatasetVersion', subjectId: v.id });
   */
  async record(stores: Stores, viewer: Viewer | null, entries: AuditEntry | AuditEntry[]): Promise<void> {
    const list = Array.isArray(entries) ? entries : [entries];
    if (list.length === 0) return;
    await stores.transaction(async (tx) => {
      let head = await tx.audit.lockHead();
      const now = this.clock.now();
      const rows: AuditEventRow[] = [];
      for (const e of list) {
        const actor = e.actor ?? { userId: viewer?.principal?.userId ?? null, organizationId: viewer?.principal?.organizationId ?? null };
        const content = {
          seq: head.seq + 1,
          id: newId('auditEvent', now.getTime()),
          occurredAt: now,
          action: e.action,
          actorUserId: actor.userId,
          actorOrganizationId: actor.organizationId,
          subjectType: e.subjectType,
          subjectId: e.subjectId,
          organizationIds: [...new Set([actor.organizationId, ...(e.organizationIds ?? [])].filter((o): o is string => !!o))].sort(),
          datasetId: e.datasetId ?? null,
          licenseId: e.licenseId ?? null,
          clientAddress: e.clientAddress ?? viewer?.origin.clientAddress ?? null,
          requestId: viewer?.origin.requestId ?? null,
          details: JSON.parse(JSON.stringify(e.details ?? {})) as Record<string, unknown>,
        };
        const hash = chainHash(head.hash, content);
        rows.push({ ...content, prevHash: head.hash, hash });
        head = { seq: content.seq, hash };
      }
      await tx.audit.append(rows, head);
    });
  }

  /**
   * Staff see every event; members of an organization see the events that concern it. A filter only narrows that:
   * a member filtering on another organization gets the events that concern both (usually none), never an error.
   */
  async list(
    stores: Stores,
    viewer: Viewer,
    args: { filter?: unknown; first?: number | null; after?: string | null; last?: number | null; before?: string | null },
  ): Promise<Connection<AuditEventRow>> {
    const q = this.query(viewer, args.filter);
    const page = pageRequest(args);
    const seq = page.cursor ? Number(decodeCursor(page.cursor, 'AUDIT', ['integer'], page.field)[0]) : undefined;
    // Newest first; a backward page reads oldest first from its cursor (from the start: the last page), then turns.
    const rows = page.backward
      ? await stores.audit.listAscending(q, seq ?? 0, page.limit + 1)
      : await stores.audit.list({ ...q, beforeSeq: seq, limit: page.limit });
    return toPage(
      rows,
      page,
      (r) => encodeCursor('AUDIT', [r.seq]),
      () => stores.audit.count(q),
    );
  }

  /**
   * The same events as `list`, oldest first, read in batches as the consumer pulls them (`GET /audit/export`). Who
   * may see what is checked before the first batch, so a refusal is an error rather than a broken stream.
   * @example for await (const e of audit.export(stores, viewer, { actionPrefix: 'license.' })) write(e);
   */
  export(stores: Stores, viewer: Viewer, filter: unknown): AsyncIterable<AuditEventRow> {
    const q = this.query(viewer, filter);
    return (async function* () {
      for (let after = 0; ;) {
        const batch = await stores.audit.listAscending(q, after, EXPORT_BATCH);
        yield* batch;
        if (batch.length < EXPORT_BATCH) return;
        after = batch.at(-1)!.seq;
      }
    })();
  }

  private query(viewer: Viewer, raw: unknown): Omit<AuditQuery, 'limit' | 'beforeSeq'> {
    viewer.assertAuthenticated();
    const filter = parseInput(AuditFilterInput, raw, 'filter');
    return {
      scope: viewer.scope(),
      organizationId: filter?.organizationId ?? undefined,
      actorUserId: filter?.actorId ?? undefined,
      datasetId: filter?.datasetId ?? undefined,
      licenseId: filter?.licenseId ?? undefined,
      ...actionQuery(filter),
      from: filter?.from ?? undefined,
      to: filter?.to ?? undefined,
    };
  }

  /**
   * Recomputes the chain over a time range (and the signed checkpoints inside it), reporting the first event whose
   * stored hash or link does not match. Only staff may run it.
   */
  async verify(stores: Stores, viewer: Viewer, range: { from?: Date | null; to?: Date | null }): Promise<AuditVerification> {
    viewer.assertStaff();
    // The range, the walk and the head are read in one snapshot: events committed meanwhile would otherwise look like
    // a head that moved past the last event checked, or a gap.
    return stores.snapshot((snapshot) => this.verifySnapshot(snapshot, range));
  }

  private async verifySnapshot(stores: Stores, range: { from?: Date | null; to?: Date | null }): Promise<AuditVerification> {
    const { first, last } = await stores.audit.seqRange(range.from ?? undefined, range.to ?? undefined);
    const result: AuditVerification = { ok: true, checked: 0, firstBrokenEventId: null, reason: null, checkpointsVerified: 0, checks: [] };
    if (first === null || last === null) return result;
    result.checks.push('CHAIN');
    let prevHash = first === 1 ? GENESIS_HASH : await stores.audit.hashAt(first - 1);
    let expectedSeq = first;
    const hashes = new Map<number, { id: string; hash: string }>();
    for (let from = first; from <= last;) {
      const batch = await stores.audit.bySeq(from, last, VERIFY_BATCH);
      if (batch.length === 0) break;
      for (const row of batch) {
        const broken = (reason: string) => Object.assign(result, { ok: false, firstBrokenEventId: row.id, reason });
        result.checked++;
        if (row.seq !== expectedSeq) return broken(`events ${expectedSeq}..${row.seq - 1} are missing before this one`);
        if (prevHash === undefined || row.prevHash !== prevHash) return broken('its link to the previous event does not match');
        if (chainHash(row.prevHash, row) !== row.hash) return broken('its content does not match its hash');
        hashes.set(row.seq, { id: row.id, hash: row.hash });
        prevHash = row.hash;
        expectedSeq = row.seq + 1;
      }
      from = batch.at(-1)!.seq + 1;
    }
    // Signed checkpoints catch a chain recomputed end to end by someone able to bypass the triggers.
    result.checks.push('CHECKPOINTS');
    const checkpoints = await stores.audit.checkpointsBetween(first, last);
    const keys = new Map(
      await Promise.all(
        (await stores.tokens.publicKeys([...new Set(checkpoints.map((c) => c.kid))])).map(
          async (k) => [k.kid, (await importJWK(k.publicJwk, 'EdDSA')) as CryptoKey] as const,
        ),
      ),
    );
    for (const c of checkpoints) {
      const event = hashes.get(c.seq);
      const key = keys.get(c.kid);
      const valid =
        key !== undefined &&
        (await crypto.subtle.verify('Ed25519', key, Buffer.from(c.signature, 'base64url'), checkpointMessage(c.seq, c.hash)));
      if (!valid || !event || event.hash !== c.hash) {
        return Object.assign(result, {
          ok: false,
          firstBrokenEventId: event?.id ?? null,
          reason: valid ? 'the chain differs from a signed checkpoint' : 'a checkpoint signature is invalid',
        });
      }
      result.checkpointsVerified++;
    }
    // A range with an end stops short of the head by design, so only an open-ended one is held to it.
    if (range.to != null) return result;
    result.checks.push('HEAD');
    const head = await stores.audit.head();
    if (head.seq !== last || head.hash !== prevHash) {
      return Object.assign(result, { ok: false, firstBrokenEventId: null, reason: 'the chain head does not match the last event' });
    }
    return result;
  }

  /**
   * What an auditor asks of each license used or refused in [from, to): who, how much, from how many addresses and
   * tokens, refusals and why, attempts after it stopped being active, use outside its versions, and anomaly flags.
   * Staff see every license; an organization sees the licenses it holds or sells.
   */
  async licenseUsageReport(stores: Stores, viewer: Viewer, args: { from: Date; to: Date; filter?: unknown }): Promise<LicenseUsageRow[]> {
    viewer.assertAuthenticated();
    if (args.to.getTime() <= args.from.getTime()) throw new BadUserInputError('to: must be after from', 'to');
    if (args.to.getTime() - args.from.getTime() > 366 * DAY_MS) throw new BadUserInputError('to: the window is at most 366 days', 'to');
    const filter = parseInput(UsageReportFilterInput, args.filter, 'filter');
    const historyFrom = new Date(args.from.getTime() - HISTORY_DAYS * DAY_MS);
    const facts = await stores.audit.licenseUsageFacts(viewer.scope(), {
      from: args.from,
      to: args.to,
      historyFrom,
      licenseIds: filter?.licenseIds ?? undefined,
      organizationId: filter?.organizationId ?? undefined,
    });
    const ids = [...new Set([...facts.served.map((r) => r.license_id), ...facts.refused.map((r) => r.license_id)])].sort();
    const windowDays = (args.to.getTime() - args.from.getTime()) / DAY_MS;
    // Each kind of fact indexed by license once, so a report over many licenses stays linear.
    const served = byLicense(facts.served);
    const refused = byLicense(facts.refused);
    const history = byLicense(facts.history);
    const tokenAddresses = byLicense(facts.tokenAddresses);
    const fileRepeats = byLicense(facts.fileRepeats);
    return ids.map((licenseId) => {
      const [used] = served.get(licenseId) ?? [];
      const refusals = (refused.get(licenseId) ?? []).map((r) => ({ reason: r.reason, count: r.n }));
      const count = (reasons: readonly DenialReason[]) =>
        refusals.filter((r) => reasons.includes(r.reason)).reduce((n, r) => n + r.count, 0);
      const [past] = history.get(licenseId) ?? [];
      const historyStart = past?.first_at ? Math.max(new Date(past.first_at).getTime(), historyFrom.getTime()) : undefined;
      return {
        licenseId,
        downloads: used?.downloads ?? 0,
        bytes: BigInt(used?.bytes ?? 0),
        rows: BigInt(used?.rows ?? 0),
        distinctAddresses: used?.addresses ?? 0,
        distinctTokens: used?.tokens ?? 0,
        refusals,
        attemptsWhileInactive: count(INACTIVE_LICENSE_REASONS),
        outsideLicensedVersions: count(['VERSION_NOT_COVERED']),
        anomalies: detectAnomalies({
          bytes: Number(used?.bytes ?? 0),
          windowDays,
          history:
            past && historyStart !== undefined
              ? { bytes: Number(past.bytes), days: Math.max(1, (args.from.getTime() - historyStart) / DAY_MS) }
              : undefined,
          tokenAddresses: (tokenAddresses.get(licenseId) ?? []).map((r) => ({ tokenId: r.token_id, addresses: r.addresses })),
          fileRepeats: (fileRepeats.get(licenseId) ?? []).map((r) => ({
            versionId: r.version_id,
            filePath: r.file_path,
            downloads: r.n,
          })),
        }),
      };
    });
  }

  /** An admin signs the chain head now; the signing, with the admin's note, becomes the next event in the chain. */
  async signCheckpoint(stores: Stores, viewer: Viewer, raw: unknown, keyRing: SigningKeyRing): Promise<boolean> {
    viewer.assertAdmin();
    const { note } = parseInput(SignCheckpointInput, raw);
    const signed = await this.checkpoint(stores, keyRing);
    if (signed) {
      const head = await stores.audit.head();
      await this.record(stores, viewer, {
        action: 'audit.checkpoint_signed',
        subjectType: 'AuditCheckpoint',
        subjectId: String(head.seq),
        details: { note: note ?? null },
      });
    }
    return signed;
  }

  /** Signs the current chain head with the token-signing key, when it moved since the last checkpoint. */
  async checkpoint(stores: Stores, keyRing: SigningKeyRing): Promise<boolean> {
    const [head, last] = await Promise.all([stores.audit.head(), stores.audit.lastCheckpoint()]);
    if (head.seq === 0 || (last && last.seq >= head.seq)) return false;
    const key = await keyRing.current();
    const signature = await crypto.subtle.sign('Ed25519', key.privateKey, checkpointMessage(head.seq, head.hash));
    await stores.audit.insertCheckpoint({
      seq: head.seq,
      hash: head.hash,
      kid: key.kid,
      signature: Buffer.from(signature).toString('base64url'),
      signedAt: this.clock.now(),
    });
    return true;
  }
}

function checkpointMessage(seq: number, hash: string): Uint8Array {
  return new TextEncoder().encode(`assay-audit-checkpoint:${seq}:${hash}`);
}

/** Rows grouped by their license, in their order. */
function byLicense<T extends { license_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.license_id);
    if (group) group.push(row);
    else groups.set(row.license_id, [row]);
  }
  return groups;
}
