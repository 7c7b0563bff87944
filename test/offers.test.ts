import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { ARCHIVE_OFFER, CREATE_OFFER, PRICES, createOffer, offerInput } from './support/commerce.js';
import {
  CREATE_VERSION,
  OPEN_TERMS,
  addMember,
  createDataset,
  expectError,
  ok,
  publishDataset,
  signUp,
  versionInput,
  type Org,
} from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let otherVendor: Org;
let buyer: Org;

beforeAll(async () => {
  app = await startTestApp();
  [vendor, otherVendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
});
afterAll(async () => {
  await app?.close();
});

const OFFERS = `query($id: ID!) { dataset(id: $id) { offers { id active pricingModel } } }`;

describe('createOffer', () => {
  it('creates offers of every pricing model, with exactly the fields each takes', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    for (const [model, price] of Object.entries(PRICES)) {
      const offer = ok(await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { ...price, name: `${model} offer` }) }, vendor.key))
        .createOffer.offer;
      expect(offer).toMatchObject({ ...price, active: true, versionScope: 'ALL', requiresApproval: false });
    }
    expect(ok(await app.gql(OFFERS, { id: datasetId })).dataset.offers.map((o: any) => o.pricingModel)).toEqual([
      'FREE',
      'ONE_TIME',
      'SUBSCRIPTION',
      'USAGE',
    ]);
  });

  it('validates prices, currencies and fields per pricing model, naming the field', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...PRICES.ONE_TIME, currency: 'USD' }, 'input.currency'],
      [{ ...PRICES.ONE_TIME, currency: 'xyz' }, 'input.currency'],
      [{ ...PRICES.ONE_TIME, amountCents: 0 }, 'input.amountCents'],
      [{ ...PRICES.ONE_TIME, amountCents: 10.5 }, 'input.amountCents'],
      [{ ...PRICES.ONE_TIME, amountCents: 100_000_000 }, 'input.amountCents'],
      [{ ...PRICES.ONE_TIME, amountCents: null }, 'input.amountCents'],
      [{ ...PRICES.ONE_TIME, termDays: 0 }, 'input.termDays'],
      [{ ...PRICES.FREE, amountCents: 500 }, 'input.amountCents'],
      [{ ...PRICES.FREE, currency: 'usd' }, 'input.currency'],
      [{ ...PRICES.SUBSCRIPTION, billingInterval: null }, 'input.billingInterval'],
      [{ ...PRICES.SUBSCRIPTION, termDays: 30 }, 'input.termDays'],
      [{ ...PRICES.USAGE, usageUnit: null }, 'input.usageUnit'],
      [{ ...PRICES.USAGE, amountCents: 100 }, 'input.amountCents'],
      [{ ...PRICES.USAGE, unitAmountCents: -1 }, 'input.unitAmountCents'],
      [{ ...PRICES.USAGE, includedUnits: 100, usageCap: 50 }, 'input.usageCap'],
      [{ ...PRICES.ONE_TIME, usageUnit: 'GIGABYTE' }, 'input.usageUnit'],
      [{ royaltyBps: 0 }, 'input.royaltyBps'],
      [{ royaltyBps: 5001 }, 'input.royaltyBps'],
      [{ name: '' }, 'input.name'],
    ];
    for (const [overrides, field] of cases) {
      expectError(await app.gql(CREATE_OFFER, { input: offerInput(datasetId, overrides) }, vendor.key), 'BAD_USER_INPUT', field);
    }
  });

  it('pins only published versions of the same dataset', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const other = await publishDataset(app, vendor);
    const draft = ok(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { version: '2.0.0' }) }, vendor.key))
      .createDatasetVersion.datasetVersion.id;
    const pin = (versionIds: string[] | null, scope = 'PINNED') => ({ versions: { scope, versionIds } });
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(datasetId, pin([])) }, vendor.key),
      'BAD_USER_INPUT',
      'input.versions.versionIds',
    );
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(datasetId, pin([other.versionId])) }, vendor.key),
      'BAD_USER_INPUT',
      'input.versions.versionIds.0',
    );
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(datasetId, pin([versionId, draft])) }, vendor.key),
      'BAD_USER_INPUT',
      'input.versions.versionIds.1',
    );
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(datasetId, pin([versionId], 'ALL')) }, vendor.key),
      'BAD_USER_INPUT',
      'input.versions.versionIds',
    );
    const offer = ok(await app.gql(CREATE_OFFER, { input: offerInput(datasetId, pin([versionId])) }, vendor.key)).createOffer.offer;
    expect(offer.versionScope).toBe('PINNED');
  });

  it('refuses offers granting more than the dataset terms allow, naming the term', async () => {
    const restricted = { ...OPEN_TERMS, commercialUse: false, redistribution: false, attributionRequired: true };
    const { datasetId } = await publishDataset(app, vendor, { terms: restricted });
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { terms: { ...restricted, commercialUse: true } }) }, vendor.key),
      'BAD_USER_INPUT',
      'input.terms.commercialUse',
    );
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { terms: { ...restricted, redistribution: true } }) }, vendor.key),
      'BAD_USER_INPUT',
      'input.terms.redistribution',
    );
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { terms: { ...restricted, attributionRequired: false } }) }, vendor.key),
      'BAD_USER_INPUT',
      'input.terms.attributionRequired',
    );
    // Granting less is fine.
    ok(await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { terms: { ...restricted, modelTraining: false } }) }, vendor.key));
  });

  it('takes what the ancestry allows when createOffer leaves terms out, and may only narrow it', async () => {
    const nonCommercial = { ...OPEN_TERMS, spdxId: 'CC-BY-NC-4.0', commercialUse: false };
    const real = await publishDataset(
      app,
      vendor,
      { kind: 'REAL', terms: nonCommercial },
      { provenance: { collectionMethod: 'SURVEY', consentBasis: 'EXPLICIT_CONSENT', collectionDescription: 'Paid panel' } },
    );
    const synthetic = await publishDataset(
      app,
      vendor,
      { kind: 'SYNTHETIC', terms: { ...OPEN_TERMS, attributionRequired: false } },
      {
        provenance: {
          method: 'LLM_GENERATION',
          generator: { model: 'llama-3.1-70b', version: '2024-07', provider: 'Meta', parameters: {} },
          sources: [{ versionId: real.versionId, role: 'SEED', rowsUsed: '1000' }],
        },
      },
    );
    // The synthetic dataset's own terms are open, but its source is non-commercial and asks for attribution.
    const inherited = ok(await app.gql(CREATE_OFFER, { input: offerInput(synthetic.datasetId, { terms: undefined }) }, vendor.key))
      .createOffer.offer;
    expect(inherited.terms).toMatchObject({ commercialUse: false, attributionRequired: true, derivatives: true, modelTraining: true });
    // Without sources, the dataset's own terms.
    const restricted = { ...OPEN_TERMS, redistribution: false };
    const plain = await publishDataset(app, vendor, { terms: restricted });
    const own = ok(await app.gql(CREATE_OFFER, { input: offerInput(plain.datasetId, { terms: undefined }) }, vendor.key)).createOffer.offer;
    expect(own.terms).toMatchObject({ commercialUse: true, redistribution: false, attributionRequired: OPEN_TERMS.attributionRequired });
    // Given terms still may only narrow.
    expectError(
      await app.gql(
        CREATE_OFFER,
        { input: offerInput(synthetic.datasetId, { terms: { ...OPEN_TERMS, commercialUse: true } }) },
        vendor.key,
      ),
      'BAD_USER_INPUT',
      'input.terms.commercialUse',
    );
    // Only the vendor's members, as for any offer.
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(synthetic.datasetId, { terms: undefined }) }, otherVendor.key),
      'FORBIDDEN',
    );
  });

  it('lets any member of the vendor create offers, and nobody else', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const member = await addMember(app, vendor, 'MEMBER');
    ok(await app.gql(CREATE_OFFER, { input: offerInput(datasetId) }, member.key));
    expectError(await app.gql(CREATE_OFFER, { input: offerInput(datasetId) }), 'UNAUTHENTICATED');
    expectError(await app.gql(CREATE_OFFER, { input: offerInput(datasetId) }, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(CREATE_OFFER, { input: offerInput(datasetId) }, otherVendor.key), 'FORBIDDEN');
    expectError(await app.gql(CREATE_OFFER, { input: offerInput(datasetId) }, ADMIN_KEY), 'FORBIDDEN');
    // Another vendor's draft is not even confirmed to exist.
    const draft = await createDataset(app, vendor);
    expectError(await app.gql(CREATE_OFFER, { input: offerInput(draft) }, otherVendor.key), 'NOT_FOUND', 'input.datasetId');
    ok(await app.gql(CREATE_OFFER, { input: offerInput(draft) }, vendor.key));
  });
});

