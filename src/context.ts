import { AccountsService } from './accounts/service.js';
import type { Viewer } from './accounts/viewer.js';
import type { AuditLog } from './audit/service.js';
import { BillingService } from './billing/service.js';
import { CatalogService } from './catalog/service.js';
import type { Clock } from './clock.js';
import type { ProcessParts } from './composition.js';
import { CoverageService } from './coverage/service.js';
import type { QueryStats } from './db/client.js';
import type { Stores } from './db/stores/index.js';
import { UploadsService } from './delivery/uploads-service.js';
import { EventsService } from './events/service.js';
import { derivationLicenses } from './licensing/derivation-licenses.js';
import { LicensingService } from './licensing/service.js';
import { LineageService } from './lineage/service.js';
import { MeteringService } from './metering/service.js';
import { MixesService } from './mixes/service.js';
import { lineageFor, type LineageView } from './offers/lineage-port.js';
import { OffersService } from './offers/service.js';
import { TokensService } from './tokens/service.js';
import type { SigningKeyRing } from './tokens/signing-keys.js';
import { ComplianceService } from './compliance/service.js';

/** What a request's services are built from: the process-wide parts they use (the seed passes its own clock). */
export type ServiceParts = Pick<ProcessParts, 'clock' | 'audit' | 'stripe' | 'keyRing' | 'storage' | 'secret' | 'usageRecorder'> & {
  config: Pick<ProcessParts['config'], 'limits' | 'collapseRisk' | 'mixes' | 'metering' | 'webhooks' | 'stripe' | 'platformFeeBps'>;
  downloadGate: Pick<ProcessParts['downloadGate'], 'listingChanged' | 'changed'>;
};

/** One request's (or one seed run's) own parts. */
export interface RequestScope {
  /** The request's stores, with their request-scoped loaders (or a transaction's). */
  stores: Stores;
  /** Absolute origin the client reached, for Croissant URLs. */
  origin: string;
  log: (err: unknown, message: string) => void;
}

/**
 * The one place a request's services are built, each on first use: a request that touches one service builds
 * that one and what it depends on, not all of them. Every entry point (GraphQL, the HTTP routes, the Stripe
 * webhook, the seed, the bench) builds its services here.
 * @example const services = new RequestServices(parts, { stores, origin, log }); await services.catalog.dataset(viewer, id);
 */
export class RequestServices {
  /** The services built so far. */
  private readonly built: {
    accounts?: AccountsService;
    catalog?: CatalogService;
    lineage?: LineageService;
    coverage?: CoverageService;
    mixes?: MixesService;
    lineageView?: LineageView;
    offers?: OffersService;
    licensing?: LicensingService;
    billing?: BillingService;
    tokens?: TokensService;
    uploads?: UploadsService;
    metering?: MeteringService;
    events?: EventsService;
    compliance?: ComplianceService;
  } = {};

  constructor(
    private readonly parts: ServiceParts,
    private readonly scope: RequestScope,
  ) {}

  get stores(): Stores {
    return this.scope.stores;
  }
  get clock(): Clock {
    return this.parts.clock;
  }
  get audit(): AuditLog {
    return this.parts.audit;
  }
  get keyRing(): SigningKeyRing {
    return this.parts.keyRing;
  }

  get accounts(): AccountsService {
    return (this.built.accounts ??= new AccountsService(this.stores, this.clock, this.audit));
  }

  get catalog(): CatalogService {
    const { config, clock, downloadGate } = this.parts;
    return (this.built.catalog ??= new CatalogService({
      stores: this.stores,
      clock,
      audit: this.audit,
      derivationLicenses: derivationLicenses(clock),
      storage: config.limits.storage,
      collapseRisk: config.collapseRisk,
      listingChanged: (datasetId) => downloadGate.listingChanged(datasetId),
    }));
  }

  get lineage(): LineageService {
    return (this.built.lineage ??= new LineageService({
      stores: this.stores,
      clock: this.clock,
      audit: this.audit,
      catalog: this.catalog,
      origin: this.scope.origin,
      collapseRiskSettings: this.parts.config.collapseRisk,
    }));
  }

  get coverage(): CoverageService {
    return (this.built.coverage ??= new CoverageService({
      stores: this.stores,
      clock: this.clock,
      audit: this.audit,
      catalog: this.catalog,
      lineage: this.lineage,
      settings: this.parts.config.mixes,
    }));
  }

  get mixes(): MixesService {
    return (this.built.mixes ??= new MixesService({
      stores: this.stores,
      clock: this.clock,
      audit: this.audit,
      catalog: this.catalog,
      coverage: this.coverage,
      risk: this.parts.config.collapseRisk,
      settings: this.parts.config.mixes,
    }));
  }

  /** What offers, licensing and billing read of lineage: inherited terms and ancestors, through these stores. */
  private get lineageView(): LineageView {
    return (this.built.lineageView ??= lineageFor(this.stores));
  }

  get offers(): OffersService {
    return (this.built.offers ??= new OffersService(this.stores, this.clock, this.lineageView, this.audit));
  }

  get licensing(): LicensingService {
    const { stripe, config } = this.parts;
    return (this.built.licensing ??= new LicensingService(this.stores, this.clock, {
      stripe,
      audit: this.audit,
      platformFeeBps: config.platformFeeBps,
      lineage: this.lineageView,
      log: (err, message) => this.scope.log(err, message),
      gateChanged: (row) => this.parts.downloadGate.changed(row),
    }));
  }

  get billing(): BillingService {
    const { stripe, config } = this.parts;
    return (this.built.billing ??= new BillingService(this.stores, this.clock, stripe, {
      stripe: config.stripe,
      platformFeeBps: config.platformFeeBps,
      lineage: this.lineageView,
      audit: this.audit,
      log: (err, message) => this.scope.log(err, message),
    }));
  }

  get tokens(): TokensService {
    return (this.built.tokens ??= new TokensService(this.stores, this.keyRing, this.clock, this.audit, (row) =>
      this.parts.downloadGate.changed(row),
    ));
  }

  get uploads(): UploadsService {
    return (this.built.uploads ??= new UploadsService({
      stores: this.stores,
      catalog: this.catalog,
      storage: this.parts.storage,
      clock: this.clock,
      limits: this.parts.config.limits.storage,
    }));
  }

  get metering(): MeteringService {
    return (this.built.metering ??= new MeteringService(this.stores, this.clock, this.parts.config.metering, this.parts.usageRecorder));
  }

  get events(): EventsService {
    return (this.built.events ??= new EventsService(this.stores, this.clock, {
      serverSecret: this.parts.secret,
      audit: this.audit,
      webhooks: this.parts.config.webhooks,
    }));
  }

  get compliance(): ComplianceService {
    return (this.built.compliance ??= new ComplianceService(
      this.stores,
      this.clock,
      this.catalog,
      this.mixes,
      this.keyRing,
      this.parts.config.collapseRisk,
    ));
  }
}

/** A GraphQL request's context: who is calling, and the request's services (built on first use). */
export interface Context extends RequestServices {
  viewer: Viewer;
  requestId: string;
  /** Statements this request has issued so far. */
  queryStats: QueryStats;
}

/**
 * Adds the caller to a request's services, for the resolvers.
 * @example const context = requestContext(services, { viewer, requestId: request.id, queryStats: request.queryStats });
 */
export function requestContext(services: RequestServices, request: Pick<Context, 'viewer' | 'requestId' | 'queryStats'>): Context {
  return Object.assign(services, request);
}
