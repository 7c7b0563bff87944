import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvers } from '../src/resolvers/index.js';
import { loadTypeDefs } from '../src/schema/index.js';
import { ADMIN_KEY, startTestApp, type GraphQLResponse, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import {
  CREATE_VERSION,
  addMember,
  createDataset,
  ok,
  publishDataset,
  signUp,
  uniqueSlug,
  versionInput,
  type Org,
} from './support/fixtures.js';

/**
 * Every Query and Mutation field of the executable schema, called as anonymous, as a member of another organization
 * and as the wrong role, against real objects of a vendor (V) and a buyer (B). A field without an entry below fails
 * the first test, so a new operation cannot land without its cross-tenant and wrong-role cases.
 */

const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });

/** Who calls: V's owner and a member, B's owner and a member, an approved vendor X of neither, a platform auditor. */
type Caller = 'anonymous' | 'other' | 'vendor' | 'vendorMember' | 'buyer' | 'buyerMember' | 'auditor';

/**
 * What the caller gets. An error code (README "Conventions": what you may not see is NOT_FOUND, what you see but may
 * not change is FORBIDDEN); HIDDEN: an answer without errors that holds nothing private of V or B (null, an empty
 * list, or only the caller's own rows); OWN: allowed, because the operation only acts on the caller's own account and
 * names nothing of V or B.
 */
type Outcome = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'HIDDEN' | 'OWN';

interface World {
  V: Org;
  B: Org;
  X: Org;
  pendingVendor: Org;
  vendorMember: { id: string; key: string };
  buyerMember: { id: string; key: string; apiKeyId: string };
  auditorKey: string;
  dataset: string;
  version: string;
  draftDataset: string;
  draftVersion: string;
  offer: string;
  license: string;
  pendingLicense: string;
  token: string;
  mix: string;
  endpoint: string;
}

interface Entry {
  anonymous: Outcome;
  other: Outcome;
  /** The wrong role and what it gets, or why the operation has no role to get wrong. */
  wrongRole: [Caller, Outcome] | { none: string };
  /** Arguments (or input fields) beyond what is generated from the argument types; ids name V's and B's objects. */
  args?: (w: World) => Record<string, unknown>;
  /** Public operations: what an anonymous caller is answered with (non-null) for a published object. */
  public?: (w: World) => Record<string, unknown>;
}

const input = (f: (w: World) => Record<string, unknown>) => (w: World) => ({ input: f(w) });
const ANY_USER = { none: 'any signed-in user may, for their own account' };
const OWN_ONLY = { none: 'members see only their own organization’s rows; there is no role that sees more but staff' };

