import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ProcessParts } from '../composition.js';
import type { AuditEventRow } from '../db/stores/audit-store.js';
import { instantInRange } from '../validation.js';
import { requestServices } from './request-services.js';
import { requestViewer } from './request-viewer.js';
import { sendUnauthenticated } from './refusals.js';
import { actionList, actionName, actionPrefix, actionQuery } from '../audit/action-filter.js';

/** An ISO date-time with an offset, inside years 1-9999 UTC (what the database holds). */
const instant = z
  .string()
  .datetime({ offset: true })
  .refine((s) => instantInRange(new Date(s)), 'must fall between years 1 and 9999 in UTC');

const ExportQuery = z.object({
  format: z.enum(['ndjson', 'csv']).default('ndjson'),
  from: instant.optional(),
  to: instant.optional(),
  action: actionName.optional(),
  // Comma-separated: `actions=license.created,license.rejected`.
  actions: z
    .string()
    .transform((s) => s.split(','))
    .pipe(actionList)
    .optional(),
  actionPrefix: actionPrefix.optional(),
  organizationId: z
    .string()
    .regex(/^org_[0-9a-z]{26}$/)
    .optional(),
  datasetId: z
    .string()
    .regex(/^ds_[0-9a-z]{26}$/)
    .optional(),
  licenseId: z
    .string()
    .regex(/^lic_[0-9a-z]{26}$/)
    .optional(),
  actorId: z
    .string()
    .regex(/^usr_[0-9a-z]{26}$/)
    .optional(),
});

const COLUMNS = [
  'seq',
  'id',
  'occurredAt',
  'action',
  'actorUserId',
  'actorOrganizationId',
  'subjectType',
  'subjectId',
  'datasetId',
  'licenseId',
  'clientAddress',
  'requestId',
  'details',
  'prevHash',
  'hash',
] as const;

function csvCell(value: unknown): string {
  const s =
    value == null ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Quote always; a leading =, +, - or @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

function toRecord(e: AuditEventRow) {
  return Object.fromEntries(COLUMNS.map((c) => [c, c === 'occurredAt' ? e.occurredAt.toISOString() : e[c]]));
}

/**
 * `GET /audit/export?format=ndjson|csv&from&to&action&actions&actionPrefix&organizationId&datasetId&licenseId&actorId` (API key):
 * streams the audit trail oldest first, in batches: the events `auditEvents` answers with the same filter (staff see all,
 * members those that concern their organization).
 */
export function registerAuditExport(app: FastifyInstance, parts: ProcessParts): void {
  app.get('/audit/export', { config: { rateLimit: 'json' } }, async (request, reply) => {
    const services = requestServices(parts, request);
    const { stores } = services;
    const viewer = await requestViewer(request, services);
    if (!viewer?.principal) return sendUnauthenticated(reply, request.headers.authorization !== undefined);
    const parsed = ExportQuery.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply.code(400).send({
        error: 'BAD_USER_INPUT',
        code: 'BAD_USER_INPUT',
        field: issue.path.join('.'),
        message: `${issue.path.join('.')}: ${issue.message}`,
      });
    }
    const q = parsed.data;
    // The same service path as `auditEvents`, so the two never disagree about who sees what.
    const events = parts.audit.export(stores, viewer, {
      organizationId: q.organizationId,
      actorId: q.actorId,
      datasetId: q.datasetId,
      licenseId: q.licenseId,
      ...actionQuery(q),
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    });
    async function* lines() {
      if (q.format === 'csv') yield COLUMNS.join(',') + '\n';
      for await (const e of events) {
        yield q.format === 'csv' ? COLUMNS.map((c) => csvCell(toRecord(e)[c])).join(',') + '\n' : JSON.stringify(toRecord(e)) + '\n';
      }
    }
    const stamp = parts.clock.now().toISOString().replace(/[:.]/g, '-');
    return reply
      .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('content-disposition', `attachment; filename="assay-audit-${stamp}.${q.format}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines()));
  });
}
