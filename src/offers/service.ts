import type { Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { DatasetRow } from '../db/stores/catalog-store.js';
import type { Stores } from '../db/stores/index.js';
import type { OfferRow } from '../db/stores/offers-store.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { parseInput } from '../validation.js';
import { ALL_PRICE_FIELDS, CreateOfferInput, OfferIdInput, PRICE_FIELDS } from './inputs.js';
import type { LineageView } from './lineage-port.js';
import { combineTerms, termExceeding, termsOf, type LicenseTerms } from '../catalog/terms.js';

/** How datasets are sold: vendors create and archive offers; everyone sees a published dataset's active ones. */
export class OffersService {
  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    private readonly lineage: LineageView,
    private readonly auditLog: AuditLog,
  ) {}

  /** The vendor and staff see every offer of a dataset; everyone else its active ones that are not private to others. */
  /** Answered at once when the page that listed the dataset read its offers (no promise per listing). */
  offersOf(viewer: Viewer, dataset: DatasetRow): OfferRow[] | Promise<OfferRow[]> {
    const visible = (all: OfferRow[]) =>
      viewer.canRead(dataset.vendorId) ? all : all.filter((o) => o.active && offerVisibleTo(viewer, o));
    const primed = this.stores.catalog.listings.get(dataset)?.offers ?? this.stores.offers.offersByDatasetId.peek(dataset.id);
    return primed ? visible(primed) : this.stores.offers.offersByDatasetId.load(dataset.id).then(visible);
  }

  canSee(viewer: Viewer, offer: OfferRow, dataset: DatasetRow): boolean {
    return canSeeOffer(viewer, offer, dataset);
  }

  async offer(viewer: Viewer, id: string): Promise<OfferRow | null> {
    const offer = await this.stores.offers.offerById.load(id);
    if (!offer) return null;
    const dataset = await this.stores.catalog.datasetById.load(offer.datasetId);
    return dataset && this.canSee(viewer, offer, dataset) ? offer : null;
  }

  /**
   * A vendor member creates an offer on its dataset. Price fields must match the pricing model exactly; pinned
   * versions must be published versions of the dataset; the terms may not grant more than the dataset's terms nor
   * the inherited terms of any version the offer covers.
   * @example offers.createOffer(viewer, { datasetId, name: 'Research', pricingModel: 'FREE', terms })
   */
  async createOffer(viewer: Viewer, raw: unknown): Promise<OfferRow> {
    viewer.assertAuthenticated();
    const input = parseInput(CreateOfferInput, raw);
    const dataset = await this.stores.catalog.datasetById.load(input.datasetId);
    if (!dataset || !(dataset.status === 'PUBLISHED' || viewer.canRead(dataset.vendorId))) {
      throw new NotFoundError('No such dataset', { field: 'input.datasetId' });
    }
    viewer.assertOrgMember(dataset.vendorId);
    if (dataset.status === 'ARCHIVED' || dataset.status === 'SUSPENDED') {
      throw new ConflictError(`The dataset is ${dataset.status.toLowerCase()}; it takes no new offers`, { field: 'input.datasetId' });
    }
    checkPriceFields(input);
    if (input.usageCap != null && input.includedUnits != null && input.usageCap < input.includedUnits) {
      throw new BadUserInputError('input.usageCap: must not be below includedUnits', 'input.usageCap');
    }
    const visibleTo = await this.buyerOrganizations(input.visibleTo ?? []);
    const pinned = await this.coveredVersions(dataset, input.versions);
    const terms = input.terms ?? (await this.inheritedTerms(dataset, pinned));
    await this.checkTerms(dataset, terms, pinned);

    const now = this.clock.now();
    return this.stores.transaction(async (tx) => {
      const offer = await tx.offers.insertOffer({
        id: newId('offer', now.getTime()),
        datasetId: dataset.id,
        vendorId: dataset.vendorId,
        name: input.name,
        pricingModel: input.pricingModel,
        currency: input.currency ?? null,
        amountCents: input.amountCents ?? null,
        termDays: input.termDays ?? null,
        billingInterval: input.billingInterval ?? null,
        usageUnit: input.usageUnit ?? null,
        unitAmountCents: input.unitAmountCents ?? null,
        includedUnits: input.pricingModel === 'USAGE' ? (input.includedUnits ?? 0) : null,
        usageCap: input.usageCap ?? null,
        ...terms,
        spdxId: input.terms ? (input.terms.spdxId ?? dataset.spdxId ?? null) : terms.spdxId,
        versionScope: input.versions.scope,
        pinnedVersionIds: pinned,
        requiresApproval: input.requiresApproval,
        royaltyBps: input.royaltyBps ?? null,
        accessQuestions: input.questions,
        trialDays: input.trialDays ?? null,
        visibleTo,
        createdAt: now,
        updatedAt: now,
      });
      await this.audit(tx, viewer, offer, 'offer.created', { pricingModel: offer.pricingModel, name: offer.name });
      return offer;
    });
  }

  private audit(tx: Stores, viewer: Viewer, offer: OfferRow, action: string, details: Record<string, unknown> = {}): Promise<void> {
    return this.auditLog.record(tx, viewer, {
      action,
      subjectType: 'Offer',
      subjectId: offer.id,
      datasetId: offer.datasetId,
      organizationIds: [offer.vendorId],
      details,
    });
  }

  /** Archived offers sell no more; licenses bought under them keep their terms. Archiving twice is a no-op. */
  async archiveOffer(viewer: Viewer, raw: unknown): Promise<OfferRow> {
    viewer.assertAuthenticated();
    const { id } = parseInput(OfferIdInput, raw);
    const offer = await this.offer(viewer, id);
    if (!offer) throw new NotFoundError('No such offer', { field: 'input.id' });
    viewer.assertOrgMember(offer.vendorId);
    return this.stores.transaction(async (tx) => {
      const archived = await tx.offers.archiveOffer(offer.id, this.clock.now());
      if (!archived) return offer;
      await this.audit(tx, viewer, archived, 'offer.archived');
      return archived;
    });
  }

  /** A private offer's audience: existing BUYER organizations, each named once. */
  private async buyerOrganizations(ids: readonly string[]): Promise<string[]> {
    const orgs = await this.stores.accounts.organizationById.loadMany(ids);
    orgs.forEach((org, i) => {
      if (org instanceof Error || !org || org.kind !== 'BUYER') {
        throw new BadUserInputError(`input.visibleTo.${i}: not a buyer organization`, `input.visibleTo.${i}`);
      }
    });
    return [...new Set(ids)];
  }

  /** PINNED: the given versions, each a published version of this dataset. Other scopes take no versionIds. */
  private async coveredVersions(dataset: DatasetRow, versions: CreateOfferInput['versions']): Promise<string[]> {
    const ids = [...new Set(versions.versionIds ?? [])];
    if (versions.scope !== 'PINNED') {
      if (ids.length > 0)
        throw new BadUserInputError(`input.versions.versionIds: only PINNED offers name versions`, 'input.versions.versionIds');
      return [];
    }
    if (ids.length === 0)
      throw new BadUserInputError('input.versions.versionIds: PINNED offers need at least one version', 'input.versions.versionIds');
    const rows = await this.stores.catalog.versionById.loadMany(ids);
    rows.forEach((v, i) => {
      if (v instanceof Error || !v || v.datasetId !== dataset.id) {
        throw new BadUserInputError(`input.versions.versionIds.${i}: not a version of this dataset`, `input.versions.versionIds.${i}`);
      }
      if (v.status !== 'PUBLISHED') {
        throw new BadUserInputError(
          `input.versions.versionIds.${i}: version ${v.version} is not published`,
          `input.versions.versionIds.${i}`,
        );
      }
    });
    return ids;
  }

  /** What an offer without terms grants: the dataset's own terms narrowed by what every covered version inherits. */
  private async inheritedTerms(dataset: DatasetRow, pinned: string[]): Promise<LicenseTerms> {
    const inherited = await Promise.all((await this.termVersionIds(dataset, pinned)).map((id) => this.lineage.inheritedTerms(id)));
    return combineTerms([termsOf(dataset), ...inherited.filter((t): t is LicenseTerms => !!t)]);
  }

  // ALL covers future versions too; their inheritance is checked by lineage at publish, so we check what exists.
  private async termVersionIds(dataset: DatasetRow, pinned: string[]): Promise<string[]> {
    return pinned.length > 0 ? pinned : this.publishedVersionIds(dataset);
  }

  /** The offer's terms against the dataset's own terms and every covered version's inherited terms. */
  private async checkTerms(
    dataset: DatasetRow,
    terms: LicenseTerms | NonNullable<CreateOfferInput['terms']>,
    pinned: string[],
  ): Promise<void> {
    const granted = { ...terms, spdxId: terms.spdxId ?? null };
    const overDataset = termExceeding(granted, termsOf(dataset));
    if (overDataset) {
      throw new BadUserInputError(
        `input.terms.${overDataset}: grants more than the dataset's own terms allow`,
        `input.terms.${overDataset}`,
      );
    }
    for (const versionId of await this.termVersionIds(dataset, pinned)) {
      const inherited = await this.lineage.inheritedTerms(versionId);
      const over = inherited && termExceeding(granted, inherited);
      if (over) {
        throw new BadUserInputError(
          `input.terms.${over}: grants more than version ${versionId} inherits from its sources`,
          `input.terms.${over}`,
        );
      }
    }
  }

  private async publishedVersionIds(dataset: DatasetRow): Promise<string[]> {
    return this.stores.catalog.publishedVersionIds(dataset.id);
  }
}

