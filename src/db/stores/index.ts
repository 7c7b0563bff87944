import type { Db, DbOrTx } from '../client.js';
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

/**
 * Every feature's data access for one request (or one transaction); loaders cache per instance.
 * @example await stores.transaction(async (tx) => { await tx.catalog.insertDataset(...) });
 */
export class Stores {
  readonly accounts: AccountsStore;
  readonly audit: AuditStore;
  readonly catalog: CatalogStore;
  readonly lineage: LineageStore;
  readonly offers: OffersStore;
  readonly licensing: LicensingStore;
  readonly billing: BillingStore;
  readonly tokens: TokensStore;
  readonly delivery: DeliveryStore;
  readonly metering: MeteringStore;

  constructor(readonly db: DbOrTx) {
    this.accounts = new AccountsStore(db);
    this.audit = new AuditStore(db);
    this.catalog = new CatalogStore(db);
    this.lineage = new LineageStore(db);
    this.offers = new OffersStore(db);
    this.licensing = new LicensingStore(db);
    this.billing = new BillingStore(db);
    this.tokens = new TokensStore(db);
    this.delivery = new DeliveryStore(db);
    this.metering = new MeteringStore(db);
  }

  /** Runs `fn` in one transaction (a savepoint when already inside one). */
  transaction<T>(fn: (stores: Stores) => Promise<T>): Promise<T> {
    return (this.db as Db).transaction((tx) => fn(new Stores(tx)));
  }
}
