import type Stripe from 'stripe';
import type { Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import { createCheckoutSession } from '../billing/create-checkout-session.js';
import { createUsagePrice, createUsageSubscription } from '../billing/create-usage-subscription.js';
import { ensureStripeCustomer } from '../billing/ensure-customer.js';
import { licensePatchFromSubscription } from '../billing/mappers.js';
import { royaltyClaimsFor } from '../billing/royalty-claims.js';
import { settlePayment } from '../billing/settle-payment.js';
import { splitPayment } from '../billing/split.js';
import { STRIPE_CLAIM_MS, stripeIdempotencyKey } from '../billing/stripe-client.js';
import { isStripeError, isStripeRateLimit } from '../billing/stripe-sdk.js';
import type { Clock } from '../clock.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { Stores } from '../db/stores/index.js';
import type { DatasetRow } from '../db/stores/catalog-store.js';
import type { LicenseQuery, LicenseRow } from '../db/stores/licensing-store.js';
import type { OfferRow } from '../db/stores/offers-store.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError, RateLimitedError } from '../errors.js';
import { newId } from '../ids.js';
import type { LineageView } from '../offers/lineage-port.js';
import { combineTerms, termsOf, type LicenseTerms } from '../catalog/terms.js';
import { decodeCursor, encodeCursor, pageRequest, toPage, type Connection } from '../pagination.js';
import { parseInput } from '../validation.js';
import { auditLicense, type LicenseActor } from './audit.js';
import { activation, changeLicense, expireDueLicenses } from './change.js';
import { accessRequestCreated } from '../events/builders.js';
import { checkAnswers } from '../offers/questions.js';
import { canSeeOffer } from '../offers/service.js';
import { emitEvents } from '../events/emit.js';
import { LicenseFilterInput, LicenseIdInput, LicenseOrderInput, LicenseReasonInput, PurchaseLicenseInput } from './inputs.js';
import { effectiveStatus } from './status.js';
import { mayBecome } from './transitions.js';

/** How long a purchase waits for another request that is opening the same license's Stripe side. */
const STRIPE_SETUP_WAIT_MS = 25_000;

/** What licensing needs from billing: the Stripe client (null in local billing mode) and the platform's cut. */
export interface BillingDeps {
  stripe: Stripe | null;
  audit: AuditLog;
  platformFeeBps: number;
  lineage: LineageView;
  log: (err: unknown, message: string) => void;
  /** This process's download gate, told of each license changed here (see `LicenseActor.gateChanged`). */
  gateChanged: (row: string) => void;
}

/** Purchases and the life of a license: approval, payment, cancellation, revocation. */
export class LicensingService {
  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    private readonly deps: BillingDeps,
  ) {}

  /** A user's act on a license, for its audit record and events. */
  private actor(viewer: Viewer): LicenseActor {
    return { audit: this.deps.audit, clock: this.clock, viewer, gateChanged: this.deps.gateChanged };
  }

  get billingMode(): 'LOCAL' | 'STRIPE' {
    return this.deps.stripe ? 'STRIPE' : 'LOCAL';
  }

  // --- reading -------------------------------------------------------------

  /** The licensee's members, the vendor's members and platform staff see a license (the store applies the scope). */
  async license(viewer: Viewer, id: string): Promise<LicenseRow | null> {
    return (await this.stores.licensing.license(viewer.scope(), id)) ?? null;
  }

  /**
   * A buyer's own licenses; a vendor's licenses of its datasets (and its own purchases); staff all of them. Narrowed by
   * `filter` (effective statuses, dataset, offer, licensee, created range), newest first unless `orderBy` says oldest.
   * @example await licensing.licenses(viewer, { filter: { status: ['PENDING_APPROVAL'] }, orderBy: 'CREATED_AT_ASC' })
   */
  async licenses(
    viewer: Viewer,
    args: {
      first?: number | null;
      after?: string | null;
      last?: number | null;
      before?: string | null;
      filter?: unknown;
      orderBy?: unknown;
    },
  ): Promise<Connection<LicenseRow>> {
    viewer.assertAuthenticated();
    const page = pageRequest(args);
    const filter = parseInput(LicenseFilterInput, args.filter, 'filter');
    // Each order names its cursors, so a cursor from one order is refused by the other.
    const order = parseInput(LicenseOrderInput, args.orderBy, 'orderBy') ?? 'CREATED_AT_DESC';
    // A backward page reads the other way from its cursor, then is turned back (toPage).
    const ascending = (order === 'CREATED_AT_ASC') !== page.backward;
    const afterId = page.cursor ? String(decodeCursor(page.cursor, order, 1, page.field)[0]) : undefined;
    const scope = viewer.scope();
    const query: LicenseQuery = {
      statuses: filter?.status ?? undefined,
      datasetId: filter?.datasetId ?? undefined,
      offerId: filter?.offerId ?? undefined,
      licenseeId: filter?.licenseeId ?? undefined,
      createdAfter: filter?.createdAfter ?? undefined,
      createdBefore: filter?.createdBefore ?? undefined,
      now: this.clock.now(),
    };
    const rows = await this.stores.licensing.listLicenses(scope, query, { afterId, ascending, limit: page.limit });
    for (const r of rows) this.stores.licensing.licenseById.prime(r.id, r);
    return toPage(
      rows,
      page,
      (r) => encodeCursor(order, [r.id]),
      () => this.stores.licensing.countLicenses(scope, query),
    );
  }

  /**
   * An ACTIVE (and unexpired) license of `organizationId` that covers `versionId`, if any: what lineage asks before it
   * lets a vendor cite another vendor's version as a source.
   * @example const license = await licensing.activeLicenseFor(orgId, versionId);
   */
  async activeLicenseFor(organizationId: string, versionId: string): Promise<(LicenseRow & { terms: LicenseTerms }) | undefined> {
    const version = await this.stores.catalog.versionById.load(versionId);
    if (!version) return undefined;
    const rows = await this.stores.licensing.activeLicenseCovering(organizationId, version.datasetId, versionId, this.clock.now());
    const row = rows[0];
    return row && { ...row, terms: termsOf(row) };
  }

  // --- purchasing ------------------------------------------------------------

  /**
   * Buys a license under an offer. The same idempotency key always answers with the same license; an organization
   * holds at most one live license per offer (a partial unique index enforces it; a second purchase gets CONFLICT).
   * FREE is ACTIVE at once, offers needing approval wait for the vendor, paid offers open a Stripe Checkout Session
   * (USAGE: a metered subscription) or, in local billing mode, are paid at once.
   */
  async purchase(viewer: Viewer, raw: unknown): Promise<LicenseRow> {
    const principal = viewer.assertAuthenticated();
    const input = parseInput(PurchaseLicenseInput, raw);
    if (!principal.organizationId) throw new ForbiddenError('Only members of an organization may purchase licenses');
    const licenseeId = principal.organizationId;

    const repeat = await this.stores.licensing.licenseByIdempotencyKey(licenseeId, input.idempotencyKey);
    if (repeat) return this.repeatPurchase(viewer, repeat, input.offerId);

    const offer = await this.stores.offers.offerById.load(input.offerId);
    const dataset = offer && (await this.stores.catalog.datasetById.load(offer.datasetId));
    if (!offer || !dataset || !canSeeOffer(viewer, offer, dataset)) {
      throw new NotFoundError('No such offer', { field: 'input.offerId' });
    }
    if (offer.vendorId === licenseeId) throw new ForbiddenError('A vendor cannot license its own dataset');
    const unsellable = await this.unsellable(this.stores, offer, dataset, offeredVersions(offer, dataset.latestVersionId));
    if (unsellable) throw new ConflictError(unsellable, { field: 'input.offerId' });

    const accessAnswers = checkAnswers(offer.accessQuestions, input.answers);
    const versionIds = await this.coveredVersions(offer, dataset.latestVersionId);
    const terms = await this.grantedTerms(offer, versionIds ?? (dataset.latestVersionId ? [dataset.latestVersionId] : []));
    const paid = offer.pricingModel !== 'FREE';
    if (paid && this.deps.stripe) {
      if (offer.pricingModel !== 'USAGE' && !input.successUrl) {
        throw new BadUserInputError('input.successUrl: required to send the buyer to Stripe Checkout', 'input.successUrl');
      }
      await this.vendorAccount(offer.vendorId);
    }

    const now = this.clock.now();
    const status = offer.requiresApproval ? 'PENDING_APPROVAL' : paid && this.deps.stripe ? 'PENDING_PAYMENT' : 'ACTIVE';
    let created: LicenseRow | undefined;
    try {
      created = await this.stores.transaction(async (tx) => {
        await expireDueLicenses(tx, this.deps.audit, this.clock, { licenseeId, offerId: offer.id });
        // One trial per organization and offer: a later purchase (after a cancel or expiry) pays from day one.
        const trialDays = offer.trialDays && !(await tx.licensing.hadTrial(licenseeId, offer.id)) ? offer.trialDays : null;
        const inserted = await tx.licensing.insertLicense({
          id: newId('license', now.getTime()),
          offerId: offer.id,
          datasetId: offer.datasetId,
          vendorId: offer.vendorId,
          licenseeId,
          purchasedBy: principal.userId,
          idempotencyKey: input.idempotencyKey,
          status: 'PENDING_APPROVAL',
          billingMode: this.billingMode,
          pricingModel: offer.pricingModel,
          currency: offer.currency,
          amountCents: offer.amountCents,
          termDays: offer.termDays,
          billingInterval: offer.billingInterval,
          usageUnit: offer.usageUnit,
          unitAmountCents: offer.unitAmountCents,
          includedUnits: offer.includedUnits,
          usageCap: offer.usageCap,
          trialDays,
          ...terms,
          versionScope: offer.versionScope,
          versionIds,
          royaltyBps: offer.royaltyBps,
          requestedAt: now,
          successUrl: input.successUrl ?? null,
          cancelUrl: input.cancelUrl ?? null,
          accessAnswers,
          createdAt: now,
          updatedAt: now,
        });
        if (!inserted) return undefined;
        await auditLicense(tx, this.actor(viewer), inserted, 'license.created', {
          offerId: offer.id,
          pricingModel: offer.pricingModel,
          billingMode: this.billingMode,
        });
        if (status === 'PENDING_APPROVAL') {
          await emitEvents(tx, this.clock, [accessRequestCreated(inserted)]);
          return inserted;
        }
        return this.proceed(tx, viewer, inserted, now);
      });
    } catch (err) {
      if (isUniqueViolation(err, 'licenses_one_live_per_offer_key')) {
        // A concurrent request with the same key may have won: that is a repeat, not a second purchase.
        const sameKey = await this.stores.licensing.licenseByIdempotencyKey(licenseeId, input.idempotencyKey);
        if (sameKey) return this.repeatPurchase(viewer, sameKey, input.offerId);
        const live = await this.stores.licensing.liveLicenseFor(licenseeId, offer.id);
        throw new ConflictError('Your organization already holds a live license for this offer', {
          field: 'input.offerId',
          licenseId: live?.id,
        });
      }
      throw err;
    }
    if (!created) {
      // A concurrent request with the same key won the insert.
      const winner = await this.stores.licensing.licenseByIdempotencyKey(licenseeId, input.idempotencyKey);
      if (!winner)
        throw new ConflictError('The purchase is being processed; retry with the same idempotencyKey', { field: 'input.idempotencyKey' });
      return this.repeatPurchase(viewer, winner, input.offerId);
    }
    return this.continuePayment(viewer, created);
  }

  /** The same key again: the same license (its checkout opened if an earlier attempt could not reach Stripe). */
  private async repeatPurchase(viewer: Viewer, license: LicenseRow, offerId: string): Promise<LicenseRow> {
    if (license.offerId !== offerId) {
      throw new ConflictError('This idempotencyKey was already used for another offer', { field: 'input.idempotencyKey' });
    }
    return this.continuePayment(viewer, license);
  }

  /**
   * Moves a license past approval: FREE (and every model in local billing mode) becomes ACTIVE, with the payment
   * settled in the same transaction; a paid offer in Stripe mode waits for payment.
   */
  private async proceed(tx: Stores, viewer: Viewer, license: LicenseRow, now: Date): Promise<LicenseRow> {
    const actor = this.actor(viewer);
    if (license.pricingModel !== 'FREE' && this.deps.stripe) {
      return changeLicense(tx, actor, license, { status: 'PENDING_PAYMENT', updatedAt: now });
    }
    const activated = await changeLicense(tx, actor, license, activation(license, now, { local: true }));
    // A trial is what Stripe does with trial_period_days: nothing is charged before its end.
    if (!activated.trialEndsAt && license.amountCents && (license.pricingModel === 'ONE_TIME' || license.pricingModel === 'SUBSCRIPTION')) {
      await settlePayment(tx, this.deps.lineage, this.deps.platformFeeBps, activated, {
        id: `local_${license.id}_1`,
        amountCents: license.amountCents,
        currency: license.currency!,
        mode: 'LOCAL',
        stripeChargeId: null,
        settledAt: now,
      });
    }
    return activated;
  }

  /**
   * Opens the Stripe side of a PENDING_PAYMENT license once: a Checkout Session (ONE_TIME, SUBSCRIPTION) or a metered
   * subscription (USAGE). Claim, call, record: a lease on the license is taken in one statement, the Stripe calls run
   * with no transaction open (each with an idempotency key derived from the license or the offer), and the result is
   * written in a transaction of its own. Concurrent requests wait for the lease holder and answer with its result; a
   * holder that died leaves a lease that runs out, and the next attempt sends the same keys, so Stripe makes no second
   * object.
   */
  private async continuePayment(viewer: Viewer, license: LicenseRow, field = 'input.offerId'): Promise<LicenseRow> {
    const stripe = this.deps.stripe;
    if (!stripe || !awaitsStripeSetup(license)) return license;
    const claim = await this.claimStripeSetup(license.id, field);
    if (!claim.lease) return claim.license;
    const leaseUntil = claim.lease;
    try {
      const opened = await this.openStripeSide(stripe, claim.license, field);
      return await this.stores.transaction(async (tx) => {
        const locked = (await tx.licensing.lockLicense(license.id))!;
        // A webhook may have recorded the subscription first; the lease ends either way.
        if (!awaitsStripeSetup(locked)) return tx.licensing.updateLicense(locked.id, { stripeClaimedUntil: null });
        const now = this.clock.now();
        if (opened.kind === 'SUBSCRIPTION') {
          const patch = licensePatchFromSubscription(locked, opened.subscription);
          return changeLicense(tx, this.actor(viewer), locked, {
            ...patch,
            startsAt: patch.status === 'ACTIVE' ? now : null,
            stripeClaimedUntil: null,
            updatedAt: now,
          });
        }
        return tx.licensing.updateLicense(locked.id, {
          stripeCheckoutSessionId: opened.session.id,
          checkoutUrl: opened.session.url,
          stripeCustomerId: opened.customerId,
          stripeClaimedUntil: null,
          updatedAt: now,
        });
      });
    } catch (err) {
      await this.stores.licensing
        .releaseStripeSetup(license.id, leaseUntil)
        .catch((e: unknown) => this.deps.log(e, 'lease release failed'));
      throw this.stripeFailure(err);
    }
  }

  /**
   * The lease on opening the license's Stripe side, or (when another request holds it) the license once that request
   * recorded its result. Waits at most `STRIPE_SETUP_WAIT_MS`, polling with no transaction and no connection held.
   */
  private async claimStripeSetup(
    id: string,
    field: string,
  ): Promise<{ lease: Date; license: LicenseRow } | { lease?: undefined; license: LicenseRow }> {
    const deadline = Date.now() + STRIPE_SETUP_WAIT_MS;
    for (;;) {
      const now = this.clock.now();
      const lease = new Date(now.getTime() + STRIPE_CLAIM_MS);
      const claimed = await this.stores.licensing.claimStripeSetup(id, now, lease);
      if (claimed) return { lease, license: claimed };
      const current = (await this.stores.licensing.freshLicense(id))!;
      if (!awaitsStripeSetup(current)) return { license: current };
      if (Date.now() > deadline) throw new ConflictError('The purchase is being processed; retry with the same idempotencyKey', { field });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The Stripe calls that open a license's payment, outside any transaction; each is idempotent per license or offer. */
  private async openStripeSide(
    stripe: Stripe,
    license: LicenseRow,
    field: string,
  ): Promise<
    { kind: 'SUBSCRIPTION'; subscription: Stripe.Subscription } | { kind: 'CHECKOUT'; session: Stripe.Checkout.Session; customerId: string }
  > {
    const [offer, dataset, buyer] = await Promise.all([
      this.stores.offers.offerById.load(license.offerId),
      this.stores.catalog.datasetById.load(license.datasetId),
      this.stores.accounts.organizationById.load(license.licenseeId),
    ]);
    // A retried purchase may come back after the dataset stopped selling: no checkout opens for it then.
    const unsellable = await this.unsellable(this.stores, offer!, dataset!, license.versionIds);
    if (unsellable) throw new ConflictError(unsellable, { field });
    const account = await this.vendorAccount(license.vendorId);
    const customerId = await ensureStripeCustomer(this.stores, stripe, this.clock, buyer!);
    const claims = await royaltyClaimsFor(this.stores, this.deps.lineage, license);
    const split = splitPayment(license.amountCents ?? 0, this.deps.platformFeeBps, claims);
    const applicationFeeBps = 10_000 - split.vendorShare.basisPoints;
    const productName = `${dataset!.title}: ${offer!.name}`.slice(0, 250);
    if (license.pricingModel === 'USAGE') {
      let priceId = offer!.stripePriceId;
      if (!priceId) {
        const created = await createUsagePrice(stripe, offer!, productName);
        priceId = (await this.stores.offers.setStripeUsagePrice(offer!.id, created.meterId, created.priceId)).stripePriceId;
      }
      const subscription = await createUsageSubscription(stripe, {
        license,
        priceId: priceId!,
        customerId,
        destinationAccountId: account.stripeAccountId!,
        applicationFeeBps,
      });
      return { kind: 'SUBSCRIPTION', subscription };
    }
    const session = await createCheckoutSession(stripe, {
      license,
      productName,
      customerId,
      destinationAccountId: account.stripeAccountId!,
      applicationFeeBps,
      applicationFeeAmount: (license.amountCents ?? 0) - split.vendorShare.amountCents,
    });
    return { kind: 'CHECKOUT', session, customerId };
  }

  /** The vendor's payout account, which must be able to take charges before its paid offers sell through Stripe. */
  private async vendorAccount(vendorId: string) {
    const account = await this.stores.billing.payoutAccount(vendorId);
    if (!account || account.mode !== 'STRIPE' || !account.stripeAccountId || !account.chargesEnabled) {
      throw new ConflictError('The vendor has not finished connecting a payout account; paid offers cannot be bought yet', {
        field: 'input.offerId',
      });
    }
    return account;
  }

  private stripeFailure(err: unknown): unknown {
    if (isStripeRateLimit(err)) {
      return new RateLimitedError('The payment provider is busy; retry with the same idempotencyKey');
    }
    if (isStripeError(err)) {
      this.deps.log(err, 'stripe call failed');
      return new Error('The payment provider failed; retry with the same idempotencyKey');
    }
    return err;
  }

  /**
   * Why nothing may be sold under `offer` now, or undefined: the offer is archived, the dataset is not PUBLISHED
   * (a draft, suspended or archived), or every version the sale would cover was retracted (`versionIds` null: the
   * whole dataset). Purchase, approval and opening a checkout all ask, so a sale never completes on stale facts.
   */
  private async unsellable(
    stores: Stores,
    offer: OfferRow,
    dataset: DatasetRow,
    versionIds: readonly string[] | null,
  ): Promise<string | undefined> {
    if (!offer.active) return 'This offer is archived and sells no more';
    if (dataset.status !== 'PUBLISHED') return `The dataset is ${dataset.status.toLowerCase()} and sells no more`;
    // A PUBLISHED dataset without a latest version had every version retracted.
    if (versionIds === null) return dataset.latestVersionId ? undefined : 'Every version of this dataset was retracted; it sells no more';
    if ((await this.liveVersions(stores, versionIds)).length === 0)
      return 'Every version this offer covers was retracted; it sells no more';
    return undefined;
  }

  /** The given versions that are still PUBLISHED, in order. */
  private async liveVersions(stores: Stores, versionIds: readonly string[]): Promise<string[]> {
    const versions = await stores.catalog.versionById.loadMany(versionIds);
    return versionIds.filter((_, i) => {
      const v = versions[i];
      return v && !(v instanceof Error) && v.status === 'PUBLISHED';
    });
  }

  /** PINNED offers cover their live versions; LATEST_AT_PURCHASE the dataset's latest now; ALL every version (null). */
  private async coveredVersions(offer: OfferRow, latestVersionId: string | null): Promise<string[] | null> {
    const offered = offeredVersions(offer, latestVersionId);
    return offered && this.liveVersions(this.stores, offered);
  }

  /** The offer's terms, never more than what the covered versions inherit (lineage may have learnt more since). */
  private async grantedTerms(offer: OfferRow, versionIds: string[]): Promise<LicenseTerms> {
    const ceilings: LicenseTerms[] = [];
    for (const id of versionIds) {
      const inherited = await this.deps.lineage.inheritedTerms(id);
      if (inherited) ceilings.push({ ...inherited, spdxId: offer.spdxId });
    }
    return combineTerms([termsOf(offer), ...ceilings])!;
  }

  // --- the vendor decides ------------------------------------------------------

  /** The vendor approves an access request; a paid offer then goes on to payment. */
  async approve(viewer: Viewer, raw: unknown): Promise<LicenseRow> {
    const principal = viewer.assertAuthenticated();
    const { id } = parseInput(LicenseIdInput, raw);
    const license = await this.stores.transaction(async (tx) => {
      const row = await this.lockVisible(tx, viewer, id);
      viewer.assertOrgMember(row.vendorId);
      if (row.status !== 'PENDING_APPROVAL')
        throw new ConflictError(`The license is ${row.status}, not waiting for approval`, { field: 'input.id' });
      // The offer or dataset may have changed while the request waited; the dataset row lock orders this after a
      // concurrent suspension or retraction. Refused, the request stays pending: reject it, or approve it once sellable.
      const [offer, dataset] = await Promise.all([tx.offers.offerById.load(row.offerId), tx.catalog.lockDataset(row.datasetId)]);
      const unsellable = await this.unsellable(tx, offer!, dataset!, row.versionIds);
      if (unsellable) throw new ConflictError(`${unsellable}; the request stays pending`, { field: 'input.id' });
      const now = this.clock.now();
      const decided = await changeLicense(
        tx,
        this.actor(viewer),
        row,
        { decidedAt: now, decidedBy: principal.userId, updatedAt: now },
        {
          action: 'license.approved',
        },
      );
      return this.proceed(tx, viewer, decided, now);
    });
    return this.continuePayment(viewer, license, 'input.id');
  }

  /** The vendor turns an access request down with a reason the buyer sees; the license ends REJECTED. */
  async reject(viewer: Viewer, raw: unknown): Promise<LicenseRow> {
    const principal = viewer.assertAuthenticated();
    const { id, reason } = parseInput(LicenseReasonInput, raw);
    return this.stores.transaction(async (tx) => {
      const row = await this.lockVisible(tx, viewer, id);
      viewer.assertOrgMember(row.vendorId);
      if (row.status !== 'PENDING_APPROVAL')
        throw new ConflictError(`The license is ${row.status}, not waiting for approval`, { field: 'input.id' });
      const now = this.clock.now();
      return changeLicense(
        tx,
        this.actor(viewer),
        row,
        { status: 'REJECTED', rejectionReason: reason, decidedAt: now, decidedBy: principal.userId, updatedAt: now },
        { action: 'license.rejected', details: { reason } },
      );
    });
  }

  // --- ending ------------------------------------------------------------------

  /**
   * The buyer cancels. A Stripe subscription in good standing cancels at the end of the paid period (the license
   * stays ACTIVE until Stripe says the subscription ended); everything else ends now: a pending request, an
   * unfinished checkout (its session is expired), a past-due subscription, one-time, free and local licenses.
   */
  async cancel(viewer: Viewer, raw: unknown): Promise<LicenseRow> {
    viewer.assertAuthenticated();
    const { id } = parseInput(LicenseIdInput, raw);
    const stripe = this.deps.stripe;
    const license = await this.visible(viewer, id);
    viewer.assertOrgMember(license.licenseeId);
    const status = effectiveStatus(license, this.clock.now());
    if (!mayBecome(status, 'CANCELED') || status === 'CANCELED') {
      throw new ConflictError(`The license is already ${status}`, { field: 'input.id', status });
    }
    if (license.cancelAtPeriodEnd) return license;
    try {
      if (stripe && license.stripeSubscriptionId && status === 'ACTIVE') {
        await stripe.subscriptions.update(
          license.stripeSubscriptionId,
          { cancel_at_period_end: true },
          {
            idempotencyKey: stripeIdempotencyKey('cancel-at-period-end', license.id),
          },
        );
        return this.stores.transaction((tx) =>
          changeLicense(
            tx,
            this.actor(viewer),
            license,
            { cancelAtPeriodEnd: true, updatedAt: this.clock.now() },
            {
              action: 'license.cancel_scheduled',
            },
          ),
        );
      }
      if (stripe && license.stripeSubscriptionId) {
        await stripe.subscriptions.cancel(license.stripeSubscriptionId, {}, { idempotencyKey: stripeIdempotencyKey('cancel', license.id) });
      } else if (stripe && license.stripeCheckoutSessionId && status === 'PENDING_PAYMENT') {
        await stripe.checkout.sessions.expire(
          license.stripeCheckoutSessionId,
          {},
          {
            idempotencyKey: stripeIdempotencyKey('expire-checkout', license.id),
          },
        );
      }
    } catch (err) {
      throw this.stripeFailure(err);
    }
    return this.endNow(viewer, license.id, 'CANCELED', {});
  }

  /** A platform admin revokes a license with a reason; a Stripe subscription behind it is canceled at once. */
  async revoke(viewer: Viewer, raw: unknown): Promise<LicenseRow> {
    viewer.assertAdmin();
    const { id, reason } = parseInput(LicenseReasonInput, raw);
    const license = await this.stores.licensing.licenseById.load(id);
    if (!license) throw new NotFoundError('No such license', { field: 'input.id' });
    if (license.status === 'REVOKED' || license.status === 'REJECTED') return license;
    if (this.deps.stripe && license.stripeSubscriptionId && license.status !== 'CANCELED') {
      try {
        await this.deps.stripe.subscriptions.cancel(
          license.stripeSubscriptionId,
          {},
          {
            idempotencyKey: stripeIdempotencyKey('revoke', license.id),
          },
        );
      } catch (err) {
        throw this.stripeFailure(err);
      }
    }
    return this.endNow(viewer, license.id, 'REVOKED', { revocationReason: reason });
  }

  private async endNow(viewer: Viewer, id: string, status: 'CANCELED' | 'REVOKED', extra: Partial<LicenseRow>): Promise<LicenseRow> {
    const now = this.clock.now();
    return this.stores.transaction(async (tx) => {
      const row = (await tx.licensing.lockLicense(id))!;
      // Settled meanwhile (a webhook, a concurrent cancel): nothing more to do; a rejected request has nothing to revoke.
      if (row.status === status || !mayBecome(effectiveStatus(row, now), status)) return row;
      return changeLicense(
        tx,
        this.actor(viewer),
        row,
        { ...extra, status, ...(status === 'CANCELED' ? { canceledAt: now } : { revokedAt: now }), checkoutUrl: null, updatedAt: now },
        { details: extra.revocationReason ? { reason: extra.revocationReason } : {} },
      );
    });
  }

  /** NOT_FOUND for licenses the caller may not see (without confirming they exist). */
  private async visible(viewer: Viewer, id: string): Promise<LicenseRow> {
    const row = await this.stores.licensing.license(viewer.scope(), id);
    if (!row) throw new NotFoundError('No such license', { field: 'input.id' });
    return row;
  }

  private async lockVisible(tx: Stores, viewer: Viewer, id: string): Promise<LicenseRow> {
    const row = await tx.licensing.lockLicenseIn(viewer.scope(), id);
    if (!row) throw new NotFoundError('No such license', { field: 'input.id' });
    return row;
  }
}

/** The versions a sale under `offer` would cover before retractions are taken out; null for ALL (every version). */
function offeredVersions(offer: OfferRow, latestVersionId: string | null): string[] | null {
  switch (offer.versionScope) {
    case 'ALL':
      return null;
    case 'LATEST_AT_PURCHASE':
      return latestVersionId ? [latestVersionId] : [];
    case 'PINNED':
      return offer.pinnedVersionIds;
  }
}

/** A PENDING_PAYMENT license whose Stripe side (Checkout Session or subscription) is not open yet. */
function awaitsStripeSetup(license: LicenseRow): boolean {
  return license.status === 'PENDING_PAYMENT' && !license.stripeCheckoutSessionId && !license.stripeSubscriptionId;
}
