import { expect } from 'vitest';
import { usageEvents } from '../../src/db/tables/index.js';
import { newId } from '../../src/ids.js';
import { MeteringWorker } from '../../src/metering/worker.js';
import type { ApiClient, TestApp } from './app.js';
import { OPEN_TERMS, ok, type Org } from './fixtures.js';
import { purchase } from './commerce.js';
import { waitFor } from './webhook-receiver.js';

export const CREATE_OFFER = `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`;

/** A USAGE offer on the dataset and an ACTIVE license of it for `buyer`. */
export async function usageLicense(
  app: ApiClient,
  vendor: Org,
  buyer: Org,
  datasetId: string,
  price: { usageUnit: 'GIGABYTE' | 'THOUSAND_ROWS' | 'REQUEST'; usageCap?: number; includedUnits?: number },
): Promise<{ offerId: string; licenseId: string }> {
  const offerId = ok(
    await app.gql(
      CREATE_OFFER,
      {
        input: {
          datasetId,
          name: `Metered ${price.usageUnit} ${Math.random()}`,
          pricingModel: 'USAGE',
          currency: 'usd',
          unitAmountCents: 5,
          terms: OPEN_TERMS,
          ...price,
        },
      },
      vendor.key,
    ),
  ).createOffer.offer.id as string;
  const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
  expect(license.status).toBe('ACTIVE');
  return { offerId, licenseId: license.id };
}

export async function accessToken(app: ApiClient, buyer: Org, licenseId: string): Promise<string> {
  return ok(
    await app.gql(
      `mutation($l: ID!) { issueAccessToken(input: { licenseId: $l, ttlSeconds: 86400 }) { token } }`,
      { l: licenseId },
      buyer.key,
    ),
  ).issueAccessToken.token;
}

/** Usage written straight into the table, as the recorder would (a late batch, or history for a bulk test). */
export async function insertUsage(
  app: TestApp,
  rows: { licenseId: string; organizationId: string; versionId: string; servedAt: Date; bytes: number; rows: number }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await app.database.db.insert(usageEvents).values(
      rows.slice(i, i + 1000).map((r) => ({
        id: newId('usageEvent'),
        tokenId: 'tok_test',
        filePath: 'data/part.bin',
        status: 200,
        clientAddress: '127.0.0.1',
        ...r,
      })),
    );
  }
}

/** A metering pipeline on the app's database, clock and configuration, to flush on demand. */
export function meteringWorker(app: TestApp): MeteringWorker {
  return new MeteringWorker(app.database.db, app.clock, app.config, () => undefined);
}

/**
 * Waits until the server has written `count` usage events for the license: a response is recorded when its socket
 * closes (just after the client has the last byte) and the recorder writes in batches every 100 ms.
 */
export async function usageRecorded(app: TestApp, licenseId: string, count: number): Promise<void> {
  await waitFor(async () => {
    const { rows } = await app.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events WHERE license_id = $1', [
      licenseId,
    ]);
    return rows[0]!.n >= count;
  });
}

/** Waits until the server has written `count` refused downloads of the license (batched like usage). */
export async function denialsRecorded(app: TestApp, licenseId: string, count: number): Promise<void> {
  await waitFor(async () => {
    const { rows } = await app.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM access_denials WHERE license_id = $1', [
      licenseId,
    ]);
    return rows[0]!.n >= count;
  });
}
