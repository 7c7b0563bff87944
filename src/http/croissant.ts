import type { FastifyInstance } from 'fastify';
import { Viewer } from '../accounts/viewer.js';
import type { ProcessParts } from '../composition.js';
import { requestServices } from './request-services.js';
import { requestViewer } from './request-viewer.js';

const VERSION_ID = /^dsv_[0-9a-z]{26}$/;

/**
 * `GET /versions/{versionId}/croissant.json`: the version's Croissant 1.1 document as `application/ld+json`, the same
 * one `DatasetVersion.croissant` returns. Anonymous callers get published versions; a draft is served only to its
 * vendor (and staff), 404 for everyone else, exactly as if it did not exist.
 */
export function registerCroissant(app: FastifyInstance, parts: ProcessParts): void {
  app.get<{ Params: { versionId: string } }>(
    '/versions/:versionId/croissant.json',
    { config: { rateLimit: 'json' } },
    async (request, reply) => {
      const services = requestServices(parts, request);
      const viewer =
        request.headers.authorization === undefined
          ? new Viewer(null, { clientAddress: request.ip, requestId: request.id })
          : await requestViewer(request, services);
      if (!viewer)
        return reply
          .code(401)
          .send({ error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <API key> with a valid key, or none' });
      const notFound = () => reply.code(404).send({ error: 'NOT_FOUND', message: 'No such dataset version' });
      if (!VERSION_ID.test(request.params.versionId)) return notFound();
      const version = await services.catalog.version(viewer, request.params.versionId);
      if (!version) return notFound();
      const document = await services.lineage.croissant(viewer, version);
      return (
        reply
          .type('application/ld+json; charset=utf-8')
          // A published version never changes, but retraction and coverage reports do reach its document.
          .header('cache-control', version.status === 'DRAFT' ? 'private, no-store' : 'public, max-age=60')
          .header('vary', 'authorization')
          .send(JSON.stringify(document))
      );
    },
  );
}