const MATRIX: Record<string, Record<string, Entry>> = {
  Query: {
    viewer: { anonymous: 'HIDDEN', other: 'HIDDEN', wrongRole: { none: 'answers who is calling' } },
    organization: {
      anonymous: 'HIDDEN',
      other: 'HIDDEN',
      wrongRole: ['vendor', 'HIDDEN'],
      args: (w) => ({ slug: w.B.slug }),
      public: (w) => ({ slug: w.V.slug }),
    },
    auditEvents: {
      anonymous: 'UNAUTHENTICATED',
      other: 'HIDDEN',
      wrongRole: OWN_ONLY,
      args: (w) => ({ filter: { organizationId: w.B.id } }),
    },
    verifyAuditLog: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['buyer', 'FORBIDDEN'] },
    licenseUsageReport: {
      anonymous: 'UNAUTHENTICATED',
      other: 'HIDDEN',
      wrongRole: OWN_ONLY,
      args: (w) => ({ filter: { organizationId: w.B.id } }),
    },
    node: { anonymous: 'HIDDEN', other: 'HIDDEN', wrongRole: ['vendor', 'HIDDEN'], args: (w) => ({ id: w.mix }) },
    nodes: { anonymous: 'HIDDEN', other: 'HIDDEN', wrongRole: ['vendor', 'HIDDEN'], args: (w) => ({ ids: privateIds(w) }) },
    datasets: {
      anonymous: 'HIDDEN',
      other: 'HIDDEN',
      wrongRole: ['buyer', 'HIDDEN'],
      args: () => ({ filter: { status: ['DRAFT'] } }),
      public: () => ({}),
    },
    dataset: {
      anonymous: 'HIDDEN',
      other: 'HIDDEN',
      wrongRole: ['buyer', 'HIDDEN'],
      args: (w) => ({ id: w.draftDataset }),
      public: (w) => ({ id: w.dataset }),
    },
    datasetVersion: {
      anonymous: 'HIDDEN',
      other: 'HIDDEN',
      wrongRole: ['buyer', 'HIDDEN'],
      args: (w) => ({ id: w.draftVersion }),
      public: (w) => ({ id: w.version }),
    },
    events: { anonymous: 'UNAUTHENTICATED', other: 'HIDDEN', wrongRole: ['auditor', 'FORBIDDEN'] },
    webhookEndpoints: { anonymous: 'UNAUTHENTICATED', other: 'HIDDEN', wrongRole: ['buyerMember', 'FORBIDDEN'] },
    webhookDeliveries: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyerMember', 'FORBIDDEN'],
      args: (w) => ({ endpointId: w.endpoint }),
    },
    licenses: { anonymous: 'UNAUTHENTICATED', other: 'HIDDEN', wrongRole: OWN_ONLY },
    license: { anonymous: 'HIDDEN', other: 'HIDDEN', wrongRole: OWN_ONLY, args: (w) => ({ id: w.license }) },
    usage: { anonymous: 'UNAUTHENTICATED', other: 'NOT_FOUND', wrongRole: OWN_ONLY },
    vendorUsage: {
      anonymous: 'UNAUTHENTICATED',
      other: 'HIDDEN',
      wrongRole: ['buyer', 'HIDDEN'],
      args: (w) => ({ vendorId: w.V.id }),
    },
    usageReconciliation: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyer', 'NOT_FOUND'],
      args: (w) => ({ licenseId: w.license }),
    },
    trainingMix: { anonymous: 'UNAUTHENTICATED', other: 'HIDDEN', wrongRole: ['auditor', 'HIDDEN'], args: (w) => ({ id: w.mix }) },
    trainingMixes: { anonymous: 'UNAUTHENTICATED', other: 'HIDDEN', wrongRole: ['auditor', 'FORBIDDEN'] },
    // A mix's summary is its own organization's: staff cannot make one either.
    trainingContentSummary: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'NOT_FOUND'],
      args: (w) => ({
        mixId: w.mix,
        input: {
          modelName: 'Matrix',
          modelVersion: '1',
          provider: 'Matrix Labs',
          modalities: ['TEXT'],
          dataFrom: '2025-01-01T00:00:00Z',
          dataTo: '2025-06-01T00:00:00Z',
        },
      }),
    },
    signingKeys: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['buyer', 'FORBIDDEN'] },
    accessTokens: { anonymous: 'UNAUTHENTICATED', other: 'HIDDEN', wrongRole: OWN_ONLY, args: (w) => ({ licenseId: w.license }) },
  },
  Mutation: {
    createOrganization: {
      anonymous: 'OWN',
      // Signing up is for newcomers; only an admin creates an organization for someone else.
      other: 'FORBIDDEN',
      wrongRole: ['auditor', 'FORBIDDEN'],
      public: () => ({}),
    },
    approveVendor: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ organizationId: w.pendingVendor.id })),
    },
    addMember: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['buyerMember', 'FORBIDDEN'],
      args: input((w) => ({ organizationId: w.B.id, role: 'MEMBER' })),
    },
    createStaffUser: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input(() => ({ role: 'AUDITOR' })),
    },
    createApiKey: { anonymous: 'UNAUTHENTICATED', other: 'OWN', wrongRole: ANY_USER },
    revokeApiKey: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.buyerMember.apiKeyId })),
    },
    signAuditCheckpoint: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['auditor', 'FORBIDDEN'] },
    connectPayoutAccount: { anonymous: 'UNAUTHENTICATED', other: 'OWN', wrongRole: ['vendorMember', 'FORBIDDEN'] },
    createDataset: { anonymous: 'UNAUTHENTICATED', other: 'OWN', wrongRole: ['buyer', 'FORBIDDEN'] },
    updateDataset: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['buyer', 'FORBIDDEN'],
      args: input((w) => ({ id: w.dataset, title: 'Taken over' })),
    },
    createDatasetVersion: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['buyer', 'FORBIDDEN'] },
    updateDatasetVersion: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.draftVersion, changelog: 'Taken over' })),
    },
    publishDatasetVersion: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.draftVersion })),
    },
    suspendDataset: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['vendor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.dataset })),
    },
    reinstateDataset: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['vendor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.dataset })),
    },
    attachCoverageReport: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['buyer', 'FORBIDDEN'] },
    createUpload: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ versionId: w.draftVersion })),
    },
    createUploads: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ versionId: w.draftVersion })),
    },
    createWebhookEndpoint: { anonymous: 'UNAUTHENTICATED', other: 'OWN', wrongRole: ['buyerMember', 'FORBIDDEN'] },
    updateWebhookEndpoint: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyerMember', 'FORBIDDEN'],
      args: input((w) => ({ id: w.endpoint, enabled: false })),
    },
    deleteWebhookEndpoint: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyerMember', 'FORBIDDEN'],
      args: input((w) => ({ id: w.endpoint })),
    },
    rotateWebhookSecret: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyerMember', 'FORBIDDEN'],
      args: input((w) => ({ id: w.endpoint })),
    },
    sendVendorNotice: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['buyer', 'FORBIDDEN'] },
    purchaseLicense: { anonymous: 'UNAUTHENTICATED', other: 'OWN', wrongRole: ['vendor', 'FORBIDDEN'] },
    approveLicense: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyer', 'FORBIDDEN'],
      args: input((w) => ({ id: w.pendingLicense })),
    },
    rejectLicense: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyer', 'FORBIDDEN'],
      args: input((w) => ({ id: w.pendingLicense })),
    },
    cancelLicense: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['vendor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.license })),
    },
    revokeLicense: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.license })),
    },
    retractDatasetVersion: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['buyer', 'FORBIDDEN'],
      args: input((w) => ({ id: w.version })),
    },
    attachQualityReport: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['buyer', 'FORBIDDEN'],
      args: input(() => ({ fidelity: 0.9 })),
    },
    createTrainingMix: { anonymous: 'UNAUTHENTICATED', other: 'OWN', wrongRole: ['auditor', 'FORBIDDEN'] },
    updateTrainingMix: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.mix, name: 'Taken over' })),
    },
    deleteTrainingMix: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['buyerMember', 'FORBIDDEN'],
      args: input((w) => ({ id: w.mix })),
    },
    createOffer: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['buyer', 'FORBIDDEN'] },
    archiveOffer: {
      anonymous: 'UNAUTHENTICATED',
      other: 'FORBIDDEN',
      wrongRole: ['buyer', 'FORBIDDEN'],
      args: input((w) => ({ id: w.offer })),
    },
    rotateSigningKey: { anonymous: 'UNAUTHENTICATED', other: 'FORBIDDEN', wrongRole: ['auditor', 'FORBIDDEN'] },
    issueAccessToken: { anonymous: 'UNAUTHENTICATED', other: 'NOT_FOUND', wrongRole: ['vendor', 'FORBIDDEN'] },
    revokeAccessToken: {
      anonymous: 'UNAUTHENTICATED',
      other: 'NOT_FOUND',
      wrongRole: ['auditor', 'FORBIDDEN'],
      args: input((w) => ({ id: w.token })),
    },
  },
};

