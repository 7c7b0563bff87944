import type { FastifyInstance } from 'fastify';
import type { ProcessParts } from '../composition.js';
import { sendWebhookOutcome } from './refusals.js';
import { requestServices } from './request-services.js';

/**
 * `POST /webhooks/stripe`: the signature covers the exact bytes Stripe sent, so this route (and only this one, being
 * its own plugin) parses JSON bodies as raw buffers. Local billing mode answers 404 with a message saying why.
 * @example registerStripeWebhook(app, parts);
 */
export function registerStripeWebhook(app: FastifyInstance, parts: ProcessParts): void {
  void app.register(async (scope) => {
    scope.removeContentTypeParser(['application/json']);
    scope.addContentTypeParser(['application/json'], { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/webhooks/stripe', async (request, reply) => {
      const signature = request.headers['stripe-signature'];
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.from('');
      const outcome = await requestServices(parts, request).billing.receiveWebhook(
        payload,
        typeof signature === 'string' ? signature : undefined,
      );
      return sendWebhookOutcome(reply, outcome);
    });
  });
}
