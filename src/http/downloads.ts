import { Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { FilePath } from '../catalog/inputs.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import type { DownloadGate } from '../delivery/download-gate.js';
import { responseUsage } from '../delivery/range.js';
import type { FileStorage } from '../delivery/storage.js';
import type { UsageRecorder } from '../delivery/usage-recorder.js';
import type { RefusalTally } from '../delivery/refusal-tally.js';
import { newId } from '../ids.js';
import { addressKey } from './rate-limit.js';
import { sendServiceUnavailable } from './unavailable.js';
import { denialStatus, sendDenial } from './refusals.js';
import type { Denial } from '../delivery/download-gate.js';
import type { DenialReason } from '../delivery/denials.js';

type DataRoute = { Params: { versionId: string; '*': string } };

/**
 * `GET /data/{versionId}/{filePath}` with `Authorization: Bearer <access token>`: streams a licensed file with
 * Content-Length, ETag (its SHA-256) and single-range support, and records exactly the bytes that left.
 */
export function registerDownloads(
  app: FastifyInstance,
  deps: {
    database: Database;
    gate: DownloadGate;
    storage: FileStorage;
    recorder: UsageRecorder;
    tally: RefusalTally;
    /** Told the reason of every refused download (for the metrics). */
    onRefused: (reason: DenialReason) => void;
    clock: Clock;
  },
): void {
  // HEAD is declared, not derived: Fastify's derived HEAD routes answer Content-Length: 0 for a body-less send.
  app.route<DataRoute>({
    method: ['GET', 'HEAD'],
    url: '/data/:versionId/*',
    config: { rateLimit: 'json' },
    handler: async (request, reply) => {
      const { versionId } = request.params;
      const filePath = request.params['*'];
      const clientAddress = request.ip;
      // Nothing is served (or refused) that could not be recorded: with the usage buffer full, the answer is 503.
      if (!deps.recorder.admit()) return sendServiceUnavailable(reply, 'Usage cannot be recorded right now; try again shortly');
      const refuse = (denial: Denial) => {
        deps.onRefused(denial.reason);
        const status = denialStatus(denial.reason);
        if (!denial.licenseId) {
          // No valid token was shown: counted per address and reason, not one audit event per request (see RefusalTally).
          deps.tally.count({ reason: denial.reason, status, clientAddress: addressKey(clientAddress), versionId, filePath });
        } else {
          deps.recorder.deny({
            id: newId('accessDenial'),
            status,
            reason: denial.reason,
            licenseId: denial.licenseId,
            tokenId: denial.tokenId ?? null,
            organizationIds: denial.organizationIds,
            datasetId: denial.datasetId,
            versionId,
            filePath,
            clientAddress,
            deniedAt: deps.clock.now(),
          });
        }
        return sendDenial(reply, denial, deps.clock.now());
      };
      if (!FilePath.safeParse(filePath).success) {
        return refuse({ reason: 'BAD_PATH', message: 'The file path must be a relative path inside the version' });
      }
      const decision = await deps.gate.check(
        {
          authorization: request.headers.authorization,
          versionId,
          filePath,
          range: request.headers.range,
          ifNoneMatch: request.headers['if-none-match'],
          head: request.method === 'HEAD',
        },
        deps.database.forRequest(request.queryStats),
      );
      if (!('claims' in decision)) return refuse(decision);

      const { file, blob, license, claims, plan } = decision;
      const size = Number(file.byteSize);
      const etag = `"${file.sha256}"`;
      reply.header('etag', etag).header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
      reply.header('content-disposition', `attachment; filename="${encodeURIComponent(file.path.split('/').at(-1)!)}"`);
      reply.type('application/octet-stream');

      const event = (status: number, bytes: number, range?: { start: number; end: number }) => ({
        id: newId('usageEvent'),
        licenseId: license.id,
        tokenId: claims.jti,
        organizationId: license.licenseeId,
        versionId,
        filePath,
        bytes,
        rows: responseUsage(status, bytes, file).rows,
        rangeStart: range?.start ?? null,
        rangeEnd: range?.end ?? null,
        status,
        clientAddress,
        servedAt: deps.clock.now(),
      });

      // Only a response that sends data is a usage unit: a 304, a 416 and a HEAD are not recorded (nor billed).
      if (plan.status === 304) return reply.code(304).send();
      if (plan.status === 416) return reply.code(416).header('content-range', `bytes */${size}`).send();
      const { status, span, length } = plan;
      if (span) reply.header('content-range', `bytes ${span.start}-${span.end}/${size}`);
      reply.code(status).header('content-length', String(length));
      if (request.method === 'HEAD') return reply.send();
      if (length === 0) {
        deps.recorder.record(event(status, 0, span));
        return reply.send();
      }

      // Counted at full size while it is being sent, so concurrent downloads cannot run past a cap together.
      const inflight = deps.recorder.begin(license.id, plan.usage);
      let sent = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          sent += chunk.length;
          done(null, chunk);
        },
      });
      // Recorded once the response is over: 'finish' when every byte was handed to the socket, 'close' when it was cut
      // short (only the first counts). 'finish' comes before the client has read the end, so shutdown cannot miss it.
      const done = () => inflight.end(event(status, sent, span));
      reply.raw.once('finish', done);
      reply.raw.once('close', done);
      const source = deps.storage.read(blob.storageKey, span);
      source.on('error', (err) => counter.destroy(err));
      return reply.send(source.pipe(counter));
    },
  });
}