/**
 * What nobody outside V or B (and staff) may see, by owner; published listings, their versions and offers are public.
 * A license is both the buyer's and the vendor's.
 */
function privateIdsByOwner(w: World) {
  return {
    vendor: [w.V.ownerId, w.vendorMember.id, w.draftDataset, w.draftVersion],
    buyer: [w.B.id, w.B.ownerId, w.buyerMember.id, w.buyerMember.apiKeyId, w.token],
    // Mixes and webhook endpoints are the buyer's alone: staff do not see them either.
    buyerOnly: [w.mix, w.endpoint],
    shared: [w.license, w.pendingLicense],
  };
}

function privateIds(w: World): string[] {
  return Object.values(privateIdsByOwner(w)).flat();
}

/** The private ids that `caller` must not be answered with: everything but what its own organization (or staff) sees. */
function hiddenFrom(caller: Caller, w: World): string[] {
  const ids = privateIdsByOwner(w);
  switch (caller) {
    case 'anonymous':
    case 'other':
      return privateIds(w);
    case 'vendor':
    case 'vendorMember':
      return [...ids.buyer, ...ids.buyerOnly];
    case 'buyer':
    case 'buyerMember':
      return ids.vendor;
    case 'auditor':
      return ids.buyerOnly;
  }
}

// --- arguments from the argument types ------------------------------------------------------------------------

