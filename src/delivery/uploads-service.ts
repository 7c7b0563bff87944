import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Viewer } from '../accounts/viewer.js';
import { FilePath } from '../catalog/inputs.js';
import type { CatalogService } from '../catalog/service.js';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { UploadRow } from '../db/stores/delivery-store.js';
import type { DataFileRow } from '../db/stores/catalog-store.js';
import { BadUserInputError, ConflictError, ForbiddenError } from '../errors.js';
import { newId } from '../ids.js';
import { nodeId, parseInput } from '../validation.js';
import { blobKey, type FileStorage } from './storage.js';
import { storageRefusal, type StorageLimits } from './storage-allowance.js';

const NOT_APPROVED = 'Your vendor organization must be approved by an admin before it can store files';

const CreateUploadInput = z.object({ versionId: nodeId('dsv'), path: FilePath });
const CreateUploadsInput = z.object({ versionId: nodeId('dsv'), paths: z.array(FilePath).min(1).max(1000).nullish() });

/** An upload slot is good for a day; a new one can always be created for the same file. */
const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

/** Why an upload's bytes were refused: a closed set, answered by `src/http/refusals.ts`. */
export type UploadFailure = {
  code:
    | 'UNAUTHENTICATED'
    | 'NOT_FOUND'
    | 'UPLOAD_EXPIRED'
    | 'FORBIDDEN'
    | 'CONFLICT'
    | 'SIZE_MISMATCH'
    | 'HASH_MISMATCH'
    | 'QUOTA_EXCEEDED'
    | 'TOO_LARGE'
    | 'ABORTED'
    /** The file store failed; nothing was stored and the same upload may be sent again. */
    | 'STORE_UNAVAILABLE';
  message: string;
  /** What went wrong underneath, for the log. */
  cause?: unknown;
};

export type UploadOutcome = { ok: true; upload: UploadRow } | ({ ok: false } & UploadFailure);

export interface UploadsDeps {
  stores: Stores;
  catalog: CatalogService;
  storage: FileStorage;
  clock: Clock;
  limits: StorageLimits;
}

/** Vendors upload the declared files of draft versions; publishing needs every one of them stored. */
export class UploadsService {
  constructor(private readonly deps: UploadsDeps) {}

  /**
   * Opens an upload for one declared file of a draft version the caller's organization owns.
   * @example const upload = await uploads.createUpload(viewer, { versionId, path: 'data/train.parquet' }); // then PUT /uploads/{id}
   */
  async createUpload(viewer: Viewer, raw: unknown): Promise<UploadRow> {
    const input = parseInput(CreateUploadInput, raw);
    const principal = viewer.assertAuthenticated();
    const { version, dataset } = await this.deps.catalog.ownVersion(viewer, input.versionId, this.deps.stores, 'input.versionId');
    if (principal.vendorStatus !== 'APPROVED') throw new ForbiddenError(NOT_APPROVED);
    if (version.status !== 'DRAFT') throw new ConflictError('Only draft versions take uploads', { field: 'input.versionId' });
    const file = (await this.deps.stores.catalog.filesByVersionId.load(version.id)).find((f) => f.path === input.path);
    if (!file) throw new BadUserInputError(`input.path: "${input.path}" is not a file of this version`, 'input.path');
    const refusal = await this.refusal(dataset.vendorId, version.id, file);
    if (refusal) throw new BadUserInputError(refusal.message.replace(/^[^:]*:/, 'input.path:'), 'input.path');
    return this.open(this.deps.stores, file, principal.userId, this.deps.clock.now());
  }

