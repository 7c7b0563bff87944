import type { FastifyRequest } from 'fastify';
import type { ProcessParts } from '../composition.js';
import { RequestServices } from '../context.js';
import { Stores } from '../db/stores/index.js';

/**
 * A request's services, on its own database handle (every statement counts against the request and its deadline).
 * The handle and the origin are made on first use: a request that reads no data (`{ __typename }`) makes neither.
 * @example const services = requestServices(parts, request); const viewer = await requestViewer(request, services);
 */
export function requestServices(parts: ProcessParts, request: FastifyRequest): RequestServices {
  let stores: Stores | undefined;
  let origin: string | undefined;
  return new RequestServices(parts, {
    get stores() {
      return (stores ??= new Stores(parts.database.forRequest(request.queryStats)));
    },
    // Croissant documents name absolute URLs on the host the client reached.
    get origin() {
      return (origin ??= `${request.protocol}://${request.host}`);
    },
    log: (err, message) => request.log.error({ err }, message),
  });
}
