import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { OPEN_TERMS, dataFile, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

// What generic HTTP clients and proxies rely on at GET /data/...: RFC 6750 challenges, an actionable 402,
// and RFC 9110 conditional, range and HEAD semantics in which only responses that send data are usage.

let app: TestApp;
let vendor: Org;
let buyer: Org;
let datasetId: string;
let versionId: string;
let otherVersionId: string;
const content = randomBytes(64 * 1024);
const FILE = 'data/train.bin';

const ISSUE = `mutation($input: IssueAccessTokenInput!) { issueAccessToken(input: $input) { token accessToken { id } } }`;
const PURCHASE = `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { license { id status } } }`;
const CREATE_OFFER = `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`;
const CURRENT_USAGE = `query($id: ID!) { license(id: $id) { currentUsage { used usageCap resetsAt } } }`;

async function license(offer: Record<string, unknown>): Promise<string> {
  const offerId = ok(
    await app.gql(CREATE_OFFER, { input: { datasetId, name: `Offer ${Math.random()}`, terms: OPEN_TERMS, ...offer } }, vendor.key),
  ).createOffer.offer.id;
  const lic = ok(await app.gql(PURCHASE, { input: { offerId, idempotencyKey: `k-${Math.random()}` } }, buyer.key)).purchaseLicense.license;
  expect(lic.status).toBe('ACTIVE');
  return lic.id;
}
const requestCapped = () => license({ pricingModel: 'USAGE', currency: 'usd', usageUnit: 'REQUEST', unitAmountCents: 1, usageCap: 2 });

async function issue(licenseId: string, extra: Record<string, unknown> = {}) {
  return ok(await app.gql(ISSUE, { input: { licenseId, ...extra } }, buyer.key)).issueAccessToken as {
    token: string;
    accessToken: { id: string };
  };
}

function get(token: string | undefined, headers: Record<string, string> = {}, method = 'GET', path = `/data/${versionId}/${FILE}`) {
  return fetch(`${app.url}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

async function usedRequests(licenseId: string): Promise<number> {
  return ok(await app.gql(CURRENT_USAGE, { id: licenseId }, buyer.key)).license.currentUsage.used;
}

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  ({ datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile(FILE, content, 100)] }));
  otherVersionId = (await publishDataset(app, vendor, {}, { files: [dataFile('x.bin', 'x', 1)] })).versionId;
});
afterAll(async () => {
  await app?.close();
});

describe('token refusals (RFC 6750)', () => {
  it('answers 401 invalid_token for a malformed, expired, revoked or unknown-key token, with a JSON code', async () => {
    const missing = await get(undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="assay-data"');
    expect(await missing.json()).toMatchObject({ code: 'MISSING_TOKEN' });

    const lic = await license({ pricingModel: 'FREE' });
    const expiring = (await issue(lic, { ttlSeconds: 60 })).token;
    const revoked = await issue(lic);
    ok(
      await app.gql(
        `mutation($id: ID!) { revokeAccessToken(input: { id: $id }) { accessToken { id } } }`,
        { id: revoked.accessToken.id },
        buyer.key,
      ),
    );
    const [header, payload, signature] = (await issue(lic)).token.split('.');
    const otherKid = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'no-such-key' })).toString('base64url')}.${payload}.${signature}`;
    void header;
    app.clock.advance(61_000);

    for (const [token, code] of [
      ['not-a-jwt', 'MALFORMED'],
      [expiring, 'EXPIRED'],
      [revoked.token, 'TOKEN_REVOKED'],
      [otherKid, 'UNKNOWN_KEY'],
    ] as const) {
      const res = await get(token);
      expect(res.status, code).toBe(401);
      const challenge = res.headers.get('www-authenticate')!;
      expect(challenge, code).toMatch(/^Bearer realm="assay-data", error="invalid_token", error_description="[^"]+"$/);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json(), code).toMatchObject({ code, error: code, message: expect.any(String) });
    }
  });

  it('answers 403 insufficient_scope for a valid token that does not cover the version or the scope', async () => {
    const lic = await license({ pricingModel: 'FREE' });
    const pinned = (await issue(lic, { versionIds: [versionId] })).token;
    const uncovered = await get(pinned, {}, 'GET', `/data/${otherVersionId}/x.bin`);
    expect(uncovered.status).toBe(403);
    expect(uncovered.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="assay-data", error="insufficient_scope", error_description="/,
    );
    expect(await uncovered.json()).toMatchObject({ code: 'VERSION_NOT_COVERED' });

    const metadataOnly = (await issue(lic, { scopes: ['metadata:read'] })).token;
    const noScope = await get(metadataOnly);
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="data:read"$/);
    expect(await noScope.json()).toMatchObject({ code: 'SCOPE_MISSING' });
  });

  it('answers 403 without a challenge when the license ended (a new token would not help), and 404 for a missing file', async () => {
    const lic = await license({ pricingModel: 'FREE' });
    const { token } = await issue(lic);
    ok(
      await app.gql(
        `mutation($id: ID!) { revokeLicense(input: { id: $id, reason: "abuse" }) { license { status } } }`,
        { id: lic },
        ADMIN_KEY,
      ),
    );
    app.clock.advance(1100);
    const refused = await get(token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBeNull();
    expect(await refused.json()).toMatchObject({ code: 'LICENSE_NOT_ACTIVE' });
    const fresh = (await issue(await license({ pricingModel: 'FREE' }))).token;
    const missing = await get(fresh, {}, 'GET', `/data/${versionId}/data/none.bin`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('answers 401 with a challenge for a refused API key on the plain routes and on GraphQL', async () => {
    const upload = await fetch(`${app.url}/uploads/upl_x`, {
      method: 'PUT',
      headers: { authorization: 'Bearer ak_nope_nope_nope_nope_nope' },
      body: 'x',
    });
    expect(upload.status).toBe(401);
    expect(upload.headers.get('www-authenticate')).toMatch(/^Bearer realm="assay", error="invalid_token"/);
    expect(await upload.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const graphql = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ak_nope_nope_nope_nope_nope' },
      body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
    });
    expect(graphql.status).toBe(401);
    expect(graphql.headers.get('www-authenticate')).toMatch(/^Bearer realm="assay", error="invalid_token"/);
    expect(((await graphql.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('the cap refusal (402)', () => {
  it('says the unit, the cap, the usage so far and when the period resets, with Retry-After', async () => {
    const lic = await requestCapped();
    const { token } = await issue(lic);
    for (let i = 0; i < 2; i++) expect((await (await get(token)).arrayBuffer()).byteLength).toBe(content.length);
    const refused = await get(token);
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'USAGE_CAP_REACHED', usageUnit: 'REQUEST', usageCap: 2, used: 2, requested: 1, remaining: 0 });
    const { resetsAt } = ok(await app.gql(CURRENT_USAGE, { id: lic }, buyer.key)).license.currentUsage;
    expect(body.resetsAt).toBe(new Date(resetsAt).toISOString());
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBe(Math.ceil((Date.parse(resetsAt) - app.clock.now().getTime()) / 1000));
    expect(retryAfter).toBeGreaterThan(27 * 24 * 3600);
  });
});

describe('only served data is usage (RFC 9110)', () => {
  it('does not count 304, 416 or HEAD answers, and still answers them at the cap', async () => {
    const lic = await requestCapped();
    const { token } = await issue(lic);
    const etag = `"${(await import('node:crypto')).createHash('sha256').update(content).digest('hex')}"`;
    for (const [headers, method, status] of [
      [{ 'if-none-match': etag }, 'GET', 304],
      [{ range: `bytes=${content.length}-` }, 'GET', 416],
      [{}, 'HEAD', 200],
      [{ range: 'bytes=0-9' }, 'HEAD', 200],
    ] as const) {
      const res = await get(token, headers, method);
      expect(res.status, `${method} ${JSON.stringify(headers)}`).toBe(status);
      await res.arrayBuffer();
    }
    expect(await usedRequests(lic)).toBe(0);
    // Two real downloads reach the cap; conditional requests and HEAD are still answered, not refused 402.
    await (await get(token)).arrayBuffer();
    await (await get(token, { range: 'bytes=0-9' })).arrayBuffer();
    expect(await usedRequests(lic)).toBe(2);
    expect((await get(token)).status).toBe(402);
    expect((await get(token, { 'if-none-match': etag })).status).toBe(304);
    expect((await get(token, {}, 'HEAD')).status).toBe(200);
    expect(await usedRequests(lic)).toBe(2);
  });

  it('sends the file Content-Length on HEAD, ignoring Range', async () => {
    const { token } = await issue(await license({ pricingModel: 'FREE' }));
    const head = await get(token, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(content.length));
    expect(head.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    const ranged = await get(token, { range: 'bytes=0-9' }, 'HEAD');
    expect(ranged.status).toBe(200);
    expect(ranged.headers.get('content-length')).toBe(String(content.length));
  });

  it('matches If-None-Match lists, * and weak validators', async () => {
    const { token } = await issue(await license({ pricingModel: 'FREE' }));
    const etag = (await get(token, {}, 'HEAD')).headers.get('etag')!;
    for (const header of ['*', `"nope", ${etag}`, `W/${etag}`, `"a",W/${etag} , "b"`]) {
      expect((await get(token, { 'if-none-match': header })).status, header).toBe(304);
    }
    for (const header of ['"nope"', `"nope", W/"other"`]) {
      const res = await get(token, { 'if-none-match': header });
      expect(res.status, header).toBe(200);
      await res.arrayBuffer();
    }
  });

  it('ignores a syntactically invalid range (bytes=5-1) and serves the whole file', async () => {
    const { token } = await issue(await license({ pricingModel: 'FREE' }));
    const res = await get(token, { range: 'bytes=5-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-range')).toBeNull();
    expect((await res.arrayBuffer()).byteLength).toBe(content.length);
  });
});

describe('usage reads right after a download', () => {
  it('include what this process served and has not written yet (currentUsage and usage)', async () => {
    const lic = await license({ pricingModel: 'USAGE', currency: 'usd', usageUnit: 'REQUEST', unitAmountCents: 1, usageCap: 100 });
    const { token } = await issue(lic);
    const from = new Date(app.clock.now().getTime() - 3_600_000).toISOString();
    const to = new Date(app.clock.now().getTime() + 3_600_000).toISOString();
    const USAGE = `query($id: ID!, $from: DateTime!, $to: DateTime!) {
      usage(licenseId: $id, from: $from, to: $to, granularity: DAY) { requests bytes }
      license(id: $id) { currentUsage { used } } }`;
    // Hold the writes back (they fail and stay buffered, as in an outage) so the reads come before them for sure.
    const pool = app.database.pool;
    await pool.query(`CREATE FUNCTION hold_usage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'held'; END $$`);
    await pool.query(`CREATE TRIGGER hold_usage BEFORE INSERT ON usage_events FOR EACH ROW EXECUTE FUNCTION hold_usage()`);
    await (await get(token)).arrayBuffer();
    await (await get(token, { range: 'bytes=0-9' })).arrayBuffer();
    const read = ok(await app.gql(USAGE, { id: lic, from, to }, buyer.key));
    expect(read.license.currentUsage.used).toBe(2);
    const total = (read.usage as { requests: number; bytes: string }[]).reduce(
      (sum, p) => ({ requests: sum.requests + p.requests, bytes: sum.bytes + Number(p.bytes) }),
      { requests: 0, bytes: 0 },
    );
    expect(total).toEqual({ requests: 2, bytes: content.length + 10 });
    // Once written, the same reads give the same answer (nothing counted twice).
    await pool.query(`DROP TRIGGER hold_usage ON usage_events`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM usage_events WHERE license_id = $1', [lic]);
      if (rows[0].n === 2 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(ok(await app.gql(USAGE, { id: lic, from, to }, buyer.key))).toEqual(read);
  });
});

describe('the denial vocabulary', () => {
  it('is one closed set: the GraphQL enum lists exactly the codes the gate answers with', async () => {
    const { DENIAL_REASONS } = await import('../src/delivery/denials.js');
    const enumValues = ok(await app.gql(`{ __type(name: "DownloadDenialReason") { enumValues { name } } }`)).__type.enumValues;
    expect(enumValues.map((v: { name: string }) => v.name).sort()).toEqual([...DENIAL_REASONS].sort());
  });
});
