/** Injected time source, so logic and tests never reach for `new Date()` on their own. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
