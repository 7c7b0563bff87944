import type { FastifyRequest } from 'fastify';
import type { AccountsService } from '../accounts/service.js';
import { Viewer } from '../accounts/viewer.js';
import { UnauthenticatedError } from '../errors.js';

/**
 * The caller of a plain HTTP route (uploads, exports) from its API key, with its origin for the audit trail;
 * `undefined` when the key is missing or refused, so the route answers 401.
 */
export async function requestViewer(request: FastifyRequest, services: { accounts: AccountsService }): Promise<Viewer | undefined> {
  try {
    const principal = await services.accounts.authenticate(request.headers.authorization);
    return principal ? new Viewer(principal, { clientAddress: request.ip, requestId: request.id }) : undefined;
  } catch (err) {
    // A refused key answers 401; anything else (the database is away) is the service's and goes to the error handler.
    if (err instanceof UnauthenticatedError) return undefined;
    throw err;
  }
}
