import pg from 'pg';

export interface ChangeListenerOptions {
  /** How the listener's own connection is opened (the pool's settings). */
  connection: pg.ClientConfig;
  channel: string;
  /** How often the open connection is checked (a silently dead one is noticed within about twice this), and the first retry delay. */
  checkEveryMs: number;
  onNotification: (payload: string) => void;
  /**
   * True once LISTEN is in place, false when the connection is lost. Notifications sent in between are lost, so a
   * cache fed by them must forget everything on each change.
   */
  onListening: (listening: boolean) => void;
  /** The first failure of each outage (the connection lost, or opening it failed). */
  onError?: (err: Error) => void;
}

/** Retries double up to this many check periods while the database stays away. */
const MAX_BACKOFF_PERIODS = 10;

/**
 * PostgreSQL `LISTEN` on a connection of its own (not a pooled one: a listening session must stay open), reopened
 * after the database restarts or the connection is killed, with a bounded check so a connection that died without
 * a word is noticed. (Needs a direct connection, not a pooler in transaction mode.)
 * @example const listener = new ChangeListener({ connection: pool.options, channel: 'assay_gate', checkEveryMs: 1000, onNotification, onListening }); listener.start(); await listener.stop();
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private listeningNow = false;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> = Promise.resolve();

  constructor(private readonly options: ChangeListenerOptions) {}

  /** Whether notifications are being received right now. */
  get listening(): boolean {
    return this.listeningNow;
  }

  start(): void {
    this.attempt = this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.attempt;
    if (this.client) this.drop(this.client);
  }

  private async tick(): Promise<void> {
    try {
      if (this.client) await this.client.query('SELECT 1');
      else await this.listen();
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) this.options.onError?.(err as Error);
      if (this.client) this.drop(this.client);
    }
    if (this.stopped) return;
    const delay = this.options.checkEveryMs * Math.min(MAX_BACKOFF_PERIODS, 2 ** Math.max(0, this.failures - 1));
    this.timer = setTimeout(() => (this.attempt = this.tick()), delay);
    this.timer.unref();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      ...this.options.connection,
      // With the process ID, so pg_stat_activity tells which server process a listener belongs to.
      application_name: `assay-listener ${process.pid}`,
      query_timeout: Math.max(1000, this.options.checkEveryMs),
      keepAlive: true,
    });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    client.on('notification', (message) => {
      if (message.channel === this.options.channel && message.payload !== undefined) this.options.onNotification(message.payload);
    });
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(this.options.channel)}`);
    if (this.client !== client || this.stopped) return;
    this.listeningNow = true;
    this.options.onListening(true);
  }

  /** Forgets `client` if it is the current one, and says so when it was listening. */
  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.listeningNow) {
      this.listeningNow = false;
      this.options.onListening(false);
    }
  }
}