  private open(stores: Stores, file: DataFileRow, userId: string, now: Date): Promise<UploadRow> {
    return stores.delivery.insertUpload({
      id: newId('upload', now.getTime()),
      versionId: file.versionId,
      path: file.path,
      byteSize: file.byteSize,
      sha256: file.sha256,
      createdBy: userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + UPLOAD_TTL_MS),
    });
  }

  /**
   * Opens uploads for several declared files of a draft version in one call: the `paths` given, or (without them)
   * every declared file not stored yet. The size limit and quota are checked for the whole batch.
   * @example const uploads = await uploads.createUploads(viewer, { versionId }); // then PUT each to /uploads/{id}
   */
  async createUploads(viewer: Viewer, raw: unknown): Promise<UploadRow[]> {
    const input = parseInput(CreateUploadsInput, raw);
    const principal = viewer.assertAuthenticated();
    const { version, dataset } = await this.deps.catalog.ownVersion(viewer, input.versionId, this.deps.stores, 'input.versionId');
    if (principal.vendorStatus !== 'APPROVED') throw new ForbiddenError(NOT_APPROVED);
    if (version.status !== 'DRAFT') throw new ConflictError('Only draft versions take uploads', { field: 'input.versionId' });
    const declared = await this.deps.stores.catalog.filesByVersionId.load(version.id);
    const stored = await this.deps.stores.delivery.blobsByVersionId.load(version.id);
    const chosen = input.paths
      ? input.paths.map((path, i) => {
          const file = declared.find((f) => f.path === path);
          if (!file) throw new BadUserInputError(`input.paths.${i}: "${path}" is not a file of this version`, `input.paths.${i}`);
          return { file, field: `input.paths.${i}` };
        })
      : declared.filter((f) => stored.get(f.sha256)?.byteSize !== f.byteSize).map((file) => ({ file, field: 'input.versionId' }));
    const unstored = [...new Map(chosen.filter((c) => !stored.has(c.file.sha256)).map((c) => [c.file.sha256, c])).values()];
    const refusal = await storageRefusal(
      this.deps.stores,
      this.deps.limits,
      dataset.vendorId,
      unstored.map((c) => c.file),
      (i) => unstored[i]!.field,
      'input.versionId',
    );
    if (refusal) throw new BadUserInputError(refusal.message, refusal.field);
    const now = this.deps.clock.now();
    return this.deps.stores.transaction(async (tx) => {
      const uploads: UploadRow[] = [];
      for (const { file } of chosen) uploads.push(await this.open(tx, file, principal.userId, now));
      return uploads;
    });
  }

  /** Storing `file` would break the size limit or the vendor's quota (a blob stored already adds nothing). */
  private async refusal(vendorId: string, versionId: string, file: { sha256: string; byteSize: bigint }) {
    const stored = (await this.deps.stores.delivery.blobsByVersionId.load(versionId)).has(file.sha256);
    return storageRefusal(this.deps.stores, this.deps.limits, vendorId, stored ? [] : [file], () => 'byteSize', 'byteSize');
  }

  /**
   * Receives the bytes of `PUT /uploads/{uploadId}`; `declaredLength` is the request's Content-Length, if any.
   * `openBody` is called only once every check passed, so a refused upload's body is never read.
   */
  async receive(viewer: Viewer, uploadId: string, openBody: () => Readable, declaredLength: number | undefined): Promise<UploadOutcome> {
    const principal = viewer.principal;
    if (!principal) return { ok: false, code: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <API key>' };
    const upload = /^upl_[0-9a-z]{26}$/.test(uploadId) ? await this.deps.stores.delivery.uploadById(uploadId) : undefined;
    const version = upload && (await this.deps.stores.catalog.versionById.load(upload.versionId));
    const dataset = version && (await this.deps.stores.catalog.datasetById.load(version.datasetId));
    // Another organization's upload is indistinguishable from a missing one.
    if (!upload || !version || !dataset || dataset.vendorId !== principal.organizationId) {
      return { ok: false, code: 'NOT_FOUND', message: 'No such upload' };
    }
    if (upload.expiresAt.getTime() <= this.deps.clock.now().getTime()) {
      return { ok: false, code: 'UPLOAD_EXPIRED', message: 'This upload has expired; create a new one' };
    }
    if (principal.vendorStatus !== 'APPROVED') return { ok: false, code: 'FORBIDDEN', message: NOT_APPROVED };
    if (version.status !== 'DRAFT') return { ok: false, code: 'CONFLICT', message: 'The version is no longer a draft' };
    if (declaredLength !== undefined && BigInt(declaredLength) !== upload.byteSize) {
      return {
        ok: false,
        code: 'SIZE_MISMATCH',
        message: `Content-Length ${declaredLength} differs from the declared ${upload.byteSize} bytes`,
      };
    }
    const refusal = await this.refusal(dataset.vendorId, version.id, upload);
    if (refusal) return { ok: false, code: 'QUOTA_EXCEEDED', message: refusal.message.replace(/^[^:]*: /, '') };
    const key = blobKey(version.id, upload.sha256);
    try {
      await this.deps.storage.put(key, openBody(), { byteSize: upload.byteSize, sha256: upload.sha256 });
    } catch (err) {
      const reason = (err as { reason?: string }).reason;
      const message = err instanceof Error ? err.message : 'upload failed';
      if (reason === 'TOO_LARGE') return { ok: false, code: 'TOO_LARGE', message };
      if (reason === 'SIZE_MISMATCH' || reason === 'HASH_MISMATCH') return { ok: false, code: reason, message };
      if (reason === 'UNAVAILABLE') {
        const retry = 'The file store is unavailable; nothing was stored. Send the same upload again shortly';
        return { ok: false, code: 'STORE_UNAVAILABLE', message: retry, cause: err };
      }
      return { ok: false, code: 'ABORTED', message: 'The upload was interrupted; nothing was stored' };
    }
    const now = this.deps.clock.now();
    await this.deps.stores.transaction(async (tx) => {
      await tx.delivery.recordBlob({
        versionId: version.id,
        sha256: upload.sha256,
        byteSize: upload.byteSize,
        storageKey: key,
        storedAt: now,
      });
      await tx.delivery.completeUpload(upload.id, now);
    });
    return { ok: true, upload: { ...upload, completedAt: upload.completedAt ?? now } };
  }
}
