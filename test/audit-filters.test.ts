import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { REJECT, createOffer, purchase } from './support/commerce.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let buyer: Org;
let otherBuyer: Org;
let requestId: string;

const EVENTS = `query($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) { totalCount nodes { id action licenseId } pageInfo { hasNextPage endCursor } }
}`;

/** Every event the filter selects, through every page. */
async function events(
  filter: Record<string, unknown>,
  key = ADMIN_KEY,
): Promise<{ id: string; action: string; licenseId: string | null }[]> {
  const out = [];
  for (let after: string | undefined; ;) {
    const page = ok(await app.gql(EVENTS, { filter, first: 100, after }, key)).auditEvents;
    out.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}
const actionsOf = (rows: { action: string }[]) => new Set(rows.map((r) => r.action));

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer, otherBuyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
  const { datasetId } = await publishDataset(app, vendor);
  const offerId = await createOffer(app, vendor, datasetId, { requiresApproval: true });
  requestId = ok(await purchase(app, buyer, offerId)).purchaseLicense.license.id;
  ok(await app.gql(REJECT, { id: requestId, reason: 'Not now' }, vendor.key));
  ok(await purchase(app, otherBuyer, await createOffer(app, vendor, datasetId)));
  ok(await app.gql(`mutation { createApiKey(input: { name: "ci" }) { secret } }`, {}, vendor.key));
});
afterAll(async () => {
  await app?.close();
});

describe('auditEvents action filters', () => {
  it('takes several actions at once: the union of the single-action answers', async () => {
    const created = await events({ action: 'license.created' });
    const rejected = await events({ action: 'license.rejected' });
    expect(created.length).toBeGreaterThanOrEqual(2);
    expect(rejected.map((e) => e.licenseId)).toEqual([requestId]);
    const both = await events({ actions: ['license.created', 'license.rejected'] });
    expect(new Set(both.map((e) => e.id))).toEqual(new Set([...created, ...rejected].map((e) => e.id)));
    expect(actionsOf(both)).toEqual(new Set(['license.created', 'license.rejected']));
    // `action` stays an alias, combined with `actions`.
    expect((await events({ action: 'license.created', actions: ['license.rejected'] })).length).toBe(both.length);
  });

  it('takes an action prefix, with or without a trailing *', async () => {
    const all = await events({});
    const license = await events({ actionPrefix: 'license.' });
    expect(license.map((e) => e.id)).toEqual(all.filter((e) => e.action.startsWith('license.')).map((e) => e.id));
    expect(license.length).toBeGreaterThanOrEqual(3);
    expect((await events({ actionPrefix: 'license.*' })).map((e) => e.id)).toEqual(license.map((e) => e.id));
    // `_` is taken literally, not as a wildcard.
    const keys = await events({ actionPrefix: 'api_key.' });
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.map((e) => e.id)).toEqual(all.filter((e) => e.action.startsWith('api_key.')).map((e) => e.id));
    // With `actions`, an event matches either.
    const either = await events({ actionPrefix: 'license.', actions: ['admin.bootstrapped'] });
    expect(either.length).toBe(license.length + 1);
  });

  it("shows a member only its organization's events, whatever the actions", async () => {
    const mine = await events({ actionPrefix: 'license.' }, otherBuyer.key);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.some((e) => e.licenseId === requestId)).toBe(false);
    expect(await events({ actions: ['license.rejected'] }, otherBuyer.key)).toEqual([]);
    expect((await events({ actions: ['license.rejected'] }, buyer.key)).map((e) => e.licenseId)).toEqual([requestId]);
    expect((await events({ actions: ['license.rejected'] }, vendor.key)).map((e) => e.licenseId)).toEqual([requestId]);
    expectError(await app.gql(EVENTS, { filter: { actionPrefix: 'license.' } }), 'UNAUTHENTICATED');
  });

  it('refuses bad actions and prefixes, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ actions: [] }, 'filter.actions'],
      [{ actions: ['license.created', 'DROP TABLE'] }, 'filter.actions.1'],
      [{ actions: Array.from({ length: 51 }, (_, i) => `a.b${'x'.repeat(i)}`) }, 'filter.actions'],
      [{ actionPrefix: 'license.%' }, 'filter.actionPrefix'],
      [{ actionPrefix: '' }, 'filter.actionPrefix'],
      [{ actionPrefix: '*' }, 'filter.actionPrefix'],
      [{ action: 'license' }, 'filter.action'],
    ];
    for (const [filter, field] of cases) expectError(await app.gql(EVENTS, { filter }, ADMIN_KEY), 'BAD_USER_INPUT', field);
  });
});

describe('/audit/export action filters', () => {
  const exportLines = async (params: Record<string, string>, key = ADMIN_KEY) => {
    const res = await fetch(`${app.url}/audit/export?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, text: await res.text() };
  };
  const parse = (text: string) =>
    text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; action: string });

  it('accepts actions (comma-separated) and actionPrefix, like auditEvents', async () => {
    const both = await exportLines({ actions: 'license.created,license.rejected' });
    expect(both.status).toBe(200);
    const gql = await events({ actions: ['license.created', 'license.rejected'] });
    expect(new Set(parse(both.text).map((e) => e.id))).toEqual(new Set(gql.map((e) => e.id)));
    const prefixed = await exportLines({ actionPrefix: 'license.*' });
    expect(parse(prefixed.text).map((e) => e.id)).toEqual((await events({ actionPrefix: 'license.' })).map((e) => e.id).reverse());
    const member = parse((await exportLines({ actions: 'license.rejected' }, otherBuyer.key)).text);
    expect(member).toEqual([]);
  });

  it('refuses bad ones with 400 naming the parameter', async () => {
    for (const [params, field] of [
      [{ actions: 'license.created,DROP' }, 'actions.1'],
      [{ actionPrefix: 'license.%' }, 'actionPrefix'],
    ] as const) {
      const res = await exportLines(params);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ error: 'BAD_USER_INPUT', field });
    }
  });
});
