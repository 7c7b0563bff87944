import type { FastifyInstance } from 'fastify';
import type { ProcessParts } from '../composition.js';
import { withIdleTimeout } from './receive-timeout.js';
import { requestServices } from './request-services.js';
import { requestViewer } from './request-viewer.js';
import { sendUnauthenticated, sendUploadFailure } from './refusals.js';

/** `PUT /uploads/{uploadId}`: streams one file's bytes to storage; the body is never buffered in memory. */
export function registerUploads(
  app: FastifyInstance,
  deps: {
    parts: ProcessParts;
    /** An upload that sends nothing for this long is cut; one that keeps sending may take as long as it needs (0: never). */
    idleTimeoutMs: number;
  },
): void {
  void app.register(async (scope) => {
    // Leave the body unread: the handler streams it straight to storage.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.put<{ Params: { uploadId: string } }>(
      '/uploads/:uploadId',
      { config: { rateLimit: 'json', streamsBody: true } },
      async (request, reply) => {
        const services = requestServices(deps.parts, request);
        const viewer = await requestViewer(request, services);
        if (!viewer) return sendUnauthenticated(reply, request.headers.authorization !== undefined);
        const length = request.headers['content-length'];
        const outcome = await services.uploads.receive(
          viewer,
          request.params.uploadId,
          () => withIdleTimeout(request.raw, deps.idleTimeoutMs),
          length === undefined ? undefined : Number(length),
        );
        if (!outcome.ok) {
          // Stop reading a body we refused before it was consumed.
          if (!request.raw.readableEnded) reply.header('connection', 'close');
          if (outcome.code === 'STORE_UNAVAILABLE') request.log.warn({ err: outcome.cause }, 'file store unavailable during an upload');
          return sendUploadFailure(reply, outcome);
        }
        const u = outcome.upload;
        return reply
          .code(200)
          .send({ uploadId: u.id, path: u.path, byteSize: String(u.byteSize), sha256: u.sha256, completedAt: u.completedAt });
      },
    );
  });
}