const future = () => new Date(Date.now() + 86_400_000).toISOString();
const STRINGS: Record<string, () => string> = {
  slug: () => uniqueSlug('matrix'),
  email: () => `${uniqueSlug('matrix')}@example.com`,
  clientToken: () => uniqueSlug('matrix-notice'),
  idempotencyKey: () => uniqueSlug('matrix-purchase'),
  url: () => 'http://127.0.0.1:9/matrix-hook',
  path: () => 'data/train.jsonl',
  version: () => '9.9.9',
  type: () => 'string',
  attribute: () => 'language',
  value: () => 'en',
};

/** The object an ID input field names, by the field's name. */
function idFor(name: string, w: World): string {
  const ids: Record<string, string> = { datasetId: w.dataset, versionId: w.version, offerId: w.offer, licenseId: w.license };
  const id = ids[name];
  if (!id) throw new Error(`no object for ID field "${name}": name it in the entry's args`);
  return id;
}

/** A minimal valid value of `type`: required fields only, one element per list, names' conventional values. */
function valueOf(type: GraphQLInputType, name: string, w: World, given: unknown): unknown {
  if (isNonNullType(type)) return valueOf(type.ofType, name, w, given);
  if (isListType(type)) return given !== undefined ? given : [valueOf(type.ofType, name, w, undefined)];
  if (isInputObjectType(type)) {
    const object: Record<string, unknown> = {};
    const overrides = (given ?? {}) as Record<string, unknown>;
    for (const field of Object.values(type.getFields())) {
      if (field.name in overrides) object[field.name] = valueOf(field.type, field.name, w, overrides[field.name]);
      else if (isNonNullType(field.type)) object[field.name] = valueOf(field.type, field.name, w, undefined);
    }
    return object;
  }
  if (given !== undefined) return given;
  if (isEnumType(type)) return type.getValues()[0]!.value;
  switch (type.name) {
    case 'ID':
      return idFor(name, w);
    case 'String':
      return (STRINGS[name] ?? (() => 'Matrix check'))();
    case 'Int':
      return 1;
    case 'Float':
      return 0.5;
    case 'Boolean':
      return true;
    case 'BigInt':
      return '1';
    case 'DateTime':
      return name === 'from' ? new Date(Date.now() - 86_400_000).toISOString() : future();
    case 'JSON':
      return {};
    default:
      throw new Error(`no value for scalar ${type.name} (${name})`);
  }
}

