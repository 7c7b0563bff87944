import type { FastifyInstance } from 'fastify';
import type { ClientConfig } from 'pg';
import type { ProcessParts } from '../composition.js';
import { ChangeListener } from '../db/change-listener.js';
import { GATE_CHANNEL } from '../delivery/download-gate.js';
import type { Metrics } from './metrics.js';

/**
 * Revocations and license changes made by any process reach this one's download gate as the database's
 * notifications (sent by triggers in the changing transaction); while the listener is down the gate trusts its
 * cached state for a second only.
 */
export function registerGateChanges(app: FastifyInstance, parts: ProcessParts, metrics: Metrics): void {
  const gate = parts.downloadGate;
  const changes = new ChangeListener({
    connection: parts.database.pool.options as ClientConfig,
    channel: GATE_CHANNEL,
    checkEveryMs: 1000,
    onNotification: (payload) => gate.changed(payload),
    onListening: (listening) => {
      gate.coherent(listening);
      if (!listening) app.log.warn('download gate: change notifications interrupted; trusting cached state for a second only');
    },
    onError: (err) => app.log.warn({ err }, 'download gate: cannot listen for change notifications; will retry'),
  });
  changes.start();
  app.addHook('onClose', () => changes.stop());
  metrics.gauge('assay_gate_change_listener_up', 'Whether this process receives the database change notifications (1) or not (0).', () => [
    [{}, changes.listening ? 1 : 0],
  ]);
}
