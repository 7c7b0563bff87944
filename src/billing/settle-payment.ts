import { randomUUID } from 'node:crypto';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { Stores } from '../db/stores/index.js';
import type { LineageView } from '../offers/lineage-port.js';
import { royaltyClaimsFor } from './royalty-claims.js';
import { splitPayment } from './split.js';

export interface SettledPayment {
  /** The Stripe object that settled it (payment intent or invoice id), or a local id. */
  id: string;
  amountCents: number;
  currency: string;
  mode: 'LOCAL' | 'STRIPE';
  stripeChargeId: string | null;
  settledAt: Date;
}

/**
 * Records a settled payment and its ledger (platform fee, vendor share, each upstream royalty), in the caller's
 * transaction so that money and the license change commit together. Keyed on the payment's id: settling the same
 * payment again (a replayed webhook) records nothing. Returns whether it was new.
 */
export async function settlePayment(
  tx: Stores,
  lineage: LineageView,
  platformFeeBps: number,
  license: LicenseRow,
  payment: SettledPayment,
): Promise<boolean> {
  if (payment.amountCents <= 0) return false;
  const inserted = await tx.billing.insertPayment({
    id: payment.id,
    licenseId: license.id,
    mode: payment.mode,
    amountCents: payment.amountCents,
    currency: payment.currency,
    stripeChargeId: payment.stripeChargeId,
    transferGroup: license.id,
    settledAt: payment.settledAt,
  });
  if (!inserted) return false;
  const claims = await royaltyClaimsFor(tx, lineage, license);
  const split = splitPayment(payment.amountCents, platformFeeBps, claims);
  const accounts = new Map((await tx.billing.payoutAccounts(claims.map((c) => c.organizationId))).map((a) => [a.organizationId, a]));
  const local = payment.mode === 'LOCAL';
  const base = { paymentId: payment.id, currency: payment.currency, createdAt: payment.settledAt, updatedAt: payment.settledAt };
  await tx.billing.insertLedgerEntries([
    {
      ...base,
      id: randomUUID(),
      kind: 'PLATFORM_FEE',
      organizationId: null,
      basisPoints: split.platformFee.basisPoints,
      amountCents: split.platformFee.amountCents,
      status: local ? 'LOCAL' : 'RETAINED',
    },
    {
      ...base,
      id: randomUUID(),
      kind: 'VENDOR_SHARE',
      organizationId: license.vendorId,
      basisPoints: split.vendorShare.basisPoints,
      amountCents: split.vendorShare.amountCents,
      status: local ? 'LOCAL' : 'PAID_BY_CHARGE',
    },
    ...split.royalties.map((r) => {
      const account = accounts.get(r.organizationId);
      const payable = account && (local ? account.mode === 'LOCAL' : account.mode === 'STRIPE' && account.payoutsEnabled);
      return {
        ...base,
        id: randomUUID(),
        kind: 'ROYALTY' as const,
        organizationId: r.organizationId,
        sourceDatasetId: r.sourceDatasetId,
        basisPoints: r.basisPoints,
        amountCents: r.amountCents,
        status: !payable
          ? ('BALANCE' as const)
          : local
            ? ('LOCAL' as const)
            : r.amountCents === 0
              ? ('TRANSFERRED' as const)
              : ('TRANSFER_PENDING' as const),
      };
    }),
  ]);
  return true;
}
