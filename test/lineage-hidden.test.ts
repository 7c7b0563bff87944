import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { ok, publishDataset, signUp, uniqueSlug, type Org } from './support/fixtures.js';
import { retract, suspend } from './support/listings.js';

let app: TestApp;
let vendorA: Org;
let vendorB: Org;
let vendorC: Org;
let buyer: Org;
let otherBuyer: Org;

const VIEW = `query($id: ID!) { datasetVersion(id: $id) {
  provenance { sources { versionId version { id } } }
  lineage {
    ancestors { version { id } } roots { id } retractedAncestors { id } attributions
    inheritedTerms { commercialUse derivatives attributionRequired }
    collapseRisk { level reasons }
  }
  croissant
} }`;

let hiddenTitle: string;
let hidden: { datasetId: string; versionId: string };
let listed: { datasetId: string; versionId: string };
let derived: { datasetId: string; versionId: string };

beforeAll(async () => {
  app = await startTestApp();
  [vendorA, vendorB, vendorC, buyer, otherBuyer] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
  ]);
  hiddenTitle = `Clinic notes ${uniqueSlug('hidden')}`;
  // Vendor A's and vendor C's open, attribution-requiring real data; vendor B generates from both.
  hidden = await publishDataset(app, vendorA, { title: hiddenTitle });
  listed = await publishDataset(app, vendorC, { title: 'Listed forum posts' });
  derived = await publishDataset(
    app,
    vendorB,
    { kind: 'SYNTHETIC', title: 'Synthetic notes' },
    {
      provenance: {
        method: 'SIMULATION',
        sources: [
          { versionId: hidden.versionId, role: 'SEED', rowsUsed: '10' },
          { versionId: listed.versionId, role: 'SEED', rowsUsed: '10' },
        ],
      },
    },
  );
  await retract(app, vendorA, hidden.versionId, 'Patient names found');
  await retract(app, vendorC, listed.versionId, 'Duplicates found');
});
afterAll(async () => {
  await app?.close();
});

const view = async (key?: string) => ok(await app.gql(VIEW, { id: derived.versionId }, key)).datasetVersion;
/** Everything a viewer gets about the derived version, as one string to search for names. */
const text = async (key?: string) => JSON.stringify(await view(key));

describe('ancestors the viewer may not see', () => {
  it('are named to everyone while listed (so the check below can tell)', async () => {
    const seen = await view(buyer.key);
    expect(seen.lineage.collapseRisk.reasons.join('\n')).toContain(hidden.versionId);
    expect(seen.lineage.attributions.some((a: string) => a.startsWith(hiddenTitle))).toBe(true);
  });

  it('once suspended, appear by no name, title or ID in any text or list other buyers, vendors and anonymous callers get', async () => {
    await suspend(app, hidden.datasetId, 'PII');
    for (const key of [buyer.key, otherBuyer.key, vendorC.key, undefined]) {
      const all = await text(key);
      for (const secret of [hidden.versionId, hidden.datasetId, hiddenTitle]) expect(all, `${key}: ${secret}`).not.toContain(secret);
      const seen = await view(key);
      // The risk still counts it; the listed ancestor is still named, with its reason.
      expect(seen.lineage.collapseRisk.level).toBe('HIGH');
      expect(seen.lineage.collapseRisk.reasons).toContain('An ancestor not listed in the catalog was retracted');
      expect(seen.lineage.collapseRisk.reasons.join('\n')).toContain(`(${listed.versionId}) was retracted: Duplicates found`);
      expect(seen.lineage.retractedAncestors).toEqual([{ id: listed.versionId }]);
      expect(seen.lineage.ancestors).toEqual([{ version: { id: listed.versionId } }]);
      expect(seen.lineage.roots).toEqual([{ id: listed.versionId }]);
      expect(seen.lineage.attributions).toEqual([expect.stringMatching(/^Listed forum posts by /)]);
      expect(seen.provenance.sources).toEqual([{ versionId: listed.versionId, version: { id: listed.versionId } }]);
      // Terms still combine every ancestor's: hiding a name never widens what may be done with the data.
      expect(seen.lineage.inheritedTerms).toEqual({ commercialUse: true, derivatives: true, attributionRequired: true });
    }
  });

  it('stay named to the hidden dataset’s vendor and staff', async () => {
    for (const key of [vendorA.key, ADMIN_KEY]) {
      const seen = await view(key);
      expect(seen.lineage.collapseRisk.reasons.join('\n')).toContain(`(${hidden.versionId}) was retracted: Patient names found`);
      expect(seen.lineage.collapseRisk.reasons).not.toContain('An ancestor not listed in the catalog was retracted');
      expect(seen.lineage.retractedAncestors.map((v: any) => v.id).sort()).toEqual([hidden.versionId, listed.versionId].sort());
      expect(seen.lineage.attributions.some((a: string) => a.startsWith(hiddenTitle))).toBe(true);
      expect(seen.provenance.sources.map((s: any) => s.versionId)).toContain(hidden.versionId);
      expect(JSON.stringify(seen.croissant)).toContain(hidden.versionId);
    }
  });

  it('show the citing vendor its own declaration, but its lineage names only what it may see', async () => {
    const seen = await view(vendorB.key);
    expect(seen.provenance.sources.map((s: any) => s.versionId)).toEqual([hidden.versionId, listed.versionId]);
    expect(seen.provenance.sources[0].version).toBeNull();
    expect(JSON.stringify(seen.lineage)).not.toContain(hidden.versionId);
    expect(seen.lineage.collapseRisk.reasons).toContain('An ancestor not listed in the catalog was retracted');
  });
});
