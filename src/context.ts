import type { AccountsService } from './accounts/service.js';
import type { Viewer } from './accounts/viewer.js';
import type { CatalogService } from './catalog/service.js';
import type { Clock } from './clock.js';
import type { AuditLog } from './audit/service.js';
import type { QueryStats } from './db/client.js';
import type { Stores } from './db/stores/index.js';
import type { BillingService } from './billing/service.js';
import type { LicensingService } from './licensing/service.js';
import type { LineageService } from './lineage/service.js';
import type { OffersService } from './offers/service.js';
import type { SigningKeyRing } from './tokens/signing-keys.js';
import type { UploadsService } from './delivery/uploads-service.js';
import type { TokensService } from './tokens/service.js';
import type { MeteringService } from './metering/service.js';
import type { MixesService } from './mixes/service.js';
import type { CoverageService } from './coverage/service.js';
import type { EventsService } from './events/service.js';
import type { ComplianceService } from './compliance/service.js';

/** Built once per request: who is calling, their stores (with request-scoped loaders) and the services. */
export interface Context {
  viewer: Viewer;
  stores: Stores;
  clock: Clock;
  accounts: AccountsService;
  catalog: CatalogService;
  lineage: LineageService;
  offers: OffersService;
  licensing: LicensingService;
  billing: BillingService;
  tokens: TokensService;
  uploads: UploadsService;
  metering: MeteringService;
  mixes: MixesService;
  coverage: CoverageService;
  events: EventsService;
  compliance: ComplianceService;
  audit: AuditLog;
  keyRing: SigningKeyRing;
  requestId: string;
  /** Statements this request has issued so far. */
  queryStats: QueryStats;
}
