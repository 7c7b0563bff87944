import { randomBytes } from 'node:crypto';

/** Every node type's ID prefix; IDs are opaque to clients but say what they name. */
export const ID_PREFIXES = {
  organization: 'org',
  user: 'usr',
  apiKey: 'ak',
  dataset: 'ds',
  datasetVersion: 'dsv',
  qualityReport: 'qr',
  dataFile: 'fil',
  offer: 'off',
  license: 'lic',
  accessToken: 'tok',
  upload: 'upl',
  usageEvent: 'use',
  accessDenial: 'den',
  auditEvent: 'aud',
  trainingMix: 'mix',
  coverageReport: 'cov',
  event: 'evt',
  webhookEndpoint: 'whep',
  webhookDelivery: 'whd',
  vendorNotice: 'vnt',
} as const;

export type NodeKind = keyof typeof ID_PREFIXES;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

let lastTime = 0;
let lastRandom: number[] = [];

/**
 * A new prefixed, time-ordered ID (ULID-like: 10 chars of time, 16 random). Monotonic within the process: IDs made
 * in the same millisecond (or under a stopped test clock) still sort in creation order.
 * @example newId('dataset') // 'ds_01jd5k...'
 */
export function newId(kind: NodeKind, now: number = Date.now()): string {
  if (now <= lastTime) {
    // Increment the random part as a base-32 number.
    let i = lastRandom.length - 1;
    while (i >= 0 && lastRandom[i] === 31) lastRandom[i--] = 0;
    if (i >= 0) lastRandom[i]! += 1;
  } else {
    lastTime = now;
    lastRandom = [...randomBytes(16)].map((b) => b % 32);
    // Leave headroom so increments within one millisecond do not wrap.
    lastRandom[0] = lastRandom[0]! % 16;
  }
  return `${ID_PREFIXES[kind]}_${encodeTime(lastTime)}${lastRandom.map((d) => CROCKFORD[d]).join('')}`;
}

const ID_SHAPE = /^([a-z]+)_[0-9a-z]{26}$/;

/** Which kind of node an ID names, or undefined when it is not one of ours. */
export function kindOfId(id: string): NodeKind | undefined {
  const m = ID_SHAPE.exec(id);
  if (!m) return undefined;
  const prefix = m[1];
  return (Object.keys(ID_PREFIXES) as NodeKind[]).find((k) => ID_PREFIXES[k] === prefix);
}
