/**
 * A background worker's schedule: runs `pass` every `intervalMs` (0: only when asked) and on demand, never two at
 * once; `stop` runs no more and waits for the pass in progress, which can read `stopping` to end early.
 * @example const loop = new PassLoop(() => worker.pass(), 1000, (err) => log(err)); loop.start(); await loop.stop();
 */
export class PassLoop<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;
  private stopped = false;

  constructor(
    private readonly pass: () => Promise<T>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer || this.stopped) return;
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.runNow()
          .catch(this.onError)
          .finally(() => {
            if (!this.stopped) tick();
          });
      }, this.intervalMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass now (a pass already running is awaited first). */
  async runNow(): Promise<T> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.pass();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
