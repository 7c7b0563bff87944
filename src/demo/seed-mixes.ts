import type { Viewer } from '../accounts/viewer.js';
import type { RequestServices } from '../context.js';

/** Coverage reports the demo attaches: region of the support tickets and their derivatives, language of read speech. */
const COVERAGE: { release: string; attribute: string; groups: Record<string, number>; attestedBy: string; thirdParty?: boolean }[] = [
  {
    release: 'northwind-data/support-tickets-en@2.0.0',
    attribute: 'region',
    groups: { na: 620_000, eu: 410_000, apac: 190_000, latam: 82_400 },
    attestedBy: 'Northwind data team',
  },
  {
    // The generator dropped Latin American customers: the region coverage report shows latam VANISHED.
    release: 'northwind-data/support-tickets-paraphrased@1.1.0',
    attribute: 'region',
    groups: { na: 171_000, eu: 99_000, apac: 30_000, latam: 0 },
    attestedBy: 'Northwind data team',
  },
  {
    release: 'northwind-data/support-tickets-augmented@1.1.0',
    attribute: 'region',
    groups: { na: 192_000, eu: 128_000, apac: 56_000, latam: 24_000 },
    attestedBy: 'Fairlane Audit (independent)',
    thirdParty: true,
  },
  {
    release: 'cadence-audio/read-speech-12-languages@2.1.0',
    attribute: 'language',
    groups: { en: 310_000, es: 248_000, de: 221_000, fr: 219_000, hi: 158_000, sw: 142_000 },
    attestedBy: 'Cadence Audio speech team',
  },
];

/** The demo buyer's two mixes: real data replaced over two generations (HIGH), and real data kept (LOW). */
const MIXES: { name: string; regime: 'ACCUMULATE' | 'REPLACE'; components: [string, 'all' | number][] }[] = [
  {
    name: 'Support assistant: synthetic only (REPLACE)',
    regime: 'REPLACE',
    components: [
      ['northwind-data/support-tickets-paraphrased@1.1.0', 'all'],
      ['northwind-data/support-tickets-paraphrased-gen2@1.1.0', 'all'],
    ],
  },
  {
    name: 'Support assistant: real tickets kept (ACCUMULATE)',
    regime: 'ACCUMULATE',
    components: [
      ['northwind-data/support-tickets-en@2.0.0', 'all'],
      ['northwind-data/support-tickets-augmented@1.1.0', 50],
      ['northwind-data/support-dialogues-synthetic@1.1.0', 50],
      ['northwind-data/support-tickets-paraphrased-gen2@1.1.0', 25],
    ],
  },
];

export interface DemoMixesInput {
  admin: Viewer;
  /** The owner of each vendor, by vendor slug. */
  vendorOwners: Map<string, Viewer>;
  buyer: Viewer;
  /** Published demo versions by `vendor-slug/dataset-slug@version`. */
  versionIds: Map<string, string>;
}

/**
 * Attaches the demo's coverage reports and builds the demo buyer's training mixes, through the same services as the
 * API, inside the demo seed's transaction.
 * @example await seedMixes(services, { admin, vendorOwners, buyer, versionIds });
 */
export async function seedMixes(services: RequestServices, input: DemoMixesInput): Promise<void> {
  const { stores, coverage, mixes } = services;
  const versionOf = (release: string) => {
    const id = input.versionIds.get(release);
    if (!id) throw new Error(`demo mixes: ${release} is not a published demo version`);
    return id;
  };
  for (const report of COVERAGE) {
    const vendor = input.vendorOwners.get(report.release.split('/')[0]!)!;
    await coverage.attach(report.thirdParty ? input.admin : vendor, {
      versionId: versionOf(report.release),
      attribute: report.attribute,
      groups: Object.entries(report.groups).map(([value, count]) => ({ value, count })),
      attestedBy: report.attestedBy,
      attestation: report.thirdParty ? 'THIRD_PARTY' : 'VENDOR',
    });
  }
  for (const mix of MIXES) {
    const components = await Promise.all(
      mix.components.map(async ([release, rows]) => {
        const versionId = versionOf(release);
        const version = (await stores.catalog.versionById.load(versionId))!;
        return { versionId, rows: rows === 'all' ? Number(version.rowCount) : rows };
      }),
    );
    await mixes.create(input.buyer, { name: mix.name, regime: mix.regime, intendedUse: ['MODEL_TRAINING', 'COMMERCIAL_USE'], components });
  }
}
