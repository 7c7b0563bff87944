import { createHash, createPublicKey, createSecretKey, randomBytes } from 'node:crypto';
import http from 'node:http';
import { SignJWT, createLocalJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { SigningKeyRing } from '../src/tokens/signing-keys.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { OPEN_TERMS, dataFile, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { usageRecorded } from './support/metering.js';

let app: TestApp;
let vendor: Org;
let buyer: Org;
let otherBuyer: Org;
const content = randomBytes(256 * 1024);
const sha = createHash('sha256').update(content).digest('hex');
let versionId: string;
let otherVersionId: string;

const ISSUE = `mutation($input: IssueAccessTokenInput!) { issueAccessToken(input: $input) { token accessToken { id scopes versionIds expiresAt kid license { id } } } }`;
const PURCHASE = `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { license { id status } } }`;
const CREATE_OFFER = `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`;

async function freeLicense(datasetId: string, who: Org, extra: Record<string, unknown> = {}): Promise<string> {
  const offerId = ok(
    await app.gql(
      CREATE_OFFER,
      { input: { datasetId, name: `Offer ${Math.random()}`, pricingModel: 'FREE', terms: OPEN_TERMS, ...extra } },
      vendor.key,
    ),
  ).createOffer.offer.id;
  const license = ok(await app.gql(PURCHASE, { input: { offerId, idempotencyKey: `k-${Math.random()}` } }, who.key)).purchaseLicense
    .license;
  expect(license.status).toBe('ACTIVE');
  return license.id;
}

async function issue(licenseId: string, key = buyer.key, extra: Record<string, unknown> = {}): Promise<string> {
  return ok(await app.gql(ISSUE, { input: { licenseId, ...extra } }, key)).issueAccessToken.token;
}

function get(path: string, token?: string, headers: Record<string, string> = {}) {
  return fetch(`${app.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** A raw request, so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(app.url);
    const req = http.request({ host: u.hostname, port: u.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

let licenseId: string;
let datasetId: string;

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer, otherBuyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
  const published = await publishDataset(app, vendor, {}, { files: [dataFile('data/train.bin', content, 1000)] });
  versionId = published.versionId;
  datasetId = published.datasetId;
  otherVersionId = (await publishDataset(app, vendor, {}, { files: [dataFile('data/other.bin', 'other', 1)] })).versionId;
  licenseId = await freeLicense(datasetId, buyer);
});
afterAll(async () => {
  await app?.close();
});

describe('access tokens', () => {
  it('mints an EdDSA JWT with kid, iss, aud, sub, exp, iat, jti, license and versions, verifiable offline', async () => {
    const minted = ok(await app.gql(ISSUE, { input: { licenseId, description: 'training run 7' } }, buyer.key)).issueAccessToken;
    const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const header = decodeProtectedHeader(minted.token);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0]!.kid });
    const { payload } = await jwtVerify(minted.token, createLocalJWKSet(jwks), {
      issuer: 'assay',
      audience: 'assay-data',
      currentDate: app.clock.now(),
    });
    expect(payload).toMatchObject({ sub: buyer.id, jti: minted.accessToken.id, lic: licenseId, ver: ['*'], scope: 'data:read' });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(minted.accessToken).toMatchObject({ scopes: ['data:read'], kid: header.kid, license: { id: licenseId } });
    // Listed, never with the secret.
    const listed = ok(await app.gql(`{ accessTokens { nodes { id description } } }`, {}, buyer.key)).accessTokens.nodes;
    expect(listed).toContainEqual({ id: minted.accessToken.id, description: 'training run 7' });
    expect(ok(await app.gql(`{ accessTokens { totalCount } }`, {}, otherBuyer.key)).accessTokens.totalCount).toBe(0);
  });

  it('refuses tokens outside the license, too long, or for someone else', async () => {
    expectError(await app.gql(ISSUE, { input: { licenseId } }), 'UNAUTHENTICATED');
    expectError(await app.gql(ISSUE, { input: { licenseId } }, otherBuyer.key), 'NOT_FOUND', 'input.licenseId');
    // The vendor sees the license it sold but mints nothing for it.
    expectError(await app.gql(ISSUE, { input: { licenseId } }, vendor.key), 'FORBIDDEN');
    expectError(await app.gql(ISSUE, { input: { licenseId, ttlSeconds: 86401 } }, buyer.key), 'BAD_USER_INPUT', 'input.ttlSeconds');
    expectError(await app.gql(ISSUE, { input: { licenseId, ttlSeconds: 10 } }, buyer.key), 'BAD_USER_INPUT', 'input.ttlSeconds');
    expectError(await app.gql(ISSUE, { input: { licenseId, scopes: ['root'] } }, buyer.key), 'BAD_USER_INPUT', 'input.scopes.0');
    expectError(
      await app.gql(ISSUE, { input: { licenseId, versionIds: [otherVersionId] } }, buyer.key),
      'BAD_USER_INPUT',
      'input.versionIds.0',
    );
  });
});

describe('downloads', () => {
  it('streams the whole file and single ranges with Content-Length, ETag and Accept-Ranges', async () => {
    const token = await issue(licenseId);
    const whole = await get(`/data/${versionId}/data/train.bin`, token);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(content.length));
    expect(whole.headers.get('etag')).toBe(`"${sha}"`);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const body = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha);

    const part = await get(`/data/${versionId}/data/train.bin`, token, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${content.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(content.subarray(1000, 2000))).toBe(true);
    const tail = await get(`/data/${versionId}/data/train.bin`, token, { range: 'bytes=-100' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(content.subarray(content.length - 100))).toBe(true);
    const resumed = await get(`/data/${versionId}/data/train.bin`, token, { range: `bytes=${content.length - 5}-` });
    expect(resumed.status).toBe(206);
    expect((await resumed.arrayBuffer()).byteLength).toBe(5);
    const beyond = await get(`/data/${versionId}/data/train.bin`, token, { range: `bytes=${content.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${content.length}`);
    expect((await get(`/data/${versionId}/data/train.bin`, token, { 'if-none-match': `"${sha}"` })).status).toBe(304);
    expect((await get(`/data/${versionId}/data/missing.bin`, token)).status).toBe(404);
  });

  it('refuses bad tokens with 401, in every disguise', async () => {
    const path = `/data/${versionId}/data/train.bin`;
    const good = await issue(licenseId);
    expect((await get(path)).status).toBe(401);
    expect((await get(path, 'not-a-jwt')).status).toBe(401);
    const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const kid = jwks.keys[0]!.kid!;
    const [, payloadPart] = good.split('.');
    const claims = JSON.parse(Buffer.from(payloadPart!, 'base64url').toString());

    // Signed by another Ed25519 key that claims our kid.
    const foreign = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid }).sign(foreign.privateKey);
    expect((await get(path, forged)).status).toBe(401);
    // alg: none.
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${payloadPart}.`;
    expect((await get(path, none)).status).toBe(401);
    // HS256 keyed with the public key (algorithm confusion).
    const publicPem = createPublicKey({ key: jwks.keys[0] as any, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(createSecretKey(Buffer.from(publicPem)));
    expect((await get(path, hs)).status).toBe(401);

    // Our real key, wrong audience or issuer.
    const ring = new SigningKeyRing(app.database.db, app.secret, app.clock);
    const key = await ring.current();
    const sign = (aud: string, iss: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).setAudience(aud).setIssuer(iss).sign(key.privateKey);
    expect((await get(path, await sign('assay-data', 'assay'))).status).toBe(200);
    expect((await get(path, await sign('someone-else', 'assay'))).status).toBe(401);
    expect((await get(path, await sign('assay-data', 'evil'))).status).toBe(401);

    // Expired.
    const shortLived = await issue(licenseId, buyer.key, { ttlSeconds: 60 });
    expect((await get(path, shortLived)).status).toBe(200);
    app.clock.advance(61_000);
    const expired = await get(path, shortLived);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: 'EXPIRED' });
  });

  it('refuses a revoked token with 401 (RFC 6750 invalid_token), an uncovered version, a missing scope and a revoked license with 403', async () => {
    const path = `/data/${versionId}/data/train.bin`;
    const token = await issue(licenseId);
    const tokenId = (decodeProtectedHeader(token), JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti);
    expect((await get(path, token)).status).toBe(200);
    ok(
      await app.gql(
        `mutation($id: ID!) { revokeAccessToken(input: { id: $id }) { accessToken { revokedAt } } }`,
        { id: tokenId },
        buyer.key,
      ),
    );
    app.clock.advance(1100);
    expect((await get(path, token)).status).toBe(401);

    const fresh = await issue(licenseId);
    expect((await get(`/data/${otherVersionId}/data/other.bin`, fresh)).status).toBe(403);
    const metadataOnly = await issue(licenseId, buyer.key, { scopes: ['metadata:read'] });
    expect((await get(path, metadataOnly)).status).toBe(403);

    // Other organizations cannot revoke it.
    expectError(
      await app.gql(`mutation($id: ID!) { revokeAccessToken(input: { id: $id }) { accessToken { id } } }`, { id: tokenId }, otherBuyer.key),
      'NOT_FOUND',
      'input.id',
    );

    const second = await freeLicense(datasetId, otherBuyer);
    const theirs = await issue(second, otherBuyer.key);
    expect((await get(path, theirs)).status).toBe(200);
    ok(
      await app.gql(
        `mutation($id: ID!) { revokeLicense(input: { id: $id, reason: "abuse" }) { license { status } } }`,
        { id: second },
        ADMIN_KEY,
      ),
    );
    app.clock.advance(1100);
    const refused = await get(path, theirs);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'LICENSE_NOT_ACTIVE' });
  });

  it('checks tokens new to the server together, in a few database round trips, each getting its own answer', async () => {
    const path = `/data/${versionId}/data/train.bin`;
    const tokens = await Promise.all(Array.from({ length: 16 }, () => issue(licenseId)));
    const revoked = tokens.slice(0, 4);
    for (const token of revoked) {
      const id = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
      ok(await app.gql(`mutation($id: ID!) { revokeAccessToken(input: { id: $id }) { accessToken { id } } }`, { id }, buyer.key));
    }
    // The license and the version are known to the gate already; only the tokens are new.
    expect((await get(path, await issue(licenseId), { range: 'bytes=0-9' })).status).toBe(206);
    let checkouts = 0;
    const count = () => checkouts++;
    app.database.pool.on('acquire', count);
    try {
      const statuses = await Promise.all(tokens.map(async (token) => (await get(path, token, { range: 'bytes=0-9' })).status));
      expect(statuses).toEqual([...revoked.map(() => 401), ...tokens.slice(4).map(() => 206)]);
    } finally {
      app.database.pool.off('acquire', count);
    }
    // One statement per token would take 16 connections from the pool (and the license another 16, before).
    expect(checkouts).toBeLessThanOrEqual(6);
  });

  it('refuses paths that try to leave the version', async () => {
    const token = await issue(licenseId);
    for (const p of [
      '../../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e/%2e%2e/etc/passwd',
      'data/..%2f..%2fsecret',
      'data/./train.bin',
      '%2fetc%2fpasswd',
    ]) {
      expect(await rawGet(`/data/${versionId}/${p}`, token), p).toBeGreaterThanOrEqual(400);
    }
    expect(await rawGet(`/data/${versionId}/data/train.bin`, token)).toBe(200);
  });

  it('answers 402 once a usage cap is reached, saying when it resets', async () => {
    const capped = ok(
      await app.gql(
        CREATE_OFFER,
        {
          input: {
            datasetId,
            name: 'Metered',
            pricingModel: 'USAGE',
            currency: 'usd',
            usageUnit: 'REQUEST',
            unitAmountCents: 1,
            usageCap: 2,
            terms: OPEN_TERMS,
          },
        },
        vendor.key,
      ),
    ).createOffer.offer.id;
    const license = ok(await app.gql(PURCHASE, { input: { offerId: capped, idempotencyKey: 'cap-test-1' } }, otherBuyer.key))
      .purchaseLicense.license;
    expect(license.status).toBe('ACTIVE');
    const token = await issue(license.id, otherBuyer.key);
    const path = `/data/${versionId}/data/train.bin`;
    // Two responses in flight at once both count: the third request is refused while they are still being sent.
    const [a, b] = await Promise.all([get(path, token), get(path, token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const refused = await get(path, token);
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { message: string }).message).toMatch(/cap of 2 request.*resets at \d{4}-/);
    await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
    expect((await get(path, token)).status).toBe(402);
  });

  it('records one usage event per response with exactly the bytes sent, also when the client hangs up', async () => {
    const fresh = await freeLicense(datasetId, otherBuyer);
    const token = await issue(fresh, otherBuyer.key);
    const path = `/data/${versionId}/data/train.bin`;
    let served = 0;
    served += (await (await get(path, token)).arrayBuffer()).byteLength;
    served += (await (await get(path, token, { range: 'bytes=0-99' })).arrayBuffer()).byteLength;
    // Hang up after the first chunk.
    await new Promise<void>((resolve) => {
      const u = new URL(app.url);
      const req = http.request({ host: u.hostname, port: u.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    await usageRecorded(app, fresh, 3);
    const { rows } = await app.database.pool.query(
      'SELECT bytes, rows, status FROM usage_events WHERE license_id = $1 ORDER BY served_at, id',
      [fresh],
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ bytes: String(content.length), rows: '1000', status: 200 });
    expect(rows[1]).toMatchObject({ bytes: '100', rows: '0', status: 206 });
    const partial = Number(rows[2].bytes);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(content.length);
    expect(Number(rows[0].bytes) + Number(rows[1].bytes)).toBe(served);
    // Denials are kept for the audit.
    const denied = await app.database.pool.query(`SELECT count(*)::int AS n FROM access_denials`);
    expect(denied.rows[0].n).toBeGreaterThan(0);
  });
});

describe('shutdown', () => {
  it('writes buffered usage events before the server stops', async () => {
    const other = await startTestApp();
    const [v, b] = await Promise.all([signUp(other, 'VENDOR'), signUp(other, 'BUYER')]);
    const { datasetId: ds, versionId: ver } = await publishDataset(other, v, {}, { files: [dataFile('data/s.bin', 'shutdown bytes', 1)] });
    const offerId = ok(
      await other.gql(CREATE_OFFER, { input: { datasetId: ds, name: 'Free', pricingModel: 'FREE', terms: OPEN_TERMS } }, v.key),
    ).createOffer.offer.id;
    const lic = ok(await other.gql(PURCHASE, { input: { offerId, idempotencyKey: 'shutdown-test' } }, b.key)).purchaseLicense.license.id;
    const jwt = ok(await other.gql(ISSUE, { input: { licenseId: lic } }, b.key)).issueAccessToken.token;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${other.url}/data/${ver}/data/s.bin`, { headers: { authorization: `Bearer ${jwt}` } });
      expect(await res.text()).toBe('shutdown bytes');
    }
    await other.close();
    // A fresh connection after the server and its pool are gone.
    const after = openDatabase(other.databaseUrl);
    try {
      const { rows } = await after.pool.query(
        'SELECT count(*)::int AS n, sum(bytes)::int AS bytes FROM usage_events WHERE license_id = $1',
        [lic],
      );
      expect(rows[0]).toEqual({ n: 5, bytes: 5 * 'shutdown bytes'.length });
    } finally {
      await after.close();
    }
  });
});
