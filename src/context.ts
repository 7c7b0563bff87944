import type { AccountsService } from './accounts/service.js';
import type { Viewer } from './accounts/viewer.js';
import type { CatalogService } from './catalog/service.js';
import type { Clock } from './clock.js';
import type { Stores } from './db/stores/index.js';
import type { UploadsService } from './delivery/uploads-service.js';
import type { TokensService } from './tokens/service.js';

/** Built once per request: who is calling, their stores (with request-scoped loaders) and the services. */
export interface Context {
  viewer: Viewer;
  stores: Stores;
  clock: Clock;
  accounts: AccountsService;
  catalog: CatalogService;
  tokens: TokensService;
  uploads: UploadsService;
  requestId: string;
}
