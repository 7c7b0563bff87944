/** One party's share of a payment, in basis points of it. */
export interface ShareRequest {
  /** A stable key: the party (`platform`, `vendor`, an organization id for a royalty). */
  key: string;
  basisPoints: number;
}

export interface Share {
  key: string;
  basisPoints: number;
  amountCents: number;
}

/**
 * Splits `amountCents` by basis points with the largest-remainder method: each share gets the floor of its exact
 * amount, then the cents left over go one each to the largest fractional remainders (ties: in the order given).
 * The shares always add up to the payment exactly. `shares` must sum to 10000 basis points.
 * @example splitByBasisPoints(999, [{ key: 'platform', basisPoints: 1000 }, { key: 'vendor', basisPoints: 9000 }])
 *   // [{ key: 'platform', amountCents: 100 }, { key: 'vendor', amountCents: 899 }]
 */
export function splitByBasisPoints(amountCents: number, shares: ShareRequest[]): Share[] {
  if (!Number.isSafeInteger(amountCents) || amountCents < 0) throw new RangeError('amountCents must be a non-negative integer');
  const total = shares.reduce((s, r) => s + r.basisPoints, 0);
  if (total !== 10_000 || shares.some((r) => !Number.isInteger(r.basisPoints) || r.basisPoints < 0)) {
    throw new RangeError('shares must be non-negative integer basis points adding up to 10000');
  }
  const exact = shares.map((r) => ({
    ...r,
    floor: Math.floor((amountCents * r.basisPoints) / 10_000),
    rem: (amountCents * r.basisPoints) % 10_000,
  }));
  let left = amountCents - exact.reduce((s, e) => s + e.floor, 0);
  const order = exact.map((e, i) => ({ i, rem: e.rem })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  const extra = new Array<number>(shares.length).fill(0);
  for (const { i } of order) {
    if (left === 0) break;
    extra[i] = 1;
    left--;
  }
  return exact.map((e, i) => ({ key: e.key, basisPoints: e.basisPoints, amountCents: e.floor + extra[i]! }));
}

export interface RoyaltyClaim {
  organizationId: string;
  sourceDatasetId: string;
  basisPoints: number;
}

export interface PaymentSplit {
  platformFee: Share;
  vendorShare: Share;
  royalties: (Share & { organizationId: string; sourceDatasetId: string })[];
}

/**
 * A payment's ledger: the platform fee, every upstream royalty and what is left for the selling vendor.
 * When the fee and royalties together would exceed the payment, the royalties are scaled down (floor) so that they
 * fit in what the fee leaves; the vendor share is never negative.
 * @example splitPayment(10_000, 1000, [{ organizationId: 'org_a', sourceDatasetId: 'ds_a', basisPoints: 500 }])
 */
export function splitPayment(amountCents: number, platformFeeBps: number, claims: RoyaltyClaim[]): PaymentSplit {
  const room = 10_000 - platformFeeBps;
  const asked = claims.reduce((s, c) => s + c.basisPoints, 0);
  const scaled = asked <= room ? claims : claims.map((c) => ({ ...c, basisPoints: Math.floor((c.basisPoints * room) / asked) }));
  const royaltyBps = scaled.reduce((s, c) => s + c.basisPoints, 0);
  const shares = splitByBasisPoints(amountCents, [
    { key: 'platform', basisPoints: platformFeeBps },
    ...scaled.map((c) => ({ key: `royalty:${c.organizationId}`, basisPoints: c.basisPoints })),
    { key: 'vendor', basisPoints: 10_000 - platformFeeBps - royaltyBps },
  ]);
  return {
    platformFee: shares[0]!,
    royalties: scaled.map((c, i) => ({ ...shares[i + 1]!, organizationId: c.organizationId, sourceDatasetId: c.sourceDatasetId })),
    vendorShare: shares.at(-1)!,
  };
}

/** Merges claims of the same organization (one royalty line per upstream vendor) keeping the first source dataset. */
export function mergeClaims(claims: RoyaltyClaim[]): RoyaltyClaim[] {
  const byOrg = new Map<string, RoyaltyClaim>();
  for (const c of claims) {
    const seen = byOrg.get(c.organizationId);
    byOrg.set(c.organizationId, seen ? { ...seen, basisPoints: seen.basisPoints + c.basisPoints } : { ...c });
  }
  return [...byOrg.values()].sort((a, b) => (a.organizationId < b.organizationId ? -1 : 1));
}
