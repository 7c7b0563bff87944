import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FilePath } from '../catalog/inputs.js';
import type { ProcessParts } from '../composition.js';
import { responseUsage } from '../delivery/range.js';
import { StorageReadError } from '../delivery/storage.js';
import { newId } from '../ids.js';
import { addressKey } from './rate-limit.js';
import { sendServiceUnavailable } from './unavailable.js';
import { denialStatus, sendDenial } from './refusals.js';
import type { Denial } from '../delivery/download-gate.js';
import type { DenialReason } from '../delivery/denials.js';

type DataRoute = { Params: { versionId: string; '*': string } };

/** Responses up to this size are read whole and sent in one write (a file stream's chunk is as large). */
const ONE_WRITE_BYTES = 64 * 1024;

/**
 * `GET /data/{versionId}/{filePath}` with `Authorization: Bearer <access token>`: streams a licensed file with
 * Content-Length, ETag (its SHA-256) and single-range support, and records exactly the bytes that left.
 */
export function registerDownloads(
  app: FastifyInstance,
  parts: ProcessParts,
  deps: {
    /** Told the reason of every refused download (for the metrics). */
    onRefused: (reason: DenialReason) => void;
  },
): void {
  const { database, downloadGate: gate, storage, usageRecorder: recorder, refusalTally: tally, clock } = parts;
  // Large responses are answered with a presigned URL to the object store instead of their bytes.
  const redirect = parts.config.downloadRedirect;
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
      if (!recorder.admit()) return sendServiceUnavailable(reply, 'Usage cannot be recorded right now; try again shortly');
      const refuse = (denial: Denial) => {
        deps.onRefused(denial.reason);
        const status = denialStatus(denial.reason);
        if (!denial.licenseId) {
          // No valid token was shown: counted per address and reason, not one audit event per request (see RefusalTally).
          tally.count({ reason: denial.reason, status, clientAddress: addressKey(clientAddress), versionId, filePath });
        } else {
          recorder.deny({
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
            deniedAt: clock.now(),
          });
        }
        return sendDenial(reply, denial, clock.now());
      };
      if (!FilePath.safeParse(filePath).success) {
        return refuse({ reason: 'BAD_PATH', message: 'The file path must be a relative path inside the version' });
      }
      const decision = await gate.check(
        {
          authorization: request.headers.authorization,
          versionId,
          filePath,
          range: request.headers.range,
          ifNoneMatch: request.headers['if-none-match'],
          head: request.method === 'HEAD',
        },
        database.forRequest(request.queryStats),
      );
      if (!('claims' in decision)) return refuse(decision);

      const { file, blob, license, claims, plan } = decision;
      const size = Number(file.byteSize);
      const etag = `"${file.sha256}"`;
      reply.header('etag', etag).header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
      const fileName = file.path.split('/').at(-1)!;
      reply.header('content-disposition', `attachment; filename="${encodeURIComponent(fileName)}"`);
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
        servedAt: clock.now(),
      });

      // Only a response that sends data is a usage unit: a 304, a 416 and a HEAD are not recorded (nor billed).
      if (plan.status === 304) return reply.code(304).send();
      if (plan.status === 416) return reply.code(416).header('content-range', `bytes */${size}`).send();
      const { status, span, length } = plan;
      if (span) reply.header('content-range', `bytes ${span.start}-${span.end}/${size}`);
      reply.code(status).header('content-length', String(length));
      if (request.method === 'HEAD') return reply.send();
      if (length === 0) {
        recorder.record(event(status, 0, span));
        return reply.send();
      }

      if (redirect && storage.presignedDownload && length >= redirect.minBytes) {
        // The store sends the bytes, out of our sight: the planned response is recorded now, whole (see the README).
        const expiresInSeconds = redirect.expiresInSeconds;
        const location = await storage
          .presignedDownload(blob.storageKey, { expiresInSeconds, fileName })
          .catch((err: unknown) => new StorageReadError('UNAVAILABLE', `cannot presign: ${(err as Error).message}`));
        if (location instanceof StorageReadError) return storageFailure(request, reply, location);
        recorder.record({ ...event(307, plan.usage.bytes, span), rows: plan.usage.rows });
        return withoutFileHeaders(reply).code(307).header('location', location).send();
      }

      // Counted at full size while it is being sent, so concurrent downloads cannot run past a cap together.
      const inflight = recorder.begin(license.id, plan.usage);
      if (length <= ONE_WRITE_BYTES) {
        // What a file stream would send in one chunk anyway, read into memory and sent in one write.
        let bytes: Buffer;
        try {
          bytes = await storage.read(blob.storageKey, span ?? { start: 0, end: size - 1 });
        } catch (err) {
          inflight.cancel();
          return storageFailure(request, reply, err);
        }
        if (reply.raw.destroyed) {
          inflight.cancel();
          return reply;
        }
        // As with a stream: the bytes count once they were handed to the socket (the whole body goes in one write).
        const sent = () => inflight.end(event(status, reply.raw.writableEnded ? length : 0, span));
        reply.raw.once('finish', sent);
        reply.raw.once('close', sent);
        return reply.send(bytes);
      }
      let source: Readable;
      try {
        source = await storage.open(blob.storageKey, span);
      } catch (err) {
        // Nothing was sent, so nothing is recorded.
        inflight.cancel();
        return storageFailure(request, reply, err);
      }
      if (reply.raw.destroyed) {
        // The client hung up while the file was being opened.
        source.destroy();
        inflight.cancel();
        return reply;
      }
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
      source.on('error', (err) => counter.destroy(err));
      return reply.send(source.pipe(counter));
    },
  });
}

/** The headers that describe the file's bytes, wrong on any answer that does not carry them. */
const FILE_HEADERS = ['etag', 'accept-ranges', 'content-disposition', 'content-range', 'content-length', 'content-type'] as const;

function withoutFileHeaders(reply: FastifyReply): FastifyReply {
  for (const name of FILE_HEADERS) reply.removeHeader(name);
  return reply;
}

/** An object store that is down is a 503 (try again); a blob missing from the store is our fault (500). */
function storageFailure(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  withoutFileHeaders(reply);
  if (err instanceof StorageReadError && err.reason === 'UNAVAILABLE') {
    request.log.warn({ err }, 'file store unavailable');
    return sendServiceUnavailable(reply, 'The file store is unavailable; try again shortly');
  }
  throw err;
}
