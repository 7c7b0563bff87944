import type Stripe from 'stripe';
import { z } from 'zod';
import type { Viewer } from '../accounts/viewer.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { PayoutAccountRow } from '../db/stores/billing-store.js';
import type { Stores } from '../db/stores/index.js';
import { BadUserInputError, ForbiddenError } from '../errors.js';
import type { LineageView } from '../offers/lineage-port.js';
import { parseInput } from '../validation.js';
import { createConnectAccount, createOnboardingLink } from './connect-account.js';
import type { AuditLog } from '../audit/service.js';
import { effectOfEvent } from './handle-event.js';
import { payoutFlagsFromAccount } from './mappers.js';
import { payPendingRoyalties } from './pay-royalties.js';
import { WEBHOOK_TOLERANCE_SECONDS } from './stripe-client.js';

const ConnectPayoutAccountInput = z
  .object({
    returnUrl: z.string().max(2000).url('must be an absolute URL').nullish(),
    refreshUrl: z.string().max(2000).url('must be an absolute URL').nullish(),
  })
  .default({});

/** What became of one webhook delivery; `src/http/refusals.ts` answers each. */
export type WebhookOutcome =
  | { kind: 'RECEIVED'; duplicate: boolean; handled: boolean }
  | { kind: 'LOCAL_BILLING'; message: string }
  | { kind: 'BAD_SIGNATURE'; message: string };

/** Payout accounts and Stripe's webhooks. */
export class BillingService {
  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    private readonly stripe: Stripe | null,
    private readonly settings: {
      stripe: Config['stripe'];
      platformFeeBps: number;
      lineage: LineageView;
      audit: AuditLog;
      log: (err: unknown, msg: string) => void;
    },
  ) {}

  get mode(): 'LOCAL' | 'STRIPE' {
    return this.stripe ? 'STRIPE' : 'LOCAL';
  }

  /**
   * A vendor owner connects (or resumes connecting) its payout account: a Stripe Connect Express account and a fresh
   * onboarding link; its capabilities then follow `account.updated`. In local billing mode it is enabled at once.
   */
  async connectPayoutAccount(viewer: Viewer, raw: unknown): Promise<{ account: PayoutAccountRow; onboardingUrl: string | null }> {
    const principal = viewer.assertVendorMember();
    viewer.assertOrgOwner(principal.organizationId);
    const input = parseInput(ConnectPayoutAccountInput, raw ?? {});
    const now = this.clock.now();
    const orgId = principal.organizationId;
    if (!this.stripe) {
      const account = await this.stores.billing.insertPayoutAccount({
        organizationId: orgId,
        mode: 'LOCAL',
        chargesEnabled: true,
        payoutsEnabled: true,
        detailsSubmitted: true,
        createdAt: now,
        updatedAt: now,
      });
      return { account, onboardingUrl: null };
    }
    if (!input.returnUrl)
      throw new BadUserInputError('input.returnUrl: required to send the vendor through Stripe onboarding', 'input.returnUrl');
    let account = await this.stores.billing.payoutAccount(orgId);
    if (!account?.stripeAccountId) {
      const org = (await this.stores.accounts.organizationById.load(orgId))!;
      const user = await this.stores.accounts.userById.load(principal.userId);
      const created = await createConnectAccount(this.stripe, org, user?.email);
      account = await this.stores.billing.insertPayoutAccount({
        organizationId: orgId,
        mode: 'STRIPE',
        stripeAccountId: created.id,
        ...payoutFlagsFromAccount(created),
        createdAt: now,
        updatedAt: now,
      });
    }
    const link = await createOnboardingLink(this.stripe, account.stripeAccountId!, {
      returnUrl: input.returnUrl,
      refreshUrl: input.refreshUrl ?? input.returnUrl,
    });
    return { account, onboardingUrl: link.url };
  }

  /** The organization's payout account: its members and staff only. */
  async payoutAccountOf(viewer: Viewer, organizationId: string): Promise<PayoutAccountRow | null> {
    if (!viewer.canRead(organizationId)) return null;
    return (await this.stores.billing.payoutAccount(organizationId)) ?? null;
  }

  async balancesOf(viewer: Viewer, organizationId: string) {
    if (!viewer.canRead(organizationId)) throw new ForbiddenError('Only members and staff see balances');
    return this.stores.billing.balancesOf(organizationId);
  }

  /**
   * Verifies and applies one Stripe webhook delivery. A bad or stale signature (older than 300 s) is refused and
   * changes nothing; each event id is applied once; unknown types are acknowledged and ignored. The event's object
   * is re-read from Stripe, so the outcome does not depend on delivery order.
   */
  async receiveWebhook(payload: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
    if (!this.stripe || !this.settings.stripe) {
      return { kind: 'LOCAL_BILLING', message: 'Stripe webhooks are off: the server runs in local billing mode (no STRIPE_SECRET_KEY)' };
    }
    let event: Stripe.Event;
    try {
      if (!signature) throw new Error('missing signature');
      event = this.stripe.webhooks.constructEvent(payload, signature, this.settings.stripe.webhookSecret, WEBHOOK_TOLERANCE_SECONDS);
    } catch {
      return { kind: 'BAD_SIGNATURE', message: 'Invalid or expired Stripe-Signature' };
    }
    const effect = await effectOfEvent(
      { stripe: this.stripe, lineage: this.settings.lineage, platformFeeBps: this.settings.platformFeeBps, audit: this.settings.audit },
      event,
    );
    const now = this.clock.now();
    const fresh = await this.stores.transaction(async (tx) => {
      const recorded = await tx.billing.recordEvent({
        id: event.id,
        type: event.type,
        objectId: (event.data.object as { id?: string }).id ?? null,
        createdAt: new Date(event.created * 1000),
        receivedAt: now,
      });
      if (recorded) {
        await this.settings.audit.record(tx, null, {
          action: 'webhook.received',
          subjectType: 'StripeEvent',
          subjectId: event.id,
          actor: { userId: null, organizationId: null },
          details: { type: event.type, objectId: (event.data.object as { id?: string }).id ?? null, handled: effect !== undefined },
        });
        if (effect) await effect(tx, now);
      }
      return recorded;
    });
    await payPendingRoyalties(this.stores, this.stripe, this.clock, (err) => this.settings.log(err, 'royalty transfer failed'));
    return { kind: 'RECEIVED', duplicate: !fresh, handled: effect !== undefined };
  }
}
