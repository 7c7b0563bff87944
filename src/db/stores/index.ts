import { transaction, type DbOrTx } from '../client.js';
import { AuditStore } from './audit-store.js';
import { AccountsStore } from './accounts-store.js';
import { CatalogStore } from './catalog-store.js';
import { LineageStore } from './lineage-store.js';
import { BillingStore } from './billing-store.js';
import { LicensingStore } from './licensing-store.js';
import { OffersStore } from './offers-store.js';
import { DeliveryStore } from './delivery-store.js';
import { TokensStore } from './tokens-store.js';
import { MeteringStore } from './metering-store.js';
import { MixesStore } from './mixes-store.js';
import { CoverageStore } from './coverage-store.js';
import { EventsStore } from './events-store.js';
import { PartitionStore } from './partition-store.js';
import { OpenLineageStore } from './openlineage-store.js';

/**
 * Every feature's data access for one request (or one transaction); loaders cache per instance.
 * @example await stores.transaction(async (tx) => { await tx.catalog.insertDataset(...) });
 */
export class Stores {
  // Built on first use: most requests touch two or three features, and each store owns several DataLoaders.
  #accounts?: AccountsStore;
  #audit?: AuditStore;
  #catalog?: CatalogStore;
  #lineage?: LineageStore;
  #offers?: OffersStore;
  #licensing?: LicensingStore;
  #billing?: BillingStore;
  #tokens?: TokensStore;
  #delivery?: DeliveryStore;
  #metering?: MeteringStore;
  #mixes?: MixesStore;
  #coverage?: CoverageStore;
  #events?: EventsStore;
  #partitions?: PartitionStore;
  #openLineage?: OpenLineageStore;

  constructor(readonly db: DbOrTx) {}

  get accounts(): AccountsStore {
    return (this.#accounts ??= new AccountsStore(this.db));
  }
  get audit(): AuditStore {
    return (this.#audit ??= new AuditStore(this.db));
  }
  get catalog(): CatalogStore {
    return (this.#catalog ??= new CatalogStore(this.db));
  }
  get lineage(): LineageStore {
    return (this.#lineage ??= new LineageStore(this.db));
  }
  get offers(): OffersStore {
    return (this.#offers ??= new OffersStore(this.db));
  }
  get licensing(): LicensingStore {
    return (this.#licensing ??= new LicensingStore(this.db));
  }
  get billing(): BillingStore {
    return (this.#billing ??= new BillingStore(this.db));
  }
  get tokens(): TokensStore {
    return (this.#tokens ??= new TokensStore(this.db));
  }
  get delivery(): DeliveryStore {
    return (this.#delivery ??= new DeliveryStore(this.db));
  }
  get metering(): MeteringStore {
    return (this.#metering ??= new MeteringStore(this.db));
  }
  get mixes(): MixesStore {
    return (this.#mixes ??= new MixesStore(this.db));
  }
  get coverage(): CoverageStore {
    return (this.#coverage ??= new CoverageStore(this.db));
  }

  get events(): EventsStore {
    return (this.#events ??= new EventsStore(this.db));
  }
  get partitions(): PartitionStore {
    return (this.#partitions ??= new PartitionStore(this.db));
  }
  get openLineage(): OpenLineageStore {
    return (this.#openLineage ??= new OpenLineageStore(this.db));
  }

  /**
   * Runs read-only `fn` in one REPEATABLE READ READ ONLY transaction, so every statement sees the same snapshot
   * however many writers commit meanwhile. Call it outside a transaction (inside one it would be a plain savepoint).
   */
  snapshot<T>(fn: (stores: Stores) => Promise<T>): Promise<T> {
    return transaction(this.db, (tx) => fn(new Stores(tx)), { isolationLevel: 'repeatable read', accessMode: 'read only' });
  }

  /** Runs `fn` in one transaction (a savepoint when already inside one). */
  transaction<T>(fn: (stores: Stores) => Promise<T>): Promise<T> {
    return transaction(this.db, (tx) => fn(new Stores(tx)));
  }
}
