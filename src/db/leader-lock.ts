import pg from 'pg';

/** Held by the one process that runs the periodic jobs (the other 727_190_0xx locks: migrate, bootstrap admin, demo seed, signing keys). */
const JOBS_LEADER_LOCK = 727_190_020;

export interface LeaderLockOptions {
  /** How the lock's own connection is opened (the pool's settings). */
  connection: pg.ClientConfig;
  /** How often a follower tries to take the lock, and the leader checks that its connection still holds it. */
  retryMs: number;
  /** Called with true when this process becomes the leader, false when it stops being one. */
  onChange: (leading: boolean) => void;
}

/**
 * Leadership among the server processes on one database: whoever holds a session-level advisory lock on a connection
 * of its own leads. The lock goes with its session, so a leader that dies or loses its connection frees it at once and
 * another process takes it at its next try. (Session locks need a direct connection: not through a pooler in
 * transaction mode.)
 * @example const lock = new LeaderLock({ connection: pool.options, retryMs: 5000, onChange: (leading) => ... }); lock.start(); await lock.stop();
 */
export class LeaderLock {
  private client: pg.Client | undefined;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderLockOptions) {}

  start(): void {
    this.attempt = this.tryToLead();
  }

  /** Gives the lock up (the next process takes it at its next try) and closes its connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.attempt;
    const client = this.client;
    this.client = undefined;
    if (this.leading) {
      this.leading = false;
      this.options.onChange(false);
    }
    if (!client) return;
    await client.query('SELECT pg_advisory_unlock($1)', [JOBS_LEADER_LOCK]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  private async tryToLead(): Promise<void> {
    try {
      const client = this.client ?? (await this.connect());
      if (this.leading) {
        await client.query('SELECT 1');
      } else {
        const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [JOBS_LEADER_LOCK]);
        if (rows[0]!.acquired && this.client === client && !this.stopped) {
          this.leading = true;
          this.options.onChange(true);
        }
      }
    } catch {
      // The database is unreachable or the connection broke: the session (and any lock) is gone; retry later.
      if (this.client) this.drop(this.client);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => (this.attempt = this.tryToLead()), this.options.retryMs);
      this.timer.unref();
    }
  }

  private async connect(): Promise<pg.Client> {
    // A bounded wait on every statement: a connection that silently died must not leave this process believing it leads.
    const client = new pg.Client({
      ...this.options.connection,
      application_name: 'assay-jobs-leader',
      query_timeout: Math.max(1000, this.options.retryMs),
      keepAlive: true,
    });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  /** Forgets `client` (and the leadership it carried) if it is the current one. */
  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.leading) {
      this.leading = false;
      this.options.onChange(false);
    }
  }
}
