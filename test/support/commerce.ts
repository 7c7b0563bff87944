import { expect } from 'vitest';
import { startTestApp, type ApiClient, type TestApp } from './app.js';
import { FakeStripe } from './fake-stripe.js';
import { OPEN_TERMS, ok, publishDataset, signUp, type Org } from './fixtures.js';

export const OFFER_FIELDS = `id name active pricingModel currency amountCents termDays billingInterval usageUnit unitAmountCents includedUnits usageCap requiresApproval royaltyBps versionScope terms { commercialUse modelTraining derivatives syntheticGeneration redistribution attributionRequired }`;
export const LICENSE_FIELDS = `id status billingMode pricingModel checkoutUrl startsAt expiresAt requestedAt waitingSeconds rejectionReason revocationReason cancelAtPeriodEnd offer { id } licensee { id } dataset { id } terms { commercialUse derivatives syntheticGeneration attributionRequired } versions { id }`;

export const CREATE_OFFER = `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { ${OFFER_FIELDS} } } }`;
export const ARCHIVE_OFFER = `mutation($id: ID!) { archiveOffer(input: { id: $id }) { offer { id active } } }`;
export const PURCHASE = `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { checkoutUrl license { ${LICENSE_FIELDS} } } }`;
export const APPROVE = `mutation($id: ID!) { approveLicense(input: { id: $id }) { license { ${LICENSE_FIELDS} } } }`;
export const REJECT = `mutation($id: ID!, $reason: String!) { rejectLicense(input: { id: $id, reason: $reason }) { license { ${LICENSE_FIELDS} } } }`;
export const CANCEL = `mutation($id: ID!) { cancelLicense(input: { id: $id }) { license { ${LICENSE_FIELDS} } } }`;
export const REVOKE = `mutation($id: ID!, $reason: String!) { revokeLicense(input: { id: $id, reason: $reason }) { license { ${LICENSE_FIELDS} } } }`;
export const CONNECT = `mutation($input: ConnectPayoutAccountInput!) { connectPayoutAccount(input: $input) { onboardingUrl payoutAccount { billingMode stripeAccountId chargesEnabled payoutsEnabled } } }`;
export const LICENSE = `query($id: ID!) { license(id: $id) { ${LICENSE_FIELDS} payments { id amountCents currency billingMode ledger { kind amountCents basisPoints status stripeTransferId organization { id } } } } }`;

export const PRICES = {
  FREE: { pricingModel: 'FREE' },
  ONE_TIME: { pricingModel: 'ONE_TIME', currency: 'usd', amountCents: 12_345, termDays: 365 },
  SUBSCRIPTION: { pricingModel: 'SUBSCRIPTION', currency: 'eur', amountCents: 4_999, billingInterval: 'MONTHLY' },
  USAGE: { pricingModel: 'USAGE', currency: 'usd', usageUnit: 'GIGABYTE', unitAmountCents: 25, includedUnits: 10, usageCap: 1000 },
} as const;

export function offerInput(datasetId: string, overrides: Record<string, unknown> = {}) {
  return { datasetId, name: 'Standard license', ...PRICES.FREE, terms: OPEN_TERMS, ...overrides };
}

export async function createOffer(
  app: ApiClient,
  vendor: Org,
  datasetId: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  return ok(await app.gql(CREATE_OFFER, { input: offerInput(datasetId, overrides) }, vendor.key)).createOffer.offer.id;
}

let keys = 0;
export const newKey = (base = 'purchase') => `${base}-${process.pid}-${++keys}-${Date.now()}`;

export async function purchase(app: ApiClient, buyer: Org | { key: string }, offerId: string, key = newKey()) {
  return app.gql(
    PURCHASE,
    { input: { offerId, idempotencyKey: key, successUrl: 'https://buyer.example/done', cancelUrl: 'https://buyer.example/cancel' } },
    buyer.key,
  );
}

/** Connects the vendor's payout account; with a fake Stripe, also completes onboarding (as `account.updated` would report). */
export async function connectVendor(app: ApiClient, vendor: Org, fake?: FakeStripe): Promise<string | null> {
  const res = ok(await app.gql(CONNECT, { input: { returnUrl: 'https://vendor.example/payouts' } }, vendor.key)).connectPayoutAccount;
  if (!fake) return null;
  const accountId = res.payoutAccount.stripeAccountId as string;
  fake.enableAccount(accountId);
  const res2 = await sendEvent(app, fake, 'account.updated', fake.get(accountId));
  expect(res2.status).toBe(200);
  return accountId;
}

/** A server billing through a fresh fake Stripe, with a vendor whose payout account is connected and a buyer. */
export interface StripeMarket {
  fake: FakeStripe;
  app: TestApp;
  vendor: Org;
  buyer: Org;
  /** The vendor's connected account. */
  accountId: string;
  /** A dataset the vendor has published (with open terms), to make offers on. */
  datasetId: string;
}

/** Starts a `StripeMarket`; `env` adds to the fake's Stripe settings. Close it with `closeStripeMarket`. */
export async function openStripeMarket(env: Record<string, string> = {}): Promise<StripeMarket> {
  const fake = await FakeStripe.start();
  const app = await startTestApp({ ...fake.env(), ...env });
  const [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  const accountId = (await connectVendor(app, vendor, fake))!;
  return { fake, app, vendor, buyer, accountId, datasetId: (await publishDataset(app, vendor)).datasetId };
}

/** Stops what `openStripeMarket` started (either may be missing when it failed part-way). */
export async function closeStripeMarket(market: { app?: TestApp; fake?: FakeStripe }): Promise<void> {
  await market.app?.close();
  await market.fake?.close();
}

/** POSTs a signed event to the webhook route as Stripe would. */
export async function sendEvent(
  app: ApiClient,
  fake: FakeStripe,
  type: string,
  object: Record<string, any>,
  options: Parameters<FakeStripe['event']>[2] = {},
) {
  const event = fake.event(type, object, options);
  return postWebhook(app, event.payload, event.signature);
}

export async function postWebhook(app: ApiClient, payload: string, signature: string | undefined) {
  const res = await fetch(`${app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/**
 * A license bought by `buyer` on an offer of `datasetId` (free unless `offer` says otherwise), and an access token
 * for it: what a buyer needs to download.
 * @example const { token } = await licensedToken(app, vendor, buyer, datasetId); fetch(url, { headers: { authorization: `Bearer ${token}` } });
 */
export async function licensedToken(
  app: ApiClient,
  vendor: Org,
  buyer: Org,
  datasetId: string,
  offer: Record<string, unknown> = {},
): Promise<{ licenseId: string; token: string }> {
  const offerId = await createOffer(app, vendor, datasetId, { name: `Offer ${newKey('offer')}`, ...offer });
  const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
  expect(license.status).toBe('ACTIVE');
  const issued = ok(
    await app.gql(
      `mutation($licenseId: ID!) { issueAccessToken(input: { licenseId: $licenseId }) { token } }`,
      { licenseId: license.id },
      buyer.key,
    ),
  );
  return { licenseId: license.id as string, token: issued.issueAccessToken.token as string };
}
