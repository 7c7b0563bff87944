import DataLoader from 'dataloader';
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { byKey } from './batch.js';
import { licenses } from '../tables/index.js';
import type { TenantScope } from '../../accounts/viewer.js';
import { inScope, tenantWhere } from './tenant.js';
import { IN_FORCE_LICENSE_STATUSES, LIVE_LICENSE_STATUSES } from '../../licensing/transitions.js';

export type LicenseRow = typeof licenses.$inferSelect;
export type LicenseStatus = LicenseRow['status'];

/** What a list of licenses may be narrowed to; `statuses` are effective statuses (see licensing/status.ts). */
export interface LicenseQuery {
  statuses?: LicenseStatus[];
  datasetId?: string;
  offerId?: string;
  licenseeId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** The moment effective statuses are read at. */
  now: Date;
}

/** Data access for licenses; one instance per request. */
export class LicensingStore {
  constructor(private readonly db: DbOrTx) {}

  readonly licenseById = new DataLoader<string, LicenseRow | undefined>(async (ids) => {
    const rows = await this.db
      .select()
      .from(licenses)
      .where(inArray(licenses.id, [...ids]));
    return byKey(ids, rows, (r) => r.id);
  });

  /** The license when the scope may see it: its licensee's and its vendor's members, staff. */
  async license(scope: TenantScope, id: string): Promise<LicenseRow | undefined> {
    const row = await this.licenseById.load(id);
    return row && inScope(scope, row.licenseeId, row.vendorId) ? row : undefined;
  }

  /** The license, locked for update, when the scope may see it. */
  async lockLicenseIn(scope: TenantScope, id: string): Promise<LicenseRow | undefined> {
    const row = await this.lockLicense(id);
    return row && inScope(scope, row.licenseeId, row.vendorId) ? row : undefined;
  }

  /** Inserts a license; on a repeated idempotency key returns undefined (the caller re-reads the existing one). */
  async insertLicense(row: typeof licenses.$inferInsert): Promise<LicenseRow | undefined> {
    const [created] = await this.db
      .insert(licenses)
      .values(row)
      .onConflictDoNothing({ target: [licenses.licenseeId, licenses.idempotencyKey] })
      .returning();
    return created;
  }

  async licenseByIdempotencyKey(licenseeId: string, key: string): Promise<LicenseRow | undefined> {
    const [row] = await this.db
      .select()
      .from(licenses)
      .where(and(eq(licenses.licenseeId, licenseeId), eq(licenses.idempotencyKey, key)))
      .limit(1);
    return row;
  }

  async liveLicenseFor(licenseeId: string, offerId: string): Promise<LicenseRow | undefined> {
    const [row] = await this.db
      .select()
      .from(licenses)
      .where(and(eq(licenses.licenseeId, licenseeId), eq(licenses.offerId, offerId), inArray(licenses.status, [...LIVE_LICENSE_STATUSES])))
      .limit(1);
    return row;
  }

  /** The row as stored now, past the request's DataLoader cache (for waiting on another request's work). */
  async freshLicense(id: string): Promise<LicenseRow | undefined> {
    const [row] = await this.db.select().from(licenses).where(eq(licenses.id, id));
    return row;
  }

  /**
   * Takes the lease on opening a PENDING_PAYMENT license's Stripe side until `until`, in one statement; undefined when
   * the Stripe side is open already, the license moved on, or another unexpired lease holds it.
   */
  async claimStripeSetup(id: string, now: Date, until: Date): Promise<LicenseRow | undefined> {
    const [row] = await this.db
      .update(licenses)
      .set({ stripeClaimedUntil: until })
      .where(
        and(
          eq(licenses.id, id),
          eq(licenses.status, 'PENDING_PAYMENT'),
          isNull(licenses.stripeCheckoutSessionId),
          isNull(licenses.stripeSubscriptionId),
          or(isNull(licenses.stripeClaimedUntil), lte(licenses.stripeClaimedUntil, now)),
        ),
      )
      .returning();
    return row;
  }

  /** Gives up a lease taken with `claimStripeSetup` (after a failed Stripe call), so a retry need not wait for it. */
  async releaseStripeSetup(id: string, until: Date): Promise<void> {
    await this.db
      .update(licenses)
      .set({ stripeClaimedUntil: null })
      .where(and(eq(licenses.id, id), eq(licenses.stripeClaimedUntil, until)));
  }

  /** Locks one license row for the rest of the transaction. */
  async lockLicense(id: string): Promise<LicenseRow | undefined> {
    const [row] = await this.db.select().from(licenses).where(eq(licenses.id, id)).for('update');
    return row;
  }

  async updateLicense(id: string, patch: Partial<typeof licenses.$inferInsert>): Promise<LicenseRow> {
    const [row] = await this.db.update(licenses).set(patch).where(eq(licenses.id, id)).returning();
    return row!;
  }

  /** Marks licenses whose term has ended EXPIRED (optionally only one organization's licenses of one offer); returns them. */
  async expireDue(now: Date, only?: { licenseeId: string; offerId: string }): Promise<LicenseRow[]> {
    return this.db
      .update(licenses)
      .set({ status: 'EXPIRED', updatedAt: now })
      .where(
        and(
          inArray(licenses.status, IN_FORCE_LICENSE_STATUSES),
          lte(licenses.expiresAt, now),
          only ? and(eq(licenses.licenseeId, only.licenseeId), eq(licenses.offerId, only.offerId)) : undefined,
        ),
      )
      .returning();
  }