function argumentsOf(field: GraphQLField<unknown, unknown>, w: World, given: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const arg of field.args) {
    if (arg.name in given || isNonNullType(arg.type)) args[arg.name] = valueOf(arg.type, arg.name, w, given[arg.name]);
  }
  return args;
}

// --- what to ask for ----------------------------------------------------------------------------------------------

const PASS_THROUGH = new Set(['edges', 'node', 'nodes']);

/** `__typename`, `id` and the ids of id-bearing fields one level down (through connection edges), enough to spot a leak. */
function selectionOf(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named) && !isInterfaceType(named)) return '';
  const fields = Object.values(named.getFields()).filter((f) => !f.args.some((a) => isNonNullType(a.type)));
  const parts = ['__typename', ...fields.filter((f) => f.name === 'id').map(() => 'id')];
  for (const f of fields) {
    const sub = getNamedType(f.type);
    if (!isObjectType(sub) && !isInterfaceType(sub)) continue;
    const through = PASS_THROUGH.has(f.name);
    if (through || (depth < 1 && 'id' in sub.getFields())) parts.push(`${f.name} ${selectionOf(f.type, through ? depth : depth + 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

function operationFor(kind: 'Query' | 'Mutation', field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): string {
  const used = field.args.filter((a: GraphQLArgument) => a.name in args);
  const defs = used.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = used.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind === 'Query' ? 'query' : 'mutation'}${defs ? `(${defs})` : ''} { ${field.name}${call ? `(${call})` : ''} ${selectionOf(field.type)} }`;
}

// --- the world ----------------------------------------------------------------------------------------------------

let app: TestApp;
let world: World;

beforeAll(async () => {
  // Endpoints point at a closed loopback port and no delivery pass runs: nothing leaves the machine.
  app = await startTestApp({ ASSAY_WEBHOOKS_ALLOW_PRIVATE: '1', ASSAY_WEBHOOKS_INTERVAL_MS: '0' });
  const [V, B, X, pendingVendor] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR', { approve: false }),
  ]);
  const vendorMember = await addMember(app, V);
  const member = await addMember(app, B);
  const apiKeyId = ok(await app.gql(`{ viewer { apiKeys { id } } }`, {}, member.key)).viewer.apiKeys[0].id as string;
  const staff = ok(
    await app.gql(
      `mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) { secret } }`,
      { input: { name: 'Auditor', email: `${uniqueSlug('auditor')}@example.com`, role: 'AUDITOR' } },
      ADMIN_KEY,
    ),
  ).createStaffUser.secret as string;
  const { datasetId, versionId } = await publishDataset(app, V);
  const draftDataset = await createDataset(app, V);
  const draftVersion = ok(await app.gql(CREATE_VERSION, { input: versionInput(draftDataset) }, V.key)).createDatasetVersion.datasetVersion
    .id as string;
  const offer = await createOffer(app, V, datasetId);
  const gated = await createOffer(app, V, datasetId, { name: 'Research access', requiresApproval: true });
  const license = ok(await purchase(app, B, offer)).purchaseLicense.license.id as string;
  const pendingLicense = ok(await purchase(app, B, gated)).purchaseLicense.license.id as string;
  const token = ok(
    await app.gql(`mutation($l: ID!) { issueAccessToken(input: { licenseId: $l }) { accessToken { id } } }`, { l: license }, B.key),
  ).issueAccessToken.accessToken.id as string;
  const mix = ok(
    await app.gql(
      `mutation($input: CreateTrainingMixInput!) { createTrainingMix(input: $input) { trainingMix { id } } }`,
      { input: { name: 'Matrix mix', regime: 'ACCUMULATE', intendedUse: ['MODEL_TRAINING'], components: [{ versionId, rows: '1' }] } },
      B.key,
    ),
  ).createTrainingMix.trainingMix.id as string;
  const endpoint = ok(
    await app.gql(
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
      { input: { url: 'http://127.0.0.1:9/b-hook' } },
      B.key,
    ),
  ).createWebhookEndpoint.endpoint.id as string;
  world = {
    V,
    B,
    X,
    pendingVendor,
    vendorMember,
    buyerMember: { ...member, apiKeyId },
    auditorKey: staff,
    dataset: datasetId,
    version: versionId,
    draftDataset,
    draftVersion,
    offer,
    license,
    pendingLicense,
    token,
    mix,
    endpoint,
  };
}, 120_000);

