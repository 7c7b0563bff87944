import { Viewer, type Principal } from '../accounts/viewer.js';
import type { Clock } from '../clock.js';
import type { RequestServices } from '../context.js';
import type { Stores } from '../db/stores/index.js';
import type { OfferRow } from '../db/stores/offers-store.js';
import { lineageFor } from '../offers/lineage-port.js';
import { combineTerms, termsOf, type LicenseTerms } from '../catalog/terms.js';
import { DEMO_VENDORS, type DemoDataset, type DemoVendor } from './catalog-data.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface DemoCommerceInput {
  admin: Viewer;
  owners: Map<DemoVendor, Viewer>;
  buyer: { organization: { id: string }; owner: { id: string }; apiKey: { id: string } };
  datasetIds: Map<DemoDataset, string>;
}

/**
 * Seeds offers of every pricing model on the demo datasets (some needing approval, royalties on the real datasets
 * others derive from) and gives the demo buyer licenses in several states, through the same services as the API,
 * in local billing mode: every flow can be walked on a laptop. Runs inside the demo seed's transaction.
 * @example await seedOffers(services, history, { admin, owners, buyer, datasetIds });
 */
export async function seedOffers(
  services: RequestServices,
  clock: Clock & { set(ms: number): void },
  input: DemoCommerceInput,
): Promise<{ offers: number; licenses: number }> {
  const t0 = clock.now().getTime();
  const { stores, offers, licensing, billing } = services;
  const lineage = lineageFor(stores);
  const buyer = new Viewer(
    principal({
      userId: input.buyer.owner.id,
      apiKeyId: input.buyer.apiKey.id,
      organizationId: input.buyer.organization.id,
      organizationKind: 'BUYER',
      orgRole: 'OWNER',
    }),
  );

  for (const owner of input.owners.values()) await billing.connectPayoutAccount(owner, {});

  // What each dataset may grant: its own terms within what its ancestry allows.
  const ceilingOf = async (datasetId: string): Promise<LicenseTerms> => {
    const dataset = (await stores.catalog.datasetById.load(datasetId))!;
    const inherited = dataset.latestVersionId ? await lineage.inheritedTerms(dataset.latestVersionId) : undefined;
    return combineTerms([termsOf(dataset), ...(inherited ? [{ ...inherited, spdxId: dataset.spdxId }] : [])])!;
  };

  const byModel: Record<OfferRow['pricingModel'], OfferRow[]> = { FREE: [], ONE_TIME: [], SUBSCRIPTION: [], USAGE: [] };
  const approvalOffers: OfferRow[] = [];
  const royaltyDatasets = new Set<string>();
  let count = 0;
  let i = 0;
  for (const vendor of DEMO_VENDORS) {
    const owner = input.owners.get(vendor)!;
    for (const d of vendor.datasets) {
      const datasetId = input.datasetIds.get(d);
      if (!datasetId) continue;
      const ceiling = await ceilingOf(datasetId);
      const create = async (offer: Record<string, unknown>) => {
        const row = await offers.createOffer(owner, { datasetId, terms: ceiling, ...offer });
        byModel[row.pricingModel].push(row);
        if (row.requiresApproval) approvalOffers.push(row);
        if (row.royaltyBps) royaltyDatasets.add(datasetId);
        count++;
        return row;
      };
      const research = { ...ceiling, commercialUse: false, redistribution: false };
      await create({ name: 'Research evaluation', pricingModel: 'FREE', termDays: 90, terms: research, requiresApproval: i % 3 === 0 });
      const royaltyBps = d.kind === 'REAL' && ceiling.derivatives ? 500 : undefined;
      const commercial = ceiling.commercialUse ? 'Commercial' : 'Standard';
      switch (i % 4) {
        case 0:
          await create({
            name: `${commercial} license, perpetual`,
            pricingModel: 'ONE_TIME',
            currency: 'usd',
            amountCents: 250_000,
            royaltyBps,
            versions: { scope: 'LATEST_AT_PURCHASE' },
          });
          break;
        case 1:
          await create({
            name: `${commercial} subscription`,
            pricingModel: 'SUBSCRIPTION',
            currency: 'usd',
            amountCents: 49_900,
            billingInterval: 'MONTHLY',
            royaltyBps,
          });
          break;
        case 2:
          await create({
            name: 'Pay as you go',
            pricingModel: 'USAGE',
            currency: 'usd',
            usageUnit: 'GIGABYTE',
            unitAmountCents: 1200,
            includedUnits: 5,
            usageCap: 500,
            royaltyBps,
          });
          break;
        default:
          await create({
            name: `${commercial} license, one year`,
            pricingModel: 'ONE_TIME',
            currency: 'eur',
            amountCents: 120_000,
            termDays: 365,
            royaltyBps,
            requiresApproval: true,
            // What the vendor asks before approving, shown with the request.
            questions: [
              { key: 'intended_use', label: 'What will you use the data for?', kind: 'TEXT', required: true },
              {
                key: 'deployment',
                label: 'Where will models trained on it run?',
                kind: 'SINGLE_CHOICE',
                required: true,
                options: ['Internal only', 'Customer-facing product'],
              },
              { key: 'country', label: 'Country of the licensee', kind: 'COUNTRY', required: false },
            ],
          });
          await create({
            name: `${commercial} subscription, yearly`,
            pricingModel: 'SUBSCRIPTION',
            currency: 'eur',
            amountCents: 990_000,
            billingInterval: 'YEARLY',
            trialDays: 14,
          });
      }
      i++;
    }
  }

  // The buyer's licenses, a few hours apart, in every state a newcomer should see.
  let at = t0;
  const next = (ms = 2 * HOUR) => clock.set((at += ms));
  const used = new Set<string>();
  const take = (rows: OfferRow[], pick: (o: OfferRow) => boolean = () => true) => {
    const offer = rows.find((o) => !used.has(o.id) && pick(o));
    if (!offer) throw new Error('demo commerce: ran out of offers to license');
    used.add(offer.id);
    return offer;
  };
  const buy = async (offer: OfferRow) => {
    next();
    return licensing.purchase(buyer, { offerId: offer.id, idempotencyKey: `demo-${offer.id}` });
  };
  // A paid license of a derived dataset, so its ledger shows upstream royalties.
  const derived = await firstDerived(
    stores,
    lineage,
    byModel.ONE_TIME.filter((o) => !o.requiresApproval),
    royaltyDatasets,
  );
  const licensed = [
    await buy(take(byModel.FREE, (o) => !o.requiresApproval)),
    await buy(derived ? (used.add(derived.id), derived) : take(byModel.ONE_TIME, (o) => !o.requiresApproval)),
    await buy(take(byModel.SUBSCRIPTION)),
    await buy(take(byModel.USAGE)),
  ];
  // One request is left waiting for the vendor.
  await buy(take(approvalOffers, (o) => o.pricingModel === 'FREE'));
  const approved = await buy(take(approvalOffers, (o) => o.pricingModel === 'FREE'));
  const rejected = await buy(take(approvalOffers, (o) => o.pricingModel === 'FREE'));
  const ownerOf = (vendorId: string) => [...input.owners.values()].find((v) => v.principal!.organizationId === vendorId)!;
  next(2 * DAY);
  await licensing.approve(ownerOf(approved.vendorId), { id: approved.id });
  next();
  await licensing.reject(ownerOf(rejected.vendorId), {
    id: rejected.id,
    reason: 'We license this dataset for academic research only; please contact sales.',
  });
  // A short-term license, long expired by now.
  const shortOffer = await offers.createOffer(ownerOf(licensed[0]!.vendorId), {
    datasetId: licensed[0]!.datasetId,
    name: 'Three-day evaluation',
    pricingModel: 'FREE',
    termDays: 3,
    terms: { ...termsOf(licensed[0]!), commercialUse: false, redistribution: false },
  });
  count++;
  clock.set(t0 - 30 * DAY);
  await licensing.purchase(buyer, { offerId: shortOffer.id, idempotencyKey: `demo-${shortOffer.id}` });
  const canceled = await buy(take(byModel.ONE_TIME, (o) => !o.requiresApproval));
  next();
  await licensing.cancel(buyer, { id: canceled.id });
  const revoked = await buy(take(byModel.FREE, (o) => !o.requiresApproval));
  next();
  await licensing.revoke(input.admin, { id: revoked.id, reason: 'Downloads shared outside the licensee organization (demo).' });
  return { offers: count, licenses: licensed.length + 3 + 3 };
}

/** A ONE_TIME offer of a dataset whose ancestry includes a dataset asking for a royalty, if the demo has one. */
async function firstDerived(stores: Stores, lineage: ReturnType<typeof lineageFor>, candidates: OfferRow[], royaltyDatasets: Set<string>) {
  for (const offer of candidates) {
    const dataset = await stores.catalog.datasetById.load(offer.datasetId);
    if (!dataset?.latestVersionId) continue;
    const ancestors = await lineage.ancestors(dataset.latestVersionId);
    if (ancestors.some((a) => royaltyDatasets.has(a.datasetId))) return offer;
  }
  return undefined;
}

function principal(p: Partial<Principal> & Pick<Principal, 'userId' | 'apiKeyId'>): Principal {
  return { organizationId: null, organizationKind: null, vendorStatus: null, orgRole: null, platformRole: null, ...p };
}
