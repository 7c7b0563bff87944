import DataLoader from 'dataloader';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { byKey, groupBy, PrimedLoader } from './batch.js';
import { offers } from '../tables/index.js';

export type OfferRow = typeof offers.$inferSelect;
export type PricingModel = OfferRow['pricingModel'];

/** Data access for offers; one instance per request (its loaders cache for that request). */
export class OffersStore {
  constructor(private readonly db: DbOrTx) {}

  readonly offerById = new DataLoader<string, OfferRow | undefined>(async (ids) => {
    const rows = await this.db
      .select()
      .from(offers)
      .where(inArray(offers.id, [...ids]));
    return byKey(ids, rows, (r) => r.id);
  });

  /** Every offer of each dataset (archived too; callers filter), oldest first: one query per page of datasets. */
  readonly offersByDatasetId = new PrimedLoader<string, OfferRow[]>(async (datasetIds) => {
    const rows = await this.db
      .select()
      .from(offers)
      .where(inArray(offers.datasetId, [...datasetIds]))
      .orderBy(offers.datasetId, offers.id);
    return groupBy(datasetIds, rows, (r) => r.datasetId);
  });

  async insertOffer(row: typeof offers.$inferInsert): Promise<OfferRow> {
    const [created] = await this.db.insert(offers).values(row).returning();
    return created!;
  }

  /** Archives an active offer once; undefined when it already was. */
  async archiveOffer(id: string, now: Date): Promise<OfferRow | undefined> {
    const [row] = await this.db
      .update(offers)
      .set({ active: false, archivedAt: now, updatedAt: now })
      .where(and(eq(offers.id, id), eq(offers.active, true)))
      .returning();
    return row;
  }

  /** Records the Stripe meter and metered price of a USAGE offer, unless another request already did. */
  async setStripeUsagePrice(id: string, meterId: string, priceId: string): Promise<OfferRow> {
    await this.db
      .update(offers)
      .set({ stripeMeterId: meterId, stripePriceId: priceId })
      .where(and(eq(offers.id, id), isNull(offers.stripePriceId)));
    const [row] = await this.db.select().from(offers).where(eq(offers.id, id));
    return row!;
  }

  /** Offers of the given datasets that ask derivative datasets for a royalty (archived ones too). */
  async royaltyOffersOf(datasetIds: string[]): Promise<OfferRow[]> {
    if (datasetIds.length === 0) return [];
    return this.db
      .select()
      .from(offers)
      .where(and(inArray(offers.datasetId, datasetIds)))
      .then((rows) => rows.filter((r) => r.royaltyBps != null));
  }
}
