import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { billingCustomers, ledgerEntries, payments, payoutAccounts, stripeEvents } from '../tables/index.js';

export type PayoutAccountRow = typeof payoutAccounts.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;

/** Data access for payout accounts, Stripe customers and events, payments and the payouts ledger. */
export class BillingStore {
  constructor(private readonly db: DbOrTx) {}

  async payoutAccount(organizationId: string): Promise<PayoutAccountRow | undefined> {
    const [row] = await this.db.select().from(payoutAccounts).where(eq(payoutAccounts.organizationId, organizationId));
    return row;
  }

  async payoutAccounts(organizationIds: string[]): Promise<PayoutAccountRow[]> {
    if (organizationIds.length === 0) return [];
    return this.db.select().from(payoutAccounts).where(inArray(payoutAccounts.organizationId, organizationIds));
  }

  async payoutAccountByStripeId(stripeAccountId: string): Promise<PayoutAccountRow | undefined> {
    const [row] = await this.db.select().from(payoutAccounts).where(eq(payoutAccounts.stripeAccountId, stripeAccountId));
    return row;
  }

  /** Creates the organization's payout account, or keeps the existing one (concurrent connects agree). */
  async insertPayoutAccount(row: typeof payoutAccounts.$inferInsert): Promise<PayoutAccountRow> {
    await this.db.insert(payoutAccounts).values(row).onConflictDoNothing();
    return (await this.payoutAccount(row.organizationId))!;
  }

  async updatePayoutAccount(organizationId: string, patch: Partial<typeof payoutAccounts.$inferInsert>): Promise<PayoutAccountRow> {
    const [row] = await this.db.update(payoutAccounts).set(patch).where(eq(payoutAccounts.organizationId, organizationId)).returning();
    return row!;
  }

  async stripeCustomerOf(organizationId: string): Promise<string | undefined> {
    const [row] = await this.db.select().from(billingCustomers).where(eq(billingCustomers.organizationId, organizationId));
    return row?.stripeCustomerId;
  }

  async insertStripeCustomer(organizationId: string, stripeCustomerId: string, now: Date): Promise<string> {
    await this.db.insert(billingCustomers).values({ organizationId, stripeCustomerId, createdAt: now }).onConflictDoNothing();
    return (await this.stripeCustomerOf(organizationId))!;
  }

  /** Records an event id; false when it was already recorded (a replay). */
  async recordEvent(row: typeof stripeEvents.$inferInsert): Promise<boolean> {
    const inserted = await this.db.insert(stripeEvents).values(row).onConflictDoNothing().returning({ id: stripeEvents.id });
    return inserted.length > 0;
  }

  /** Records a settled payment once (keyed on its Stripe id); false when it already was. */
  async insertPayment(row: typeof payments.$inferInsert): Promise<boolean> {
    const inserted = await this.db.insert(payments).values(row).onConflictDoNothing().returning({ id: payments.id });
    return inserted.length > 0;
  }

  async insertLedgerEntries(rows: (typeof ledgerEntries.$inferInsert)[]): Promise<void> {
    if (rows.length > 0) await this.db.insert(ledgerEntries).values(rows).onConflictDoNothing();
  }

  async paymentsOfLicense(licenseId: string): Promise<PaymentRow[]> {
    return this.db.select().from(payments).where(eq(payments.licenseId, licenseId)).orderBy(payments.settledAt, payments.id);
  }

  async paymentById(id: string): Promise<PaymentRow | undefined> {
    const [row] = await this.db.select().from(payments).where(eq(payments.id, id));
    return row;
  }

  async ledgerOfPayments(paymentIds: string[]): Promise<LedgerEntryRow[]> {
    if (paymentIds.length === 0) return [];
    return this.db
      .select()
      .from(ledgerEntries)
      .where(inArray(ledgerEntries.paymentId, paymentIds))
      .orderBy(ledgerEntries.paymentId, ledgerEntries.kind, ledgerEntries.id);
  }

  async pendingTransfers(limit: number): Promise<LedgerEntryRow[]> {
    return this.db.select().from(ledgerEntries).where(eq(ledgerEntries.status, 'TRANSFER_PENDING')).orderBy(ledgerEntries.id).limit(limit);
  }

  async markTransferred(entryId: string, transferId: string, now: Date): Promise<void> {
    await this.db
      .update(ledgerEntries)
      .set({ status: 'TRANSFERRED', stripeTransferId: transferId, updatedAt: now })
      .where(and(eq(ledgerEntries.id, entryId), eq(ledgerEntries.status, 'TRANSFER_PENDING')));
  }

  /** An organization that can now take payouts: its accumulated royalty balance becomes due as transfers. */
  async releaseBalances(organizationId: string, now: Date): Promise<number> {
    const rows = await this.db
      .update(ledgerEntries)
      .set({ status: 'TRANSFER_PENDING', updatedAt: now })
      .where(and(eq(ledgerEntries.organizationId, organizationId), eq(ledgerEntries.status, 'BALANCE'), eq(ledgerEntries.kind, 'ROYALTY')))
      .returning({ id: ledgerEntries.id });
    return rows.length;
  }

  /** What the organization is owed but has not been paid (no enabled payout account yet), per currency. */
  async balancesOf(organizationId: string): Promise<{ currency: string; amountCents: number }[]> {
    return this.db
      .select({ currency: ledgerEntries.currency, amountCents: sql<number>`sum(${ledgerEntries.amountCents})::int` })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.organizationId, organizationId), eq(ledgerEntries.status, 'BALANCE')))
      .groupBy(ledgerEntries.currency)
      .orderBy(ledgerEntries.currency);
  }
}
