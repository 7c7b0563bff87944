import type { ApiClient } from './app.js';
import { CREATE_VERSION, OPEN_TERMS, createDataset, dataFile, ok, sha256, uploadFiles, versionInput, type Org } from './fixtures.js';

export const PUBLISH_WITH_EVIDENCE = `mutation($input: PublishDatasetVersionInput!) { publishDatasetVersion(input: $input) { datasetVersion { id status
  optOutEvidence { signal url value reserved checkedAt sha256 } } } }`;

/** A REAL version scraped from the web: it publishes only with opt-out evidence. */
export const WEB_PROVENANCE = {
  collectionMethod: 'WEB_SCRAPING',
  collectionDescription: 'Forum threads crawled in 2025.',
  consentBasis: 'PUBLIC_DATA',
};

/** What a crawler read of forum.example's three opt-out signals: nothing reserved. */
export const EVIDENCE = [
  {
    signal: 'ROBOTS_TXT',
    url: 'https://forum.example/robots.txt',
    value: 'User-agent: * Allow: /threads/',
    reserved: false,
    checkedAt: '2025-03-01T10:00:00Z',
    sha256: sha256('User-agent: *\nAllow: /threads/\n'),
  },
  {
    signal: 'TDMREP',
    url: 'https://forum.example/.well-known/tdmrep.json',
    value: '0',
    reserved: false,
    checkedAt: '2025-03-01T10:00:01Z',
    sha256: sha256('[{"location":"/*","tdm-reservation":0}]'),
  },
  {
    signal: 'AI_PREFERENCES',
    url: 'https://forum.example/',
    value: 'train-ai=y, search=y',
    reserved: false,
    checkedAt: '2025-03-01T10:00:02Z',
    sha256: sha256('Content-Usage: train-ai=y, search=y'),
  },
];

/** A draft of a one-version TEXT dataset of `rows` rows with its file uploaded. */
export async function draftVersion(
  app: ApiClient,
  vendor: Org,
  title: string,
  kind: string,
  rows: number,
  provenance: Record<string, unknown>,
  terms: Record<string, unknown> = OPEN_TERMS,
): Promise<{ datasetId: string; versionId: string }> {
  const datasetId = await createDataset(app, vendor, { title, kind, modality: 'TEXT', terms, tags: ['compliance'] });
  const versionId = ok(
    await app.gql(
      CREATE_VERSION,
      { input: versionInput(datasetId, { provenance, files: [dataFile('data/train.jsonl', `{"id":"1","text":"${title}"}\n`, rows)] }) },
      vendor.key,
    ),
  ).createDatasetVersion.datasetVersion.id as string;
  await uploadFiles(app, vendor.key, versionId);
  return { datasetId, versionId };
}

/** `draftVersion`, published with the given opt-out evidence. */
export async function publishedVersion(
  app: ApiClient,
  vendor: Org,
  title: string,
  kind: string,
  rows: number,
  provenance: Record<string, unknown>,
  evidence: unknown[] = [],
): Promise<{ datasetId: string; versionId: string }> {
  const ids = await draftVersion(app, vendor, title, kind, rows, provenance);
  ok(await app.gql(PUBLISH_WITH_EVIDENCE, { input: { id: ids.versionId, optOutEvidence: evidence } }, vendor.key));
  return ids;
}
