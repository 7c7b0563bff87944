import type { FastifyInstance } from 'fastify';
import type { SigningKeyRing } from '../tokens/signing-keys.js';

/** `GET /.well-known/jwks.json`: what a storage edge or CDN needs to verify access tokens offline. */
export function registerJwks(app: FastifyInstance, keyRing: SigningKeyRing): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    await keyRing.current();
    // Short cache: verifiers pick up a rotated key within minutes; unknown kids should trigger a refetch anyway.
    return reply
      .header('cache-control', 'public, max-age=300')
      .type('application/json')
      .send(await keyRing.jwks());
  });
}
