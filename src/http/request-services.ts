import type { FastifyRequest } from 'fastify';
import type { ProcessParts } from '../composition.js';
import { RequestServices, type RequestScope } from '../context.js';
import { Stores } from '../db/stores/index.js';

/**
 * What a request's services need from the HTTP request. The database handle and the origin are made on first use: a
 * request that reads no data (`{ __typename }`) makes neither. A class, so a request allocates one small object and no
 * closures for it.
 */
class HttpRequestScope implements RequestScope {
  private madeStores: Stores | undefined;
  private madeOrigin: string | undefined;

  constructor(
    private readonly parts: ProcessParts,
    private readonly request: FastifyRequest,
  ) {}

  get stores(): Stores {
    return (this.madeStores ??= new Stores(this.parts.database.forRequest(this.request.queryStats)));
  }

  // Croissant documents name absolute URLs on the host the client reached.
  get origin(): string {
    return (this.madeOrigin ??= `${this.request.protocol}://${this.request.host}`);
  }

  log(err: unknown, message: string): void {
    this.request.log.error({ err }, message);
  }
}

/**
 * A request's services, on its own database handle (every statement counts against the request and its deadline).
 * @example const services = requestServices(parts, request); const viewer = await requestViewer(request, services);
 */
export function requestServices(parts: ProcessParts, request: FastifyRequest): RequestServices {
  return new RequestServices(parts, new HttpRequestScope(parts, request));
}
