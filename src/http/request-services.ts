import type { FastifyRequest } from 'fastify';
import type { ProcessParts } from '../composition.js';
import { RequestServices } from '../context.js';
import { Stores } from '../db/stores/index.js';

/**
 * A request's services, on its own database handle (every statement counts against the request and its deadline).
 * @example const services = requestServices(parts, request); const viewer = await requestViewer(request, services);
 */
export function requestServices(parts: ProcessParts, request: FastifyRequest): RequestServices {
  return new RequestServices(parts, {
    stores: new Stores(parts.database.forRequest(request.queryStats)),
    // Croissant documents name absolute URLs on the host the client reached.
    origin: `${request.protocol}://${request.host}`,
    log: (err, message) => request.log.error({ err }, message),
  });
}