/** Whether a private offer names the viewer's organization (offers private to nobody are public). */
export function offerVisibleTo(viewer: Viewer, offer: OfferRow): boolean {
  return offer.visibleTo.length === 0 || offer.visibleTo.some((orgId) => viewer.isMemberOf(orgId));
}

/**
 * Who sees (and so may buy) an offer: its vendor and staff always; everyone else an active offer on a published
 * dataset, and a private one only when it names their organization.
 */
export function canSeeOffer(viewer: Viewer, offer: OfferRow, dataset: DatasetRow): boolean {
  if (viewer.canRead(offer.vendorId)) return true;
  return offer.active && dataset.status === 'PUBLISHED' && offerVisibleTo(viewer, offer);
}

/** Each pricing model takes exactly its own price fields: missing ones and foreign ones are named. */
function checkPriceFields(input: CreateOfferInput): void {
  const spec = PRICE_FIELDS[input.pricingModel];
  for (const field of spec.required) {
    if (input[field] == null) {
      throw new BadUserInputError(`input.${field}: required for ${input.pricingModel} offers`, `input.${field}`);
    }
  }
  for (const field of ALL_PRICE_FIELDS) {
    if (input[field] != null && !spec.required.includes(field) && !spec.optional.includes(field)) {
      throw new BadUserInputError(`input.${field}: ${input.pricingModel} offers take no ${field}`, `input.${field}`);
    }
  }
}