describe('archiveOffer', () => {
  it('hides archived offers from the public, keeps them for the vendor; only the vendor may archive', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId);
    expectError(await app.gql(ARCHIVE_OFFER, { id: offerId }), 'UNAUTHENTICATED');
    expectError(await app.gql(ARCHIVE_OFFER, { id: offerId }, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(ARCHIVE_OFFER, { id: offerId }, otherVendor.key), 'FORBIDDEN');
    expect(ok(await app.gql(ARCHIVE_OFFER, { id: offerId }, vendor.key)).archiveOffer.offer.active).toBe(false);
    expect(ok(await app.gql(ARCHIVE_OFFER, { id: offerId }, vendor.key)).archiveOffer.offer.active).toBe(false);
    expect(ok(await app.gql(OFFERS, { id: datasetId }, buyer.key)).dataset.offers).toEqual([]);
    expect(ok(await app.gql(OFFERS, { id: datasetId }, vendor.key)).dataset.offers).toEqual([
      { id: offerId, active: false, pricingModel: 'FREE' },
    ]);
    expect(ok(await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: offerId }, buyer.key)).node).toBeNull();
    expect(ok(await app.gql(`query($id: ID!) { node(id: $id) { ... on Offer { id active } } }`, { id: offerId }, vendor.key)).node).toEqual(
      { id: offerId, active: false },
    );
  });
});

describe('Dataset.offers', () => {
  it('loads the offers of a whole catalog page in one query', async () => {
    const tagged = `offers-batch-${process.pid}`;
    const page = `query { datasets(filter: { tags: ["${tagged}"] }, first: 50) { nodes { id offers { id name } } } }`;
    const statementsFor = async () => {
      const res = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: page }),
      });
      await res.json();
      return Number(res.headers.get('x-sql-statements'));
    };
    for (let i = 0; i < 2; i++) await createOffer(app, vendor, (await publishDataset(app, vendor, { tags: [tagged] })).datasetId);
    const few = await statementsFor();
    for (let i = 0; i < 4; i++) await createOffer(app, vendor, (await publishDataset(app, vendor, { tags: [tagged] })).datasetId);
    expect(await statementsFor()).toBe(few);
  });
});
