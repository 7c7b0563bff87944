import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ProcessParts } from '../composition.js';
import type { OpenLineagePosition } from '../db/stores/openlineage-store.js';
import { BadUserInputError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { requestServices } from './request-services.js';
import { requestViewer } from './request-viewer.js';

export const MAX_OPENLINEAGE_PAGE = 1000;
const CURSOR = 'OPENLINEAGE';

const Query = z.object({
  after: z.string().optional(),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, `must be between 1 and ${MAX_OPENLINEAGE_PAGE}`)
    .max(MAX_OPENLINEAGE_PAGE, `must be between 1 and ${MAX_OPENLINEAGE_PAGE}`)
    .default(100),
});

function position(after: string): OpenLineagePosition {
  const [txId, seq] = decodeCursor(after, CURSOR, ['text', 'integer']);
  if (!/^\d{1,20}$/.test(String(txId))) throw new BadUserInputError('after: not a valid cursor for this list and order', 'after');
  return { txId: String(txId), seq: Number(seq) };
}

/**
 * `GET /openlineage/events?after&limit` (API key): the OpenLineage RunEvents of published derived versions as NDJSON,
 * oldest first, one event per line. Platform staff read every vendor's; a vendor's members read their own vendor's;
 * anyone else is refused (403). `x-next-cursor` is the `after` of the next page (the same cursor when none came);
 * `x-has-more: true` says a full page was returned and more may follow.
 */
export function registerOpenLineage(app: FastifyInstance, parts: ProcessParts): void {
  app.get('/openlineage/events', { config: { rateLimit: 'json' } }, async (request, reply) => {
    const services = requestServices(parts, request);
    const { stores } = services;
    const viewer = await requestViewer(request, services);
    const principal = viewer?.principal;
    if (!viewer || !principal)
      return reply.code(401).send({ error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <API key> with a valid key' });
    if (!viewer.isStaff && (principal.organizationKind !== 'VENDOR' || !principal.organizationId)) {
      return reply.code(403).send({ error: 'FORBIDDEN', message: 'Lineage events are read by the publishing vendor and platform staff' });
    }
    const parsed = Query.safeParse(request.query);
    const badInput = (field: string, message: string) => reply.code(400).send({ error: 'BAD_USER_INPUT', field, message });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      return badInput(field, `${field}: ${issue.message}`);
    }
    let after: OpenLineagePosition | undefined;
    try {
      after = parsed.data.after === undefined ? undefined : position(parsed.data.after);
    } catch (err) {
      if (err instanceof BadUserInputError) return badInput(err.field, err.message);
      throw err;
    }
    const rows = await stores.openLineage.list(viewer.isStaff ? undefined : principal.organizationId!, after, parsed.data.limit);
    const last = rows.at(-1);
    return reply
      .type('application/x-ndjson')
      .header('cache-control', 'no-store')
      .header('x-next-cursor', last ? encodeCursor(CURSOR, [last.txId, last.seq]) : (parsed.data.after ?? ''))
      .header('x-has-more', String(rows.length === parsed.data.limit))
      .send(Readable.from(rows.map((r) => JSON.stringify(r.event) + '\n')));
  });
}
