import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { hashApiKeySecret } from '../accounts/api-key-secret.js';
import type { AccountsService } from '../accounts/service.js';
import { Viewer, type Principal } from '../accounts/viewer.js';
import { AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { ProcessParts } from '../composition.js';
import { RequestServices, type ServiceParts } from '../context.js';
import type { UserRow } from '../db/stores/accounts-store.js';
import { Stores } from '../db/stores/index.js';
import { blobKey, type FileStorage } from '../delivery/storage.js';
import { UNLIMITED_STORAGE } from '../delivery/storage-allowance.js';
import { newId } from '../ids.js';
import { seedOffers } from './seed-offers.js';
import { seedMixes } from './seed-mixes.js';
import {
  DEMO_ADMIN,
  DEMO_BUYER,
  DEMO_VENDORS,
  type DemoDataset,
  type DemoProvenance,
  type DemoVendor,
  type DemoVersion,
} from './catalog-data.js';
import type { DemoKeys } from './keys.js';

/** Serializes concurrent seeders (two processes starting on one database). */
const DEMO_LOCK = 727_190_003;

const DAY = 24 * 60 * 60 * 1000;
/** The demo history starts this long before "now": accounts first, then datasets and their versions over time. */
const HISTORY = 540 * DAY;
/** How long a seed's statements (the lock wait above all) may take. */
const SEED_STATEMENT_TIMEOUT_MS = 300_000;

export interface SeedResult {
  /** False when nothing was written. */
  created: boolean;
  /** Datasets in the demo catalog. */
  datasets: number;
  /** Why nothing was written: the demo is already there, or the database holds other organizations. */
  skipped?: 'ALREADY_SEEDED' | 'NOT_EMPTY';
  /** The demo keys, when they belong to the demo accounts of this database (seeded now, or earlier with them). */
  keys?: DemoKeys;
}

/**
 * A clock the seed moves through the demo's history, so timestamps read like releases over time. (IDs are monotonic
 * per process, so they follow creation order; the seed creates in release order, so both agree.)
 */
class HistoryClock implements Clock {
  private at: number;
  constructor(start: number) {
    this.at = start;
  }
  now(): Date {
    return new Date(this.at);
  }
  set(ms: number): void {
    this.at = ms;
  }
}

export const demoDatasetCount = (): number => DEMO_VENDORS.reduce((n, v) => n + v.datasets.length, 0);

/**
 * The parts the demo's services are built from: the server's (so its numbers match what the API shows), except
 * that the seed writes on its own history clock, in local billing mode, without a storage quota.
 */
function demoParts(parts: ProcessParts, history: Clock): ServiceParts {
  const { config } = parts;
  return {
    ...parts,
    clock: history,
    audit: new AuditLog(history),
    stripe: null,
    config: { ...config, stripe: undefined, platformFeeBps: 1000, limits: { ...config.limits, storage: UNLIMITED_STORAGE } },
  };
}

/**
 * Seeds the demo catalog on an empty database (platform staff may exist), through the same services as the API,
 * in one transaction: a second run finds it and changes nothing. Datasets and versions are back-dated over the
 * last 18 months so the catalog reads like a marketplace with a history. The demo accounts get `keys`.
 * @example const { created, datasets, keys } = await seedDemo(parts, keptDemoKeys(dataDir));
 */
export async function seedDemo(parts: ProcessParts, keys: DemoKeys): Promise<SeedResult> {
  const { clock, storage } = parts;
  const datasets = demoDatasetCount();
  return new Stores(parts.database.db).transaction(async (stores) => {
    // A concurrently started seed waits here for the whole other seed, which can outlast the pool's statement timeout.
    await stores.db.execute(`SET LOCAL statement_timeout = ${SEED_STATEMENT_TIMEOUT_MS}`);
    await waitForSeedLock(stores);
    if (await stores.accounts.organizationBySlug(DEMO_VENDORS[0]!.slug)) {
      // Seeded with other keys (their file was replaced): printing these would hand out keys that do not work.
      const ours = await stores.accounts.apiKeyByHash(hashApiKeySecret(keys.buyer));
      return { created: false, datasets, skipped: 'ALREADY_SEEDED' as const, ...(ours ? { keys } : {}) };
    }
    if (await stores.accounts.anyOrganization()) return { created: false, datasets: 0, skipped: 'NOT_EMPTY' as const };

    const end = clock.now().getTime();
    const start = end - HISTORY;
    const history = new HistoryClock(start);
    // The demo's own log is silent: a failure fails the seed, which main reports.
    const services = new RequestServices(demoParts(parts, history), { stores, origin: 'http://localhost', log: () => undefined });
    const { accounts, catalog } = services;
    const anonymous = new Viewer(null);

    const adminUser = await demoAdmin(stores, accounts, history, keys.admin);
    const admin = new Viewer(principal({ userId: adminUser.id, apiKeyId: adminUser.apiKeyId, platformRole: 'ADMIN' }));

    const owners = new Map<DemoVendor, Viewer>();
    for (const [i, vendor] of DEMO_VENDORS.entries()) {
      history.set(start + (i + 1) * DAY);
      const signup = await accounts.createOrganization(anonymous, {
        name: vendor.name,
        slug: vendor.slug,
        kind: 'VENDOR',
        owner: vendor.owner,
      });
      if (i === 0) await accounts.issueKey(stores, signup.owner.id, 'demo', null, keys.vendor);
      await accounts.approveVendor(admin, { organizationId: signup.organization.id });
      for (const member of vendor.members ?? []) {
        await accounts.addMember(admin, { organizationId: signup.organization.id, ...member, role: 'MEMBER' });
      }
      owners.set(
        vendor,
        new Viewer(
          principal({
            userId: signup.owner.id,
            apiKeyId: signup.apiKey.id,
            organizationId: signup.organization.id,
            organizationKind: 'VENDOR',
            orgRole: 'OWNER',
            vendorStatus: 'APPROVED',
          }),
        ),
      );
    }

    history.set(start + 12 * DAY);
    const buyer = await accounts.createOrganization(anonymous, {
      name: DEMO_BUYER.name,
      slug: DEMO_BUYER.slug,
      kind: 'BUYER',
      owner: DEMO_BUYER.owner,
    });
    await accounts.issueKey(stores, buyer.owner.id, 'demo', null, keys.buyer);
    for (const member of DEMO_BUYER.members ?? []) {
      await accounts.addMember(admin, { organizationId: buyer.organization.id, ...member, role: 'MEMBER' });
    }

    // Releases in time order, so a version's sources are published before it cites them.
    const datasetIds = new Map<DemoDataset, string>();
    const versionIds = new Map<string, string>();
    for (const { vendor, dataset: d, version: v, at } of releaseSchedule(DEMO_VENDORS, start + 30 * DAY, end - 7 * DAY)) {
      const owner = owners.get(vendor)!;
      let datasetId = datasetIds.get(d);
      if (!datasetId) {
        history.set(at - DAY);
        datasetId = (
          await catalog.createDataset(owner, {
            slug: d.slug,
            title: d.title,
            summary: d.summary,
            description: d.description,
            kind: d.kind,
            modality: d.modality,
            tags: d.tags,
            terms: d.terms,
          })
        ).id;
        datasetIds.set(d, datasetId);
      }
      history.set(at);
      const files = v.files.map((f, k) => demoFile(d, f.path, f.rowCount, k));
      const version = await catalog.createVersion(owner, {
        datasetId,
        version: v.version,
        format: v.format ?? d.format,
        columns: v.columns ?? d.columns,
        sample: v.sample ?? d.sample,
        changelog: v.changelog,
        files,
        provenance: provenanceInput(`${vendor.slug}/${d.slug}@${v.version}`, { ...d.provenance, ...v.provenance }, versionIds),
      });
      await storeDemoFiles(stores, storage, version.id, files, history.now());
      // Published a few hours after the draft was created.
      history.set(at + 3 * 60 * 60 * 1000);
      await catalog.publishVersion(owner, {
        id: version.id,
        // Read while collecting, before the draft was made.
        optOutEvidence: (d.optOutEvidence ?? []).map(({ read, ...e }) => ({
          ...e,
          checkedAt: new Date(at - DAY),
          sha256: createHash('sha256').update(read).digest('hex'),
        })),
      });
      versionIds.set(`${vendor.slug}/${d.slug}@${v.version}`, version.id);
    }
    await seedOffers(services, history, { admin, owners, buyer, datasetIds });
    history.set(end - DAY);
    await seedMixes(services, {
      admin,
      vendorOwners: new Map([...owners].map(([vendor, viewer]) => [vendor.slug, viewer])),
      buyer: new Viewer(
        principal({
          userId: buyer.owner.id,
          apiKeyId: buyer.apiKey.id,
          organizationId: buyer.organization.id,
          organizationKind: 'BUYER',
          orgRole: 'OWNER',
        }),
      ),
      versionIds,
    });
    return { created: true, datasets, keys };
  });
}

/**
 * The demo admin, who holds the demo admin key. Normally a new platform admin beside the bootstrap one;
 * if the bootstrap admin was configured with the demo key itself, that admin is reused.
 */
async function demoAdmin(
  stores: Stores,
  accounts: AccountsService,
  clock: Clock,
  adminKey: string,
): Promise<UserRow & { apiKeyId: string }> {
  const existingKey = await stores.accounts.apiKeyByHash(hashApiKeySecret(adminKey));
  if (existingKey) {
    const user = await stores.accounts.userById.load(existingKey.userId);
    if (user?.platformRole === 'ADMIN' && !existingKey.revokedAt) return { ...user, apiKeyId: existingKey.id };
    throw new Error('The demo admin API key is already taken by a user who is not an active platform admin');
  }
  const user = await stores.accounts.insertUser({
    id: newId('user'),
    name: DEMO_ADMIN.name,
    email: DEMO_ADMIN.email,
    platformRole: 'ADMIN',
    createdAt: clock.now(),
  });
  const key = await accounts.issueKey(stores, user.id, 'demo', null, adminKey);
  return { ...user, apiKeyId: key.apiKey.id };
}

/** One version's release in the demo's history. */
interface Release {
  vendor: DemoVendor;
  dataset: DemoDataset;
  version: DemoVersion;
  at: number;
}

/**
 * When each version is released, oldest first: datasets start one after another across [from, to), interleaved
 * across vendors so the newest listings are not all one vendor's, and each version follows its predecessor by a few
 * weeks to months.
 */
function releaseSchedule(vendors: DemoVendor[], from: number, to: number): Release[] {
  const order: { vendor: DemoVendor; dataset: DemoDataset }[] = [];
  const longest = Math.max(...vendors.map((v) => v.datasets.length));
  for (let i = 0; i < longest; i++) {
    for (const vendor of vendors) if (vendor.datasets[i]) order.push({ vendor, dataset: vendor.datasets[i]! });
  }
  const maxVersions = Math.max(...order.map((o) => o.dataset.versions.length));
  const gap = Math.floor((to - from) / 2 / Math.max(1, maxVersions - 1));
  const stride = Math.floor((to - from - gap * (maxVersions - 1)) / order.length);
  const releases = order.flatMap(({ vendor, dataset }, k) =>
    dataset.versions.map((version, j) => ({ vendor, dataset, version, at: from + k * stride + j * (gap - (k % 5) * DAY) })),
  );
  return releases.sort((a, b) => a.at - b.at);
}

/**
 * Takes the seed's transaction lock, polling: one statement blocked for a whole other seed would also outlast the
 * client's query timeout (statement timeout + 1 s), which ends the connection rather than the wait.
 */
async function waitForSeedLock(stores: Stores): Promise<void> {
  const deadline = Date.now() + SEED_STATEMENT_TIMEOUT_MS;
  for (;;) {
    const { rows } = await stores.db.execute<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${DEMO_LOCK}) AS locked`);
    if (rows[0]?.locked) return;
    if (Date.now() > deadline) throw new Error(`the demo seed waited ${SEED_STATEMENT_TIMEOUT_MS} ms for another seed`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The provenance input of one version, with cited demo versions resolved to the IDs they were published under. */
function provenanceInput(release: string, p: DemoProvenance, published: Map<string, string>) {
  return {
    method: p.method ?? null,
    generator: p.generator ?? null,
    sources: (p.sources ?? []).map((s) => {
      const versionId = published.get(`${s.dataset}@${s.version}`);
      if (!versionId) throw new Error(`demo catalog: ${release} cites ${s.dataset}@${s.version}, which is not published before it`);
      return { versionId, role: s.role, rowsUsed: s.rowsUsed };
    }),
    realFraction: p.realFraction ?? null,
    curation: (p.curation ?? []).map((c) => ({ ...c, reviewedFraction: c.reviewedFraction ?? null, notes: c.notes ?? null })),
    collectionMethod: p.collectionMethod ?? null,
    collectionDescription: p.collectionDescription ?? null,
    consentBasis: p.consentBasis ?? null,
  };
}

/** Demo files are small but real: JSON Lines cycled from the dataset's sample rows, so every demo download works. */
export const DEMO_ROWS_PER_FILE = 25;

function demoFile(d: DemoDataset, path: string, declaredRows: number, k: number) {
  const rows = Math.max(1, Math.min(declaredRows, DEMO_ROWS_PER_FILE));
  const lines = Array.from({ length: rows }, (_, i) => JSON.stringify(d.sample[(i + k) % d.sample.length] ?? {}));
  const content = Buffer.from(lines.join('\n') + '\n');
  return {
    path,
    content,
    byteSize: BigInt(content.length),
    rowCount: BigInt(rows),
    sha256: createHash('sha256').update(content).digest('hex'),
  };
}

/** Publishing needs every declared file stored: write the bytes, then record the blob. */
async function storeDemoFiles(
  stores: Stores,
  storage: FileStorage,
  versionId: string,
  files: { content: Buffer; byteSize: bigint; sha256: string }[],
  now: Date,
): Promise<void> {
  for (const f of files) {
    const key = blobKey(versionId, f.sha256);
    await storage.put(key, Readable.from([f.content]), { byteSize: f.byteSize, sha256: f.sha256 });
    await stores.delivery.recordBlob({ versionId, sha256: f.sha256, byteSize: f.byteSize, storageKey: key, storedAt: now });
  }
}

function principal(p: Partial<Principal> & Pick<Principal, 'userId' | 'apiKeyId'>): Principal {
  return {
    organizationId: null,
    organizationKind: null,
    vendorStatus: null,
    orgRole: null,
    platformRole: null,
    ...p,
  };
}
