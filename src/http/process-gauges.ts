import type { ProcessParts } from '../composition.js';
import type { UsageRecorder } from '../delivery/usage-recorder.js';
import type { WebhookWorker } from '../events/worker.js';
import type { MeteringWorker } from '../metering/worker.js';
import type { Metrics } from './metrics.js';

/** The process parts' gauges on /metrics: the metering and webhook outboxes' lag and the usage buffer. */
export function registerProcessGauges(metrics: Metrics, parts: ProcessParts): void {
  meteringGauges(metrics, parts.meteringWorker);
  webhookGauges(metrics, parts.webhookWorker);
  usageGauges(metrics, parts.usageRecorder);
}

/** The usage outbox's lag as of the worker's last pass: unsent reports and the oldest one's age. */
function meteringGauges(metrics: Metrics, worker: MeteringWorker): void {
  metrics.gauge(
    'assay_metering_outbox_unsent_reports',
    'Usage reports waiting to be sent to the meter (as of the last metering pass).',
    () => [[{}, worker.outboxLag().unsent]],
  );
  metrics.gauge(
    'assay_metering_outbox_oldest_unsent_age_seconds',
    'Age of the oldest usage report not yet sent; 0 when none waits.',
    () => [[{}, Math.round(worker.outboxLag().oldestUnsentAgeSeconds)]],
  );
  metrics.gauge(
    'assay_metering_unbillable_reports',
    'Usage reports the meter refused for good or that are older than Stripe accepts.',
    () => {
      const lag = worker.outboxLag();
      return [
        [{ status: 'FAILED' }, lag.failed],
        [{ status: 'TOO_OLD' }, lag.tooOld],
      ];
    },
  );
}

/** The usage buffer: what waits to be written, its bound, and what the bound refused. */
function usageGauges(metrics: Metrics, recorder: UsageRecorder): void {
  const gauge = (name: string, help: string, value: (state: ReturnType<UsageRecorder['state']>) => number) =>
    metrics.gauge(name, help, () => [[{}, value(recorder.state())]]);
  gauge('assay_usage_buffered', 'Usage events and denials held in memory, not yet written to the database.', (s) => s.buffered);
  gauge('assay_usage_buffer_capacity', 'The most usage events and denials held in memory (ASSAY_USAGE_BUFFER_MAX).', (s) => s.capacity);
  gauge('assay_usage_write_failures', 'Failed attempts to write buffered usage since the process started.', (s) => s.failedWrites);
  gauge('assay_usage_refused_downloads', 'Downloads refused with 503 because the usage buffer was full.', (s) => s.refused);
}

/** The webhook outbox's lag as of the worker's last pass. */
function webhookGauges(metrics: Metrics, worker: WebhookWorker): void {
  metrics.gauge(
    'assay_webhook_outbox_pending_deliveries',
    'Webhook deliveries waiting to be sent or retried (as of the last pass).',
    () => [[{}, worker.outboxLag().pending]],
  );
  metrics.gauge(
    'assay_webhook_outbox_oldest_pending_age_seconds',
    'Age of the oldest webhook delivery not yet done; 0 when none waits.',
    () => [[{}, Math.round(worker.outboxLag().oldestPendingAgeSeconds)]],
  );
}
