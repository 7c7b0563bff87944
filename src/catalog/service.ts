import type { Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import { datasetStatusChanged, versionPublished } from '../events/builders.js';
import { emitEvents } from '../events/emit.js';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { OrganizationRow } from '../db/stores/accounts-store.js';
import {
  CatalogStore,
  type CatalogPageIncludes,
  type CatalogPageRow,
  type DatasetListQuery,
  type DatasetOrder,
  type DatasetRow,
  type DatasetVersionRow,
  type ListedDataset,
} from '../db/stores/catalog-store.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { decodeCursor, encodeCursor, pageRequest, pageSize, toConnection, toPage, type Connection } from '../pagination.js';
import { parseInput, slug as slugSchema } from '../validation.js';
import {
  CreateDatasetInput,
  CreateDatasetVersionInput,
  DatasetFilterInput,
  DatasetReasonInput,
  DatasetIdInput,
  PublishDatasetVersionInput,
  UpdateDatasetInput,
  UpdateDatasetVersionInput,
} from './inputs.js';
import { catalogLineageColumns, checkSource, freezeLineage } from '../lineage/freeze.js';
import { assertNotOwnSource } from '../lineage/provenance.js';
import { assertOptOutEvidence, isWebCollected } from '../lineage/opt-out.js';
import { recordRunEvent } from '../lineage/openlineage.js';
import type { DerivationLicenses } from '../lineage/rights.js';
import { storageRefusal, type StorageLimits } from '../delivery/storage-allowance.js';
import type { CollapseRiskSettings } from '../config.js';
import { manifestSha256 } from './manifest.js';
import { compareSemver } from './semver.js';

/** Told, in this process, as soon as a listing was suspended or reinstated: the download gate drops its cached status. */
export type ListingChanged = (datasetId: string) => void;

type FileInput = { path: string; byteSize: bigint; sha256: string; rowCount?: bigint | null };

export interface CatalogDeps {
  stores: Stores;
  clock: Clock;
  audit: AuditLog;
  /** Licensing's answer to "may this vendor derive from that source?" when it neither owns it nor are its terms open. */
  derivationLicenses: DerivationLicenses;
  /** What a vendor may declare: the largest file and its storage quota. */
  storage: StorageLimits;
  /** The collapse-risk thresholds a version's lineage is frozen with at publish. */
  collapseRisk: CollapseRiskSettings;
  /** Called on suspension and reinstatement (the download gate drops its cached status). */
  listingChanged: ListingChanged;
}

/** Listings and their versions: what vendors write and what everyone browses. */
export class CatalogService {
  constructor(private readonly deps: CatalogDeps) {}

  /** Declared files within the largest file allowed and the vendor's storage quota, else BAD_USER_INPUT naming the field. */
  private async assertFilesFit(stores: Stores, vendorId: string, files: readonly FileInput[]): Promise<void> {
    const refusal = await storageRefusal(stores, this.deps.storage, vendorId, files, (i) => `input.files.${i}.byteSize`, 'input.files');
    if (refusal) throw new BadUserInputError(refusal.message, refusal.field);
  }

  // --- reading -------------------------------------------------------------

  /** Drafts, suspended and archived listings are visible only to their vendor and platform staff (the Viewer decides). */
  canSee(viewer: Viewer, dataset: DatasetRow): boolean {
    return viewer.canSeeDataset(dataset);
  }

  canSeeVersion(viewer: Viewer, dataset: DatasetRow, version: DatasetVersionRow): boolean {
    return viewer.canSeeVersion(dataset, version);
  }

  async dataset(viewer: Viewer, id: string): Promise<DatasetRow | null> {
    const row = await this.deps.stores.catalog.datasetById.load(id);
    return row && this.canSee(viewer, row) ? row : null;
  }

  /** `vendor-slug/dataset-slug` */
  async datasetBySlug(viewer: Viewer, fullSlug: string): Promise<DatasetRow | null> {
    const parts = fullSlug.split('/');
    if (parts.length !== 2 || !parts.every((p) => slugSchema.safeParse(p).success)) {
      throw new BadUserInputError('slug: must look like "vendor-slug/dataset-slug"', 'slug');
    }
    const row = await this.deps.stores.catalog.datasetBySlugs(parts[0]!, parts[1]!);
    return row && this.canSee(viewer, row) ? row : null;
  }

  async version(viewer: Viewer, id: string): Promise<DatasetVersionRow | null> {
    const version = await this.deps.stores.catalog.versionById.load(id);
    if (!version) return null;
    const dataset = await this.deps.stores.catalog.datasetById.load(version.datasetId);
    return dataset && this.canSeeVersion(viewer, dataset, version) ? version : null;
  }

  /** Answered at once when the page that listed the dataset read its latest version (no promise per listing). */
  latestVersion(dataset: DatasetRow): DatasetVersionRow | null | Promise<DatasetVersionRow | null> {
    const id = dataset.latestVersionId;
    if (!id) return null;
    const listed = this.deps.stores.catalog.listings.get(dataset);
    if (listed?.latestVersion !== undefined) return listed.latestVersion;
    const { versionById } = this.deps.stores.catalog;
    return versionById.peek(id) ?? versionById.load(id).then((v) => v ?? null);
  }

  async versions(
    viewer: Viewer,
    dataset: DatasetRow,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<DatasetVersionRow>> {
    const limit = pageSize(args.first);
    const afterId = args.after ? String(decodeCursor(args.after, 'VERSIONS', ['text'])[0]) : undefined;
    const includeDrafts = viewer.canRead(dataset.vendorId);
    const rows = await this.deps.stores.catalog.versionPages.load({ datasetId: dataset.id, includeDrafts, afterId, limit });
    return toConnection(
      rows,
      limit,
      (r) => encodeCursor('VERSIONS', [r.id]),
      () => this.deps.stores.catalog.versionCounts.load({ datasetId: dataset.id, includeDrafts }),
    );
  }

  /**
   * The catalog: PUBLISHED listings for everyone; a vendor may also ask for its own drafts, staff for any.
   * `countNow` counts the matches beside the page (for a caller that will ask for `totalCount`).
   * @example catalog.search(viewer, { filter: { search: 'speech', kinds: ['REAL'] }, first: 20 })
   */
  async search(
    viewer: Viewer,
    args: {
      filter?: unknown;
      orderBy?: DatasetOrder | null;
      first?: number | null;
      after?: string | null;
      last?: number | null;
      before?: string | null;
    },
    include: CatalogPageIncludes = {},
    countNow = false,
  ): Promise<Connection<ListedDataset>> {
    const filter = parseInput(DatasetFilterInput, args.filter, 'filter');
    const page = pageRequest(args);
    const search = filter?.search ? filter.search : undefined;
    const order: DatasetOrder = args.orderBy ?? (search ? 'RELEVANCE' : 'NEWEST');
    if (order === 'RELEVANCE' && !search) {
      throw new BadUserInputError('orderBy: RELEVANCE needs filter.search', 'orderBy');
    }
    let vendorId: string | undefined;
    if (filter?.vendor) {
      const vendor = await this.deps.stores.accounts.organizationBySlug(filter.vendor);
      if (!vendor)
        return toPage(
          [],
          page,
          () => '',
          async () => 0,
        );
      vendorId = vendor.id;
    }
    const query: DatasetListQuery = {
      scope: viewer.scope(),
      statuses: filter?.status ?? ['PUBLISHED'],
      kinds: filter?.kind ?? filter?.kinds ?? undefined,
      modalities: filter?.modality ?? filter?.modalities ?? undefined,
      tags: filter?.tags ?? undefined,
      vendorId,
      permissions: filter?.permissions ?? undefined,
      maxGenerationDepth: filter?.maxGenerationDepth ?? undefined,
      minRealFraction: filter?.minRealFraction ?? undefined,
      inheritedPermissions: filter?.inheritedPermissions ?? undefined,
      coverage: filter?.coverage
        ? {
            attribute: filter.coverage.attribute,
            group: filter.coverage.group,
            minShare: filter.coverage.minShare ?? undefined,
            minCount: filter.coverage.minCount ?? undefined,
          }
        : undefined,
      search,
      order,
      after: page.cursor ? decodeCursor(page.cursor, order, CatalogStore.sortKeyKinds(order), page.field) : undefined,
      backward: page.backward,
      limit: page.limit,
    };
    // Counted beside the page rather than after it when the caller will ask for the count anyway.
    const counted = countNow ? this.deps.stores.catalog.countDatasets(query) : undefined;
    counted?.catch(() => undefined); // its failure is answered where totalCount awaits it, not as an unhandled rejection
    const rows = (await this.deps.stores.catalog.listDatasets(query, include)).map((row) =>
      include.slim ? this.keepListing(row) : this.primeLoaders(row),
    );
    return toPage(
      rows,
      page,
      (r) => encodeCursor(order, CatalogStore.sortKeys(order, r)),
      () => counted ?? this.deps.stores.catalog.countDatasets(query),
    );
  }

  /** What a catalog page read alongside its listings answers the loaders later field resolvers ask. */
  private primeLoaders({ dataset, vendor, latestVersion, lineage, offers }: CatalogPageRow): ListedDataset {
    const { catalog, accounts, lineage: lineageStore, offers: offersStore } = this.deps.stores;
    catalog.datasetById.prime(dataset.id, dataset);
    if (vendor) accounts.organizationById.prime(vendor.id, vendor);
    if (latestVersion) catalog.versionById.prime(latestVersion.id, latestVersion);
    if (lineage && dataset.latestVersionId) {
      lineageStore.summaryByVersionId.prime(dataset.latestVersionId, lineage.summary);
      lineageStore.retractedAncestorIds.prime(dataset.latestVersionId, lineage.retractedAncestorIds);
    }
    if (offers) offersStore.offersByDatasetId.prime(dataset.id, offers);
    return dataset;
  }

  /**
   * A slim page's rows are partial: kept with the page for the resolvers below it, never primed into the loaders
   * (which answer whole rows to anyone in the request). The retracted ancestors are whole and primed as usual.
   */
  private keepListing(row: CatalogPageRow): ListedDataset {
    const { dataset, latestVersion, lineage } = row;
    this.deps.stores.catalog.listings.set(dataset, row);
    if (latestVersion) this.deps.stores.catalog.listedVersions.set(latestVersion, row);
    if (lineage && dataset.latestVersionId)
      this.deps.stores.lineage.retractedAncestorIds.prime(dataset.latestVersionId, lineage.retractedAncestorIds);
    return dataset;
  }

  /** The vendor a page read with a listing (slim or not), if it did: undefined sends the caller to the loader. */
  listedVendor(dataset: DatasetRow): OrganizationRow | undefined {
    return this.deps.stores.catalog.listings.get(dataset)?.vendor ?? this.deps.stores.accounts.organizationById.peek(dataset.vendorId);
  }

  // --- writing -------------------------------------------------------------

  /** Loads a dataset the viewer's organization owns: NOT_FOUND when they cannot see it, FORBIDDEN when it is not theirs. */
  private async ownDataset(viewer: Viewer, id: string, field: string, stores = this.deps.stores): Promise<DatasetRow> {
    viewer.assertAuthenticated();
    const dataset = await stores.catalog.datasetById.load(id);
    if (!dataset || !this.canSee(viewer, dataset)) throw new NotFoundError('No such dataset', { field });
    viewer.assertOrgMember(dataset.vendorId);
    return dataset;
  }

  /** Loads a version the viewer's organization owns: NOT_FOUND when they cannot see it, FORBIDDEN when it is not theirs. */
  async ownVersion(
    viewer: Viewer,
    id: string,
    stores = this.deps.stores,
    field = 'input.id',
  ): Promise<{ dataset: DatasetRow; version: DatasetVersionRow }> {
    viewer.assertAuthenticated();
    const version = await stores.catalog.versionById.load(id);
    const dataset = version && (await stores.catalog.datasetById.load(version.datasetId));
    if (!version || !dataset || !this.canSeeVersion(viewer, dataset, version)) {
      throw new NotFoundError('No such dataset version', { field });
    }
    viewer.assertOrgMember(dataset.vendorId);
    return { dataset, version };
  }

  async createDataset(viewer: Viewer, raw: unknown): Promise<DatasetRow> {
    const principal = viewer.assertVendorMember();
    const input = parseInput(CreateDatasetInput, raw);
    if (await this.deps.stores.catalog.datasetByVendorSlug(principal.organizationId, input.slug)) {
      throw new ConflictError(`You already have a dataset with slug "${input.slug}"`, { field: 'input.slug' });
    }
    const now = this.deps.clock.now();
    try {
      return await this.deps.stores.catalog.insertDataset({
        id: newId('dataset', now.getTime()),
        vendorId: principal.organizationId,
        slug: input.slug,
        title: input.title,
        summary: input.summary ?? null,
        description: input.description ?? null,
        kind: input.kind,
        modality: input.modality,
        tags: input.tags,
        ...input.terms,
        spdxId: input.terms.spdxId ?? null,
        status: 'DRAFT',
        createdAt: now,
        updatedAt: now,
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConflictError(`You already have a dataset with slug "${input.slug}"`, { field: 'input.slug' });
      }
      throw err;
    }
  }

  async updateDataset(viewer: Viewer, raw: unknown): Promise<DatasetRow> {
    const input = parseInput(UpdateDatasetInput, raw);
    const dataset = await this.ownDataset(viewer, input.id, 'input.id');
    if (dataset.status === 'ARCHIVED') throw new ConflictError('An archived dataset cannot be edited', { field: 'input.id' });
    if (input.kind && input.kind !== dataset.kind && dataset.latestVersionId) {
      throw new ConflictError('The kind of a dataset with published versions cannot change', { field: 'input.kind' });
    }
    const { id: _id, terms, ...fields } = input;
    return this.deps.stores.catalog.updateDataset(dataset.id, {
      ...fields,
      ...(terms ? { ...terms, spdxId: terms.spdxId ?? null } : {}),
      updatedAt: this.deps.clock.now(),
    });
  }

  async createVersion(viewer: Viewer, raw: unknown): Promise<DatasetVersionRow> {
    const input = parseInput(CreateDatasetVersionInput, raw);
    return this.deps.stores.transaction(async (tx) => {
      const dataset = await this.ownDataset(viewer, input.datasetId, 'input.datasetId', tx);
      if (dataset.status === 'ARCHIVED') throw new ConflictError('An archived dataset takes no new versions', { field: 'input.datasetId' });
      await this.assertFilesFit(tx, dataset.vendorId, input.files);
      if (await tx.catalog.versionByNumber(dataset.id, input.version)) {
        throw new ConflictError(`Version ${input.version} already exists`, { field: 'input.version' });
      }
      const now = this.deps.clock.now();
      try {
        const version = await tx.catalog.insertVersion({
          id: newId('datasetVersion', now.getTime()),
          datasetId: dataset.id,
          version: input.version,
          format: input.format ?? null,
          columns: input.columns.map((c) => ({ name: c.name, type: c.type, description: c.description ?? null })),
          sample: input.sample ?? null,
          changelog: input.changelog ?? null,
          ...totals(input.files),
          createdAt: now,
          updatedAt: now,
        });
        await tx.catalog.replaceFiles(version.id, fileRows(input.files));
        if (input.provenance) {
          await this.assertMayCite(tx, dataset.vendorId, undefined, input.provenance.sources);
          await tx.lineage.saveProvenance(version.id, input.provenance, now);
        }
        return version;
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`Version ${input.version} already exists`, { field: 'input.version' });
        throw err;
      }
    });
  }

  async updateVersion(viewer: Viewer, raw: unknown): Promise<DatasetVersionRow> {
    const input = parseInput(UpdateDatasetVersionInput, raw);
    return this.deps.stores.transaction(async (tx) => {
      const { version, dataset } = await this.ownVersion(viewer, input.id, tx);
      if (version.status !== 'DRAFT') {
        throw new ConflictError('A published version is immutable; create a new version instead', { field: 'input.id' });
      }
      const { id: _id, files, columns, provenance, ...fields } = input;
      if (files) await this.assertFilesFit(tx, dataset.vendorId, files);
      if (files) await tx.catalog.replaceFiles(version.id, fileRows(files));
      if (provenance) {
        assertNotOwnSource(version.id, provenance, 'input.provenance');
        await this.assertMayCite(tx, dataset.vendorId, version.id, provenance.sources);
        await tx.lineage.saveProvenance(version.id, provenance, this.deps.clock.now());
      } else if (provenance === null) {
        await tx.lineage.deleteProvenance(version.id);
      }
      return tx.catalog.updateVersion(version.id, {
        ...fields,
        ...(columns ? { columns: columns.map((c) => ({ name: c.name, type: c.type, description: c.description ?? null })) } : {}),
        ...(files ? totals(files) : {}),
        updatedAt: this.deps.clock.now(),
      });
    });
  }

  /** A draft learns at once that it may not cite a source (publish checks again: a license may end meanwhile). */
  private async assertMayCite(stores: Stores, vendorId: string, versionId: string | undefined, sources: { versionId: string }[]) {
    for (const [i, source] of sources.entries()) {
      await checkSource(
        stores,
        this.deps.derivationLicenses,
        vendorId,
        versionId,
        source.versionId,
        `input.provenance.sources.${i}.versionId`,
      );
    }
  }

  /**
   * Publishes a draft version: checks it is complete and newer than every published version, fixes its
   * manifest checksum, and makes it the dataset's latest. The vendor must be approved.
   */
  async publishVersion(viewer: Viewer, raw: unknown): Promise<DatasetVersionRow> {
    const { id, optOutEvidence } = parseInput(PublishDatasetVersionInput, raw);
    const principal = viewer.assertAuthenticated();
    return this.deps.stores.transaction(async (tx) => {
      const { version } = await this.ownVersion(viewer, id, tx);
      const dataset = (await tx.catalog.lockDataset(version.datasetId))!;
      if (principal.vendorStatus !== 'APPROVED') {
        throw new ForbiddenError('Your vendor organization must be approved by an admin before it can publish');
      }
      if (version.status !== 'DRAFT') throw new ConflictError('This version is already published', { field: 'input.id' });
      if (dataset.status === 'SUSPENDED' || dataset.status === 'ARCHIVED') {
        throw new ConflictError(`The dataset is ${dataset.status.toLowerCase()}; it cannot publish`, { field: 'input.id' });
      }
      const files = await tx.catalog.filesByVersionId.load(version.id);
      // Fields name the stored draft with the input. prefix every mutation's errors carry.
      if (files.length === 0) throw new BadUserInputError('input.files: a version needs at least one file to publish', 'input.files');
      const stored = await tx.delivery.blobsByVersionId.load(version.id);
      const missing = files.flatMap((f, i) => (stored.get(f.sha256)?.byteSize === f.byteSize ? [] : [i]));
      if (missing.length > 0) {
        // Every missing file at once, so the vendor uploads them all before trying again.
        const list = missing.map((i) => `"${files[i]!.path}"`).join(', ');
        throw new BadUserInputError(
          `input.files.${missing[0]}: ${missing.length} of ${files.length} files have not been uploaded yet: ${list}`,
          `input.files.${missing[0]}`,
          { missingFields: missing.map((i) => `input.files.${i}`) },
        );
      }
      if (version.columns.length === 0) {
        throw new BadUserInputError('input.columns: a version needs its column schema to publish', 'input.columns');
      }
      const columnNames = new Set(version.columns.map((c) => c.name));
      ((await tx.catalog.sampleByVersionId.load(version.id)) ?? []).forEach((row, i) => {
        const unknown = Object.keys(row).find((k) => !columnNames.has(k));
        if (unknown !== undefined) {
          throw new BadUserInputError(`input.sample.${i}: column "${unknown}" is not in the column schema`, `input.sample.${i}`);
        }
      });
      const newer = (await tx.catalog.publishedVersionNumbers(dataset.id)).find((v) => compareSemver(v, version.version) >= 0);
      if (newer) {
        throw new BadUserInputError(`input.version: must be greater than the published version ${newer}`, 'input.version');
      }
      const now = this.deps.clock.now();
      // Checks every cited source and freezes the lineage (closure rows, metrics) in this same transaction.
      const lineage = await freezeLineage(tx, this.deps.derivationLicenses, {
        organizationId: principal.organizationId!,
        dataset,
        version,
        now,
        collapseRisk: this.deps.collapseRisk,
      });
      const provenance = (await tx.lineage.provenanceByVersionId.load(version.id)) ?? null;
      assertOptOutEvidence(isWebCollected(dataset.kind, provenance), optOutEvidence, now);
      await tx.lineage.insertOptOutEvidence(version.id, optOutEvidence, now);
      const published = await tx.catalog.updateVersion(version.id, {
        status: 'PUBLISHED',
        publishedAt: now,
        updatedAt: now,
        manifestSha256: manifestSha256(files),
      });
      await recordRunEvent(tx, { dataset, version: published, provenance, summary: lineage, now });
      await tx.catalog.updateDataset(dataset.id, {
        latestVersionId: published.id,
        status: dataset.status === 'DRAFT' ? 'PUBLISHED' : dataset.status,
        publishedAt: dataset.publishedAt ?? now,
        updatedAt: now,
        ...catalogLineageColumns(lineage),
      });
      await this.deps.audit.record(tx, viewer, {
        action: 'dataset.published',
        subjectType: 'DatasetVersion',
        subjectId: published.id,
        datasetId: dataset.id,
        organizationIds: [dataset.vendorId],
        details: { version: published.version, manifestSha256: published.manifestSha256 },
      });
      await emitEvents(tx, this.deps.clock, [versionPublished(dataset, published, await tx.events.liveLicenseeIds(dataset.id, now))]);
      return published;
    });
  }

  /** An admin takes a listing out of the catalog, with a reason shown to its vendor. */
  async suspendDataset(viewer: Viewer, raw: unknown): Promise<DatasetRow> {
    viewer.assertAdmin();
    const input = parseInput(DatasetReasonInput, raw);
    const dataset = await this.deps.stores.catalog.datasetById.load(input.id);
    if (!dataset) throw new NotFoundError('No such dataset', { field: 'input.id' });
    if (dataset.status === 'SUSPENDED') return dataset;
    const suspended = await this.deps.stores.transaction(async (tx) => {
      const suspended = await tx.catalog.updateDataset(dataset.id, {
        status: 'SUSPENDED',
        suspendedReason: input.reason,
        updatedAt: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, viewer, {
        action: 'dataset.suspended',
        subjectType: 'Dataset',
        subjectId: dataset.id,
        datasetId: dataset.id,
        organizationIds: [dataset.vendorId],
        details: { reason: input.reason },
      });
      const licensees = await tx.events.liveLicenseeIds(dataset.id, this.deps.clock.now());
      await emitEvents(tx, this.deps.clock, [datasetStatusChanged('dataset.suspended', suspended, licensees, input.reason)]);
      return suspended;
    });
    // After the commit: existing tokens stop downloading at once in this process (other instances within a second).
    this.deps.listingChanged(dataset.id);
    return suspended;
  }

  async reinstateDataset(viewer: Viewer, raw: unknown): Promise<DatasetRow> {
    viewer.assertAdmin();
    const input = parseInput(DatasetIdInput, raw);
    const dataset = await this.deps.stores.catalog.datasetById.load(input.id);
    if (!dataset) throw new NotFoundError('No such dataset', { field: 'input.id' });
    if (dataset.status !== 'SUSPENDED') throw new ConflictError('The dataset is not suspended', { field: 'input.id' });
    const reinstated = await this.deps.stores.transaction(async (tx) => {
      const reinstated = await tx.catalog.updateDataset(dataset.id, {
        status: dataset.latestVersionId ? 'PUBLISHED' : 'DRAFT',
        suspendedReason: null,
        updatedAt: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, viewer, {
        action: 'dataset.reinstated',
        subjectType: 'Dataset',
        subjectId: dataset.id,
        datasetId: dataset.id,
        organizationIds: [dataset.vendorId],
      });
      const licensees = await tx.events.liveLicenseeIds(dataset.id, this.deps.clock.now());
      await emitEvents(tx, this.deps.clock, [datasetStatusChanged('dataset.reinstated', reinstated, licensees, null)]);
      return reinstated;
    });
    this.deps.listingChanged(dataset.id);
    return reinstated;
  }
}

function totals(files: FileInput[]): { byteSize: bigint; rowCount: bigint | null } {
  const byteSize = files.reduce((sum, f) => sum + f.byteSize, 0n);
  const rowCount = files.every((f) => f.rowCount != null) ? files.reduce((sum, f) => sum + (f.rowCount ?? 0n), 0n) : null;
  return { byteSize, rowCount };
}

function fileRows(files: FileInput[]) {
  return files.map((f, position) => ({
    id: newId('dataFile'),
    path: f.path,
    byteSize: f.byteSize,
    sha256: f.sha256,
    rowCount: f.rowCount ?? null,
    position,
  }));
}
