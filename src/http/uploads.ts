import type { FastifyInstance } from 'fastify';
import { CatalogService } from '../catalog/service.js';
import type { Clock } from '../clock.js';
import type { CollapseRiskSettings } from '../config.js';
import { derivationLicenses } from '../licensing/derivation-licenses.js';
import type { Database } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import type { FileStorage } from '../delivery/storage.js';
import { UploadsService } from '../delivery/uploads-service.js';
import type { StorageLimits } from '../delivery/storage-allowance.js';
import { withIdleTimeout } from './receive-timeout.js';
import { requestViewer } from './request-viewer.js';
import { sendUnauthenticated, sendUploadFailure } from './refusals.js';

/** `PUT /uploads/{uploadId}`: streams one file's bytes to storage; the body is never buffered in memory. */
export function registerUploads(
  app: FastifyInstance,
  deps: {
    database: Database;
    storage: FileStorage;
    clock: Clock;
    limits: StorageLimits;
    collapseRisk: CollapseRiskSettings;
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
        const stores = new Stores(deps.database.forRequest(request.queryStats));
        const viewer = await requestViewer(request, stores, deps.clock);
        if (!viewer) return sendUnauthenticated(reply, request.headers.authorization !== undefined);
        const length = request.headers['content-length'];
        const catalog = new CatalogService(stores, deps.clock, derivationLicenses(deps.clock), deps.limits, deps.collapseRisk);
        const service = new UploadsService(stores, catalog, deps.storage, deps.clock, deps.limits);
        const outcome = await service.receive(
          viewer,
          request.params.uploadId,
          () => withIdleTimeout(request.raw, deps.idleTimeoutMs),
          length === undefined ? undefined : Number(length),
        );
        if (!outcome.ok) {
          // Stop reading a body we refused before it was consumed.
          if (!request.raw.readableEnded) reply.header('connection', 'close');
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
