import { createHash } from 'node:crypto';
import { AccountsService } from '../accounts/service.js';
import { Viewer, type Principal } from '../accounts/viewer.js';
import { CatalogService } from '../catalog/service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import { DEMO_VENDORS } from './catalog-data.js';
import { DEMO_KEYS } from './keys.js';

const DEMO_LOCK = 727_190_003;

/** A deterministic stand-in checksum for demo files (the demo ships metadata, not bytes). */
function demoSha256(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex');
}

/**
 * Seeds the demo catalog through the same services as the API, once: a second run finds it and changes nothing.
 * @example const { created, datasets } = await seedDemo(database.db, systemClock);
 */
export async function seedDemo(db: Db, clock: Clock): Promise<{ created: boolean; datasets: number }> {
  return new Stores(db).transaction(async (stores) => {
    await stores.db.execute(`SELECT pg_advisory_xact_lock(${DEMO_LOCK})`);
    const count = DEMO_VENDORS.reduce((n, v) => n + v.datasets.length, 0);
    if (await stores.accounts.organizationBySlug(DEMO_VENDORS[0]!.slug)) return { created: false, datasets: count };

    const accounts = new AccountsService(stores, clock);
    const catalog = new CatalogService(stores, clock);
    const anonymous = new Viewer(null);

    const demoAdmin = await stores.accounts.insertUser({
      id: (await import('../ids.js')).newId('user'),
      name: 'Demo Admin',
      email: 'admin@demo.assay.local',
      platformRole: 'ADMIN',
      createdAt: clock.now(),
    });
    const adminKey = await accounts.issueKey(stores, demoAdmin.id, 'demo', null, DEMO_KEYS.admin);
    const admin = new Viewer(principal(demoAdmin.id, adminKey.apiKey.id, null, null, 'ADMIN'));

    const buyer = await accounts.createOrganization(anonymous, {
      name: 'Helix AI Lab',
      slug: 'helix-ai',
      kind: 'BUYER',
      owner: { name: 'Bruno Castillo', email: 'bruno@helix.example' },
    });
    await accounts.issueKey(stores, buyer.owner.id, 'demo', null, DEMO_KEYS.buyer);

    for (const [i, vendor] of DEMO_VENDORS.entries()) {
      const signup = await accounts.createOrganization(anonymous, {
        name: vendor.name,
        slug: vendor.slug,
        kind: 'VENDOR',
        owner: vendor.owner,
      });
      if (i === 0) await accounts.issueKey(stores, signup.owner.id, 'demo', null, DEMO_KEYS.vendor);
      await accounts.approveVendor(admin, { organizationId: signup.organization.id });
      const owner = new Viewer(principal(signup.owner.id, signup.apiKey.id, signup.organization.id, 'OWNER', null, 'APPROVED'));

      for (const d of vendor.datasets) {
        const dataset = await catalog.createDataset(owner, {
          slug: d.slug,
          title: d.title,
          summary: d.summary,
          description: d.description,
          kind: d.kind,
          modality: d.modality,
          tags: d.tags,
          terms: d.terms,
        });
        for (const v of d.versions) {
          const version = await catalog.createVersion(owner, {
            datasetId: dataset.id,
            version: v.version,
            format: v.format,
            columns: d.columns,
            sample: d.sample,
            changelog: v.changelog,
            files: v.files.map((f) => ({
              path: f.path,
              byteSize: BigInt(f.byteSize),
              rowCount: BigInt(f.rowCount),
              sha256: demoSha256(vendor.slug, d.slug, v.version, f.path),
            })),
          });
          await catalog.publishVersion(owner, { id: version.id });
        }
      }
    }
    return { created: true, datasets: count };
  });
}

function principal(
  userId: string,
  apiKeyId: string,
  organizationId: string | null,
  orgRole: Principal['orgRole'],
  platformRole: Principal['platformRole'],
  vendorStatus: Principal['vendorStatus'] = null,
): Principal {
  return {
    userId,
    apiKeyId,
    organizationId,
    orgRole,
    platformRole,
    organizationKind: organizationId ? 'VENDOR' : null,
    vendorStatus,
  };
}
