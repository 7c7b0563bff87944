import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The request's path and query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered. */
  answered: number;
}

/**
 * A loopback webhook receiver: records every request and answers with `respond(n)` for the n-th (0-based) request.
 * @example const r = await WebhookReceiver.start(); … await r.waitFor((all) => all.length === 1); await r.close();
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respond: (n: number, body: string) => number = () => 204;
  /** How long each answer takes (a slow receiver keeps requests in flight). */
  delayMs = 0;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(path = '/hooks'): Promise<WebhookReceiver> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    server.on('request', (req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const answered = receiver.respond(receiver.received.length, body);
        receiver.received.push({ path: req.url ?? '', headers: req.headers, body, answered });
        setTimeout(() => {
          res.statusCode = answered;
          res.end();
        }, receiver.delayMs);
      });
    });
    return receiver;
  }

  /** Parsed bodies of requests answered 2xx. */
  delivered(): { id: string; type: string; data: Record<string, any> }[] {
    return this.received.filter((r) => r.answered < 300).map((r) => JSON.parse(r.body));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/**
 * Polls `condition` until it holds (returning its value) or `timeoutMs` passes; `tick` runs between polls (a test
 * clock moving on, so backoff delays elapse).
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, tick }: { timeoutMs?: number; tick?: () => void } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    tick?.();
    await new Promise((r) => setTimeout(r, 20));
  }
}
