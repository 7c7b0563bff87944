import { createHash } from 'node:crypto';

/** The hash the chain starts from (the head row's initial value). */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedContent {
  seq: number;
  id: string;
  occurredAt: Date;
  action: string;
  actorUserId: string | null;
  actorOrganizationId: string | null;
  subjectType: string;
  subjectId: string;
  organizationIds: string[];
  datasetId: string | null;
  licenseId: string | null;
  clientAddress: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** JSON with object keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * An event's hash: SHA-256 over the previous hash and the canonical form of every stored field.
 * @example const hash = chainHash(prevHash, event);
 */
export function chainHash(prevHash: string, e: ChainedContent): string {
  const content = canonicalJson([
    e.seq,
    e.id,
    e.occurredAt.toISOString(),
    e.action,
    e.actorUserId,
    e.actorOrganizationId,
    e.subjectType,
    e.subjectId,
    e.organizationIds,
    e.datasetId,
    e.licenseId,
    e.clientAddress,
    e.requestId,
    e.details,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}
