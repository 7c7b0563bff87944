interface Batch<K, V> {
  keys: K[];
  /** One answer per distinct key (by `idOf`), shared by every caller of that key in the batch. */
  answers: Map<string, { resolve: (value: V) => void; reject: (err: unknown) => void; promise: Promise<V> }>;
}

/**
 * Coalesces lookups into one statement per database round trip: a lookup made while no statement is running goes out
 * at the end of this turn of the event loop with the others made by then; lookups made while statements run wait for
 * one to finish (or `maxWaitMs`, should it hang on a stalled database) and then go out together. Unlike a per-tick
 * DataLoader this also batches callers that arrive one by one (each after its own asynchronous step, as token
 * verifications finish), at the cost of none of them waiting longer than a round trip.
 * @example const states = new RoundTripBatcher((keys) => store.statesOf(keys), (k) => k.id, { maxBatch: 500, maxWaitMs: 5 });
 */
export class RoundTripBatcher<K, V> {
  private next: Batch<K, V> | undefined;
  private running = 0;
  private readonly waiting = new Set<() => void>();

  constructor(
    /** Answers `keys` in their order, in one statement. */
    private readonly run: (keys: K[]) => Promise<V[]>,
    private readonly idOf: (key: K) => string,
    private readonly options: { maxBatch: number; maxWaitMs: number },
  ) {}

  load(key: K): Promise<V> {
    const id = this.idOf(key);
    let batch = this.next;
    const known = batch?.answers.get(id);
    if (known) return known.promise;
    if (!batch || batch.keys.length >= this.options.maxBatch) batch = this.open();
    let resolve!: (value: V) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<V>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    batch.keys.push(key);
    batch.answers.set(id, { resolve, reject, promise });
    return promise;
  }

  private open(): Batch<K, V> {
    const batch: Batch<K, V> = { keys: [], answers: new Map() };
    this.next = batch;
    if (this.running === 0) {
      setImmediate(() => this.dispatch(batch));
      return batch;
    }
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      clearTimeout(timer);
      this.waiting.delete(send);
      this.dispatch(batch);
    };
    const timer = setTimeout(send, this.options.maxWaitMs);
    this.waiting.add(send);
    return batch;
  }

  private dispatch(batch: Batch<K, V>): void {
    if (this.next === batch) this.next = undefined;
    this.running++;
    const answers = [...batch.answers.values()];
    this.run(batch.keys)
      .then(
        (values) => answers.forEach((a, i) => a.resolve(values[i]!)),
        (err: unknown) => answers.forEach((a) => a.reject(err)),
      )
      .finally(() => {
        this.running--;
        for (const send of [...this.waiting]) send();
      });
  }
}