  /**
   * Whether the organization ever started a trial under the offer, whatever became of that license; a request
   * rejected or a checkout abandoned before the trial began does not count.
   */
  async hadTrial(licenseeId: string, offerId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: licenses.id })
      .from(licenses)
      .where(and(eq(licenses.licenseeId, licenseeId), eq(licenses.offerId, offerId), isNotNull(licenses.trialEndsAt)))
      .limit(1);
    return row !== undefined;
  }

  /**
   * Marks reminded every live trial ending by `until` that was not reminded yet and returns those licenses; rows
   * another transaction holds are skipped (they are reminded by that one or the next run).
   */
  async claimTrialReminders(now: Date, until: Date): Promise<LicenseRow[]> {
    const due = this.db
      .select({ id: licenses.id })
      .from(licenses)
      .where(
        and(
          isNull(licenses.trialReminderSentAt),
          inArray(licenses.status, IN_FORCE_LICENSE_STATUSES),
          gt(licenses.trialEndsAt, now),
          lte(licenses.trialEndsAt, until),
        ),
      )
      .for('update', { skipLocked: true });
    return this.db.update(licenses).set({ trialReminderSentAt: now }).where(inArray(licenses.id, due)).returning();
  }

  async licenseBySubscription(subscriptionId: string): Promise<LicenseRow | undefined> {
    const [row] = await this.db.select().from(licenses).where(eq(licenses.stripeSubscriptionId, subscriptionId)).limit(1);
    return row;
  }

  /** Newest (or oldest) first, keyset on the time-ordered id; `limit + 1` rows. */
  async listLicenses(
    scope: TenantScope,
    query: LicenseQuery,
    page: { afterId?: string; ascending: boolean; limit: number },
  ): Promise<LicenseRow[]> {
    const keyset = page.afterId ? (page.ascending ? gt(licenses.id, page.afterId) : lt(licenses.id, page.afterId)) : undefined;
    return this.db
      .select()
      .from(licenses)
      .where(and(this.visible(scope), this.matching(query), keyset))
      .orderBy(page.ascending ? asc(licenses.id) : desc(licenses.id))
      .limit(page.limit + 1);
  }

  async countLicenses(scope: TenantScope, query: LicenseQuery): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(licenses)
      .where(and(this.visible(scope), this.matching(query)));
    return row!.n;
  }

  /**
   * An ACTIVE, unexpired license of `organizationId` covering `versionId` (of `datasetId`), newest first.
   * @example await stores.licensing.activeLicenseCovering(orgId, datasetId, versionId, now)
   */
  async activeLicenseCovering(organizationId: string, datasetId: string, versionId: string, now: Date): Promise<LicenseRow[]> {
    return this.db
      .select()
      .from(licenses)
      .where(
        and(
          eq(licenses.licenseeId, organizationId),
          eq(licenses.datasetId, datasetId),
          eq(licenses.status, 'ACTIVE'),
          or(sql`${licenses.expiresAt} IS NULL`, sql`${licenses.expiresAt} > ${now.toISOString()}`),
          or(sql`${licenses.versionIds} IS NULL`, sql`${versionId} = ANY(${licenses.versionIds})`),
        ),
      )
      .orderBy(desc(licenses.id));
  }

  private matching(q: LicenseQuery): SQL | undefined {
    return and(
      q.statuses ? or(...q.statuses.map((status) => this.hasEffectiveStatus(status, q.now))) : undefined,
      q.datasetId ? eq(licenses.datasetId, q.datasetId) : undefined,
      q.offerId ? eq(licenses.offerId, q.offerId) : undefined,
      q.licenseeId ? eq(licenses.licenseeId, q.licenseeId) : undefined,
      q.createdAfter ? gte(licenses.createdAt, q.createdAfter) : undefined,
      q.createdBefore ? lt(licenses.createdAt, q.createdBefore) : undefined,
    );
  }

  /** The SQL twin of effectiveStatus: an ACTIVE or PAST_DUE license whose term has ended reads EXPIRED. */
  private hasEffectiveStatus(status: LicenseStatus, now: Date): SQL {
    const ended = and(sql`${licenses.expiresAt} IS NOT NULL`, lte(licenses.expiresAt, now))!;
    const running = or(sql`${licenses.expiresAt} IS NULL`, gt(licenses.expiresAt, now))!;
    if (status === 'EXPIRED') return or(eq(licenses.status, 'EXPIRED'), and(inArray(licenses.status, IN_FORCE_LICENSE_STATUSES), ended))!;
    if (IN_FORCE_LICENSE_STATUSES.includes(status)) return and(eq(licenses.status, status), running)!;
    return eq(licenses.status, status);
  }

  /** A buyer its own licenses, a vendor those of its datasets (and its own purchases), staff all. */
  private visible(scope: TenantScope): SQL | undefined {
    return tenantWhere(scope, licenses.licenseeId, licenses.vendorId);
  }
}
