import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { addMember, expectError, ok, signUp } from './support/fixtures.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

const VIEWER = `{ viewer { user { id name email role platformRole } organization { id kind vendorStatus } platformRole } }`;

describe('accounts', () => {
  it('is anonymous without a key and refuses a bad key with 401', async () => {
    expect(ok(await app.gql(VIEWER)).viewer).toBeNull();
    const bad = await app.gql(VIEWER, {}, 'ak_not_a_real_key_at_all_000000000000');
    expect(bad.status).toBe(401);
    expectError(bad, 'UNAUTHENTICATED');
  });

  it('signs up a vendor that must be approved by an admin', async () => {
    const vendor = await signUp(app, 'VENDOR', { approve: false });
    const me = ok(await app.gql(VIEWER, {}, vendor.key)).viewer;
    expect(me.organization).toMatchObject({ id: vendor.id, kind: 'VENDOR', vendorStatus: 'PENDING' });
    expect(me.user.role).toBe('OWNER');
    expect(me.platformRole).toBeNull();

    const approve = `mutation($id: ID!) { approveVendor(input: { organizationId: $id }) { organization { vendorStatus } } }`;
    expectError(await app.gql(approve, { id: vendor.id }, vendor.key), 'FORBIDDEN');
    expectError(await app.gql(approve, { id: vendor.id }), 'UNAUTHENTICATED');
    expect(ok(await app.gql(approve, { id: vendor.id }, ADMIN_KEY)).approveVendor.organization.vendorStatus).toBe('APPROVED');
  });

  it('refuses a taken slug or email with CONFLICT and a bad slug with BAD_USER_INPUT naming the field', async () => {
    const vendor = await signUp(app, 'VENDOR');
    const create = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }`;
    const input = { name: 'X', slug: vendor.slug, kind: 'BUYER', owner: { name: 'A', email: 'fresh@example.com' } };
    expectError(await app.gql(create, { input }), 'CONFLICT', 'input.slug');
    expectError(await app.gql(create, { input: { ...input, slug: 'Bad Slug!' } }), 'BAD_USER_INPUT', 'input.slug');
    expectError(await app.gql(create, { input: { ...input, slug: 'ok-slug-1', name: '  ' } }), 'BAD_USER_INPUT', 'input.name');
    expectError(
      await app.gql(create, { input: { ...input, slug: 'ok-slug-2', owner: { name: 'A', email: 'nope' } } }),
      'BAD_USER_INPUT',
      'input.owner.email',
    );
    expectError(await app.gql(create, { input: { ...input, kind: 'PIRATE' } }), 'BAD_USER_INPUT', 'input.kind');
    // A signed-in non-admin cannot create a second account.
    expectError(await app.gql(create, { input: { ...input, slug: 'ok-slug-3' } }, vendor.key), 'FORBIDDEN');
  });

  it('creates and revokes API keys; revocation takes effect on the next request', async () => {
    const buyer = await signUp(app, 'BUYER');
    const created = ok(
      await app.gql(`mutation { createApiKey(input: { name: "ci" }) { secret apiKey { id name prefix revokedAt } } }`, {}, buyer.key),
    ).createApiKey;
    expect(created.secret).toMatch(/^ak_/);
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    expect(ok(await app.gql(VIEWER, {}, created.secret)).viewer.organization.id).toBe(buyer.id);

    const keys = ok(await app.gql(`{ viewer { apiKeys { id name lastUsedAt } } }`, {}, buyer.key)).viewer.apiKeys;
    expect(keys.map((k: { name: string }) => k.name).sort()).toEqual(['ci', 'default']);
    expect(keys.find((k: { name: string }) => k.name === 'ci').lastUsedAt).not.toBeNull();

    const revoked = ok(
      await app.gql(
        `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }`,
        { id: created.apiKey.id },
        buyer.key,
      ),
    );
    expect(revoked.revokeApiKey.apiKey.revokedAt).not.toBeNull();
    const after = await app.gql(VIEWER, {}, created.secret);
    expect(after.status).toBe(401);
    expectError(after, 'UNAUTHENTICATED');
  });

  it("refuses to revoke another organization's key (NOT_FOUND) and a fellow member's key unless owner", async () => {
    const a = await signUp(app, 'BUYER');
    const b = await signUp(app, 'BUYER');
    const member = await addMember(app, a, 'MEMBER');
    const otherMember = await addMember(app, a, 'MEMBER');
    const keyOf = async (key: string) => ok(await app.gql(`{ viewer { apiKeys { id } } }`, {}, key)).viewer.apiKeys[0].id;
    const revoke = `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id revokedAt } } }`;

    expectError(await app.gql(revoke, { id: await keyOf(a.key) }, b.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(revoke, { id: await keyOf(otherMember.key) }, member.key), 'FORBIDDEN');
    expect(ok(await app.gql(revoke, { id: await keyOf(member.key) }, a.key)).revokeApiKey.apiKey.revokedAt).not.toBeNull();
    expect((await app.gql(VIEWER, {}, member.key)).status).toBe(401);
  });

  it('lets only owners add members, only to their own organization', async () => {
    const a = await signUp(app, 'VENDOR');
    const b = await signUp(app, 'VENDOR');
    const member = await addMember(app, a, 'MEMBER');
    const add = `mutation($input: AddMemberInput!) { addMember(input: $input) { user { id } } }`;
    const input = (orgId: string) => ({ organizationId: orgId, name: 'New', email: `new-${Math.random()}@example.com`, role: 'MEMBER' });
    expectError(await app.gql(add, { input: input(a.id) }, member.key), 'FORBIDDEN');
    expectError(await app.gql(add, { input: input(a.id) }, b.key), 'FORBIDDEN');
    expectError(await app.gql(add, { input: input(a.id) }), 'UNAUTHENTICATED');
    ok(await app.gql(add, { input: input(a.id) }, a.key));
    const me = ok(await app.gql(VIEWER, {}, member.key)).viewer;
    expect(me.user.role).toBe('MEMBER');
  });

  it('hides members and emails of other organizations', async () => {
    const a = await signUp(app, 'VENDOR');
    const b = await signUp(app, 'BUYER');
    const q = `query($id: ID!) { node(id: $id) { ... on Organization { slug members { id email } } } }`;
    expect(ok(await app.gql(q, { id: a.id }, a.key)).node.members).toHaveLength(1);
    expect(ok(await app.gql(q, { id: a.id }, b.key)).node.members).toBeNull();
    // A buyer organization is not public at all.
    expect(ok(await app.gql(q, { id: b.id }, a.key)).node).toBeNull();
    expect(ok(await app.gql(q, { id: b.id }, ADMIN_KEY)).node.members).toHaveLength(1);
    const user = `query($id: ID!) { node(id: $id) { ... on User { email } } }`;
    expect(ok(await app.gql(user, { id: a.ownerId }, b.key)).node).toBeNull();
  });

  it('creates staff users; an auditor cannot act as an admin', async () => {
    const staff = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "Audrey", email: "audrey@assay.example", role: AUDITOR }) { user { platformRole } secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser;
    expect(staff.user.platformRole).toBe('AUDITOR');
    const vendor = await signUp(app, 'VENDOR', { approve: false });
    expectError(
      await app.gql(
        `mutation($id: ID!) { approveVendor(input: { organizationId: $id }) { organization { id } } }`,
        { id: vendor.id },
        staff.secret,
      ),
      'FORBIDDEN',
    );
    expectError(
      await app.gql(
        `mutation { createStaffUser(input: { name: "X", email: "x@assay.example", role: ADMIN }) { secret } }`,
        {},
        staff.secret,
      ),
      'FORBIDDEN',
    );
  });
});