afterAll(() => app?.close());

function keyOf(caller: Caller, w: World): string | undefined {
  const keys: Record<Caller, string | undefined> = {
    anonymous: undefined,
    other: w.X.key,
    vendor: w.V.key,
    vendorMember: w.vendorMember.key,
    buyer: w.B.key,
    buyerMember: w.buyerMember.key,
    auditor: w.auditorKey,
  };
  return keys[caller];
}

function expectOutcome(
  res: GraphQLResponse,
  call: { field: string; args: Record<string, unknown> },
  outcome: Outcome,
  caller: Caller,
  w: World,
): void {
  const { field } = call;
  const answer = JSON.stringify(res.data ?? null);
  // An operation allowed because it acts on the caller's own account must not have been pointed at someone else's.
  if (outcome === 'OWN') for (const id of hiddenFrom(caller, w)) expect(JSON.stringify(call.args)).not.toContain(id);
  if (outcome === 'HIDDEN' || outcome === 'OWN') {
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data).toHaveProperty(field);
  } else {
    expect(res.errors?.[0]?.extensions.code, `${JSON.stringify(res.errors ?? res.data)}`).toBe(outcome);
  }
  // Neither an answer nor a refusal carries what the caller may not see.
  for (const id of hiddenFrom(caller, w)) expect(answer, `leaks ${id}`).not.toContain(id);
}

const ROOTS = { Query: schema.getQueryType()!, Mutation: schema.getMutationType()! };
const cases = (['Query', 'Mutation'] as const).flatMap((kind) => Object.values(ROOTS[kind].getFields()).map((field) => ({ kind, field })));

describe('the authorization matrix', () => {
  it('has an entry for every Query and Mutation field of the schema, and none for a field that is gone', () => {
    for (const kind of ['Query', 'Mutation'] as const) {
      const fields = Object.keys(ROOTS[kind].getFields()).sort();
      expect(Object.keys(MATRIX[kind]!).sort(), `${kind} fields without (or with stale) entries in MATRIX`).toEqual(fields);
    }
  });

  for (const { kind, field } of cases) {
    const entry = MATRIX[kind]![field.name];
    if (!entry) continue;
    const given = (w: World) => entry.args?.(w) ?? {};
    // A fresh call per caller: generated values (slugs, idempotency keys) must not collide between them.
    const check = async (caller: Caller, outcome: Outcome) => {
      const args = argumentsOf(field, world, given(world));
      const res = await app.gql(operationFor(kind, field, args), args, keyOf(caller, world));
      expectOutcome(res, { field: field.name, args }, outcome, caller, world);
    };

    it(`${kind}.${field.name}: anonymous gets ${entry.anonymous}`, async () => {
      await check('anonymous', entry.anonymous);
    });

    it(`${kind}.${field.name}: a member of another organization gets ${entry.other}`, async () => {
      await check('other', entry.other);
    });

    const wrong = entry.wrongRole;
    if (Array.isArray(wrong)) {
      it(`${kind}.${field.name}: the wrong role (${wrong[0]}) gets ${wrong[1]}`, async () => {
        await check(wrong[0], wrong[1]);
      });
    }

    const publicArgs = entry.public;
    if (publicArgs) {
      it(`${kind}.${field.name}: is public, and answers anonymous callers`, async () => {
        const args = argumentsOf(field, world, publicArgs(world));
        const res = await app.gql(operationFor(kind, field, args), args);
        expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        expect(res.data?.[field.name]).not.toBeNull();
      });
    }
  }
});
