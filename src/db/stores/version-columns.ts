import { getTableColumns } from 'drizzle-orm';
import { datasetVersions } from '../tables/index.js';

/**
 * A version's columns but its sample: the sample (up to 256 KiB) is read only where it is shown or checked
 * (`CatalogStore.sampleByVersionId`), or a catalog page of 100 listings would carry up to 25 MiB nobody asked for.
 */
const { sample: _sample, ...columns } = getTableColumns(datasetVersions);
export const versionColumns = columns;
