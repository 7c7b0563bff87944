import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrivateKey, sealPrivateKey } from '../src/tokens/key-encryption.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { expectError, ok, signUp } from './support/fixtures.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

const jwks = async (): Promise<JSONWebKeySet> => {
  const res = await fetch(`${app.url}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toContain('max-age');
  return (await res.json()) as JSONWebKeySet;
};
const ROTATE = `mutation { rotateSigningKey(input: { reason: "routine" }) { signingKey { kid algorithm retiredAt } } }`;

describe('signing keys', () => {
  it('publishes only public EdDSA keys with a kid', async () => {
    const { keys } = await jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(keys[0]!.kid).toMatch(/^key_/);
    expect(keys[0]).not.toHaveProperty('d');
    // At rest the private half is sealed, not stored as a JWK.
    const { rows } = await app.database.pool.query('SELECT sealed_private_jwk FROM signing_keys');
    expect(rows[0].sealed_private_jwk).toMatch(/^v1\./);
    expect(rows[0].sealed_private_jwk).not.toContain('"d"');
  });

  it('rotates for admins only; the previous key stays published', async () => {
    const before = (await jwks()).keys.map((k) => k.kid);
    const vendor = await signUp(app, 'VENDOR');
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "A", email: "aud-keys@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret;
    expectError(await app.gql(ROTATE, {}, vendor.key), 'FORBIDDEN');
    expectError(await app.gql(ROTATE, {}, auditor), 'FORBIDDEN');
    expectError(await app.gql(ROTATE), 'UNAUTHENTICATED');
    expectError(
      await app.gql(`mutation { rotateSigningKey(input: { reason: "${'x'.repeat(501)}" }) { signingKey { kid } } }`, {}, ADMIN_KEY),
      'BAD_USER_INPUT',
      'input.reason',
    );

    const rotated = ok(await app.gql(ROTATE, {}, ADMIN_KEY)).rotateSigningKey.signingKey;
    expect(rotated.algorithm).toBe('EdDSA');
    expect(rotated.retiredAt).toBeNull();
    const after = (await jwks()).keys.map((k) => k.kid);
    expect(after[0]).toBe(rotated.kid);
    expect(after.slice(1)).toEqual(before);

    const listed = ok(await app.gql(`{ signingKeys { kid retiredAt } }`, {}, auditor)).signingKeys;
    expect(listed.map((k: { kid: string }) => k.kid)).toEqual(after);
    expect(listed[1].retiredAt).not.toBeNull();
    expectError(await app.gql(`{ signingKeys { kid } }`, {}, vendor.key), 'FORBIDDEN');
  });

  it('keeps retired keys published for the longest token lifetime, then drops them', async () => {
    const retiredKid = (await jwks()).keys[1]!.kid;
    app.clock.advance(25 * 60 * 60 * 1000);
    const kids = (await jwks()).keys.map((k) => k.kid);
    expect(kids).not.toContain(retiredKid);
    expect(kids).toHaveLength(1);
  });

  it('seals private keys so only the same secret and key id open them', () => {
    const sealed = sealPrivateKey('s'.repeat(32), 'kid-1', '{"d":"secret"}');
    expect(openPrivateKey('s'.repeat(32), 'kid-1', sealed)).toBe('{"d":"secret"}');
    expect(() => openPrivateKey('t'.repeat(32), 'kid-1', sealed)).toThrow();
    expect(() => openPrivateKey('s'.repeat(32), 'kid-2', sealed)).toThrow();
  });

  it('verifies offline against the JWKS only what our key signed', async () => {
    // A token signed by an unrelated Ed25519 key with our kid must not verify against the published set.
    const set = createLocalJWKSet(await jwks());
    const { generateKeyPair } = await import('jose');
    const forged = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: (await jwks()).keys[0]!.kid }).sign(forged.privateKey);
    await expect(jwtVerify(token, set, { algorithms: ['EdDSA'] })).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});
