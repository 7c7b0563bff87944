import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { CREATE_OFFER, REJECT, newKey, offerInput } from './support/commerce.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

const QUESTIONS = [
  { key: 'intended_use', label: 'What will you use the data for?', kind: 'TEXT', required: true },
  { key: 'org_type', label: 'Organization type', kind: 'SINGLE_CHOICE', required: true, options: ['ACADEMIC', 'COMMERCIAL'] },
  { key: 'country', label: 'Country of your organization', kind: 'COUNTRY', required: true },
  { key: 'accept_terms', label: 'I accept the terms of use', kind: 'CHECKBOX', required: true },
  { key: 'newsletter', label: 'Send me release notes', kind: 'CHECKBOX' },
];
const GOOD = [
  { key: 'intended_use', value: '  Fine-tuning an ASR model for clinics  ' },
  { key: 'org_type', value: 'ACADEMIC' },
  { key: 'country', value: 'DE' },
  { key: 'accept_terms', value: 'true' },
];
const PURCHASE = `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { license { id status accessAnswers { key label value } } } }`;
const LICENSE = `query($id: ID!) { license(id: $id) { id status rejectionReason accessAnswers { key label value } } }`;

let app: TestApp;
let vendor: Org;
let buyer: Org;
let offerId: string;

const buy = (org: Org, answers: unknown) => app.gql(PURCHASE, { input: { offerId, idempotencyKey: newKey(), answers } }, org.key);
const replace = (key: string, value: string) => GOOD.map((a) => (a.key === key ? { key, value } : a));

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  const { datasetId } = await publishDataset(app, vendor);
  const created = ok(
    await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { requiresApproval: true, questions: QUESTIONS }) }, vendor.key),
  );
  offerId = created.createOffer.offer.id;
});
afterAll(async () => {
  await app?.close();
});

describe('access requests with questions', () => {
  it('shows the questions on the offer', async () => {
    const offer = ok(
      await app.gql(`query($id: ID!) { node(id: $id) { ... on Offer { questions { key label kind required options } } } }`, {
        id: offerId,
      }),
    ).node;
    expect(offer.questions).toEqual(QUESTIONS.map((q) => ({ required: false, options: [], ...q })));
  });

  it('refuses each bad answer, naming it by its question', async () => {
    const cases: [unknown, string][] = [
      [GOOD.filter((a) => a.key !== 'intended_use'), 'input.answers.intended_use'],
      [replace('intended_use', '   '), 'input.answers.intended_use'],
      [replace('intended_use', 'x'.repeat(2001)), 'input.answers.intended_use'],
      [replace('org_type', 'GOVERNMENT'), 'input.answers.org_type'],
      [replace('country', 'XX'), 'input.answers.country'],
      [replace('country', 'de'), 'input.answers.country'],
      [GOOD.filter((a) => a.key !== 'country'), 'input.answers.country'],
      [replace('accept_terms', 'false'), 'input.answers.accept_terms'],
      [replace('accept_terms', 'yes'), 'input.answers.accept_terms'],
      [[...GOOD, { key: 'newsletter', value: 'maybe' }], 'input.answers.newsletter'],
      [[...GOOD, { key: 'shoe_size', value: '44' }], 'input.answers.shoe_size'],
      [[...GOOD, { key: 'country', value: 'FR' }], 'input.answers.country'],
      [undefined, 'input.answers.intended_use'],
    ];
    for (const [answers, field] of cases) expectError(await buy(buyer, answers), 'BAD_USER_INPUT', field);
    // Nothing was requested by any of them.
    expect(ok(await app.gql(`{ licenses { totalCount } }`, {}, buyer.key)).licenses.totalCount).toBe(0);
  });

  it('stores valid answers; the vendor sees them with the request, nobody else does, and decides with a reason', async () => {
    const license = ok(await buy(buyer, [...GOOD, { key: 'newsletter', value: 'false' }])).purchaseLicense.license;
    expect(license.status).toBe('PENDING_APPROVAL');
    const expected = [
      { key: 'intended_use', label: 'What will you use the data for?', value: 'Fine-tuning an ASR model for clinics' },
      { key: 'org_type', label: 'Organization type', value: 'ACADEMIC' },
      { key: 'country', label: 'Country of your organization', value: 'DE' },
      { key: 'accept_terms', label: 'I accept the terms of use', value: 'true' },
      { key: 'newsletter', label: 'Send me release notes', value: 'false' },
    ];
    expect(ok(await app.gql(LICENSE, { id: license.id }, vendor.key)).license.accessAnswers).toEqual(expected);
    expect(ok(await app.gql(LICENSE, { id: license.id }, buyer.key)).license.accessAnswers).toEqual(expected);
    const [otherVendor, otherBuyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
    expect(ok(await app.gql(LICENSE, { id: license.id }, otherVendor.key)).license).toBeNull();
    expect(ok(await app.gql(LICENSE, { id: license.id }, otherBuyer.key)).license).toBeNull();
    expectError(await app.gql(REJECT, { id: license.id, reason: 'nope' }, otherVendor.key), 'NOT_FOUND', 'input.id');

    ok(await app.gql(REJECT, { id: license.id, reason: 'Commercial clinics only' }, vendor.key));
    expect(ok(await app.gql(LICENSE, { id: license.id }, buyer.key)).license).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'Commercial clinics only',
    });
  });

  it('refuses badly formed questions on createOffer, naming the field', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const create = (questions: unknown) => app.gql(CREATE_OFFER, { input: offerInput(datasetId, { questions }) }, vendor.key);
    expectError(await create([QUESTIONS[0], { ...QUESTIONS[2], key: 'intended_use' }]), 'BAD_USER_INPUT', 'input.questions.1.key');
    expectError(
      await create([{ key: 'pick', label: 'Pick', kind: 'SINGLE_CHOICE', options: ['only'] }]),
      'BAD_USER_INPUT',
      'input.questions.0.options',
    );
    expectError(await create([{ key: 'c', label: 'C', kind: 'COUNTRY', options: ['DE'] }]), 'BAD_USER_INPUT', 'input.questions.0.options');
    expectError(await create([{ key: 'Bad Key', label: 'x', kind: 'TEXT' }]), 'BAD_USER_INPUT', 'input.questions.0.key');
    expectError(await create([{ key: 'k', label: '', kind: 'TEXT' }]), 'BAD_USER_INPUT', 'input.questions.0.label');
    // An offer without questions takes no answers.
    const plain = ok(await app.gql(CREATE_OFFER, { input: offerInput(datasetId) }, vendor.key)).createOffer.offer.id;
    const res = await app.gql(
      PURCHASE,
      { input: { offerId: plain, idempotencyKey: newKey(), answers: [{ key: 'x', value: 'y' }] } },
      buyer.key,
    );
    expectError(res, 'BAD_USER_INPUT', 'input.answers.x');
  });
});
