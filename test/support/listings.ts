import type { TestApp } from './app.js';
import { ADMIN_KEY } from './app.js';
import { CREATE_VERSION, PUBLISH_VERSION, dataFile, ok, uploadFiles, versionInput, type Org } from './fixtures.js';

export const SUSPEND = `mutation($id: ID!, $reason: String!) { suspendDataset(input: { id: $id, reason: $reason }) { dataset { id status } } }`;
export const REINSTATE = `mutation($id: ID!) { reinstateDataset(input: { id: $id }) { dataset { id status } } }`;
export const RETRACT = `mutation($id: ID!, $reason: String!) { retractDatasetVersion(input: { id: $id, reason: $reason }) { datasetVersion { id status } } }`;

/** An admin suspends the dataset. */
export async function suspend(app: TestApp, datasetId: string, reason = 'Under review'): Promise<void> {
  ok(await app.gql(SUSPEND, { id: datasetId, reason }, ADMIN_KEY));
}

/** An admin reinstates a suspended dataset. */
export async function reinstate(app: TestApp, datasetId: string): Promise<void> {
  ok(await app.gql(REINSTATE, { id: datasetId }, ADMIN_KEY));
}

/** The vendor retracts a published version. */
export async function retract(app: TestApp, vendor: Org, versionId: string, reason = 'PII found'): Promise<void> {
  ok(await app.gql(RETRACT, { id: versionId, reason }, vendor.key));
}

/** Publishes a further version of an existing dataset (`version` must be newer than the published ones). */
export async function publishNextVersion(app: TestApp, vendor: Org, datasetId: string, version: string): Promise<string> {
  const input = versionInput(datasetId, { version, files: [dataFile(`data/${version}.jsonl`, `{"id":"${version}"}\n`, 1)] });
  const versionId = ok(await app.gql(CREATE_VERSION, { input }, vendor.key)).createDatasetVersion.datasetVersion.id;
  await uploadFiles(app, vendor.key, versionId);
  ok(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key));
  return versionId;
}
