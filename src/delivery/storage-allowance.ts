import type { Stores } from '../db/stores/index.js';

/** How much a vendor may store: per declared file, and in all (every version of every dataset). */
export interface StorageLimits {
  maxFileBytes: number;
  vendorQuotaBytes: number;
}

/** For callers that store nothing a client sent (the demo seed). */
export const UNLIMITED_STORAGE: StorageLimits = { maxFileBytes: Number.MAX_SAFE_INTEGER, vendorQuotaBytes: Number.MAX_SAFE_INTEGER };

/** Why storing more would break a limit, naming the input field at fault; undefined when it fits. */
export interface StorageRefusal {
  field: string;
  message: string;
}

/**
 * Checks declared files against the size limit and the vendor's quota (what is stored already plus what these
 * files add). `fieldOf(i)` names the i-th file's field, `totalField` the field blamed for the quota.
 * @example await storageRefusal(stores, limits, vendorId, input.files, (i) => `input.files.${i}.byteSize`, 'input.files')
 */
export async function storageRefusal(
  stores: Stores,
  limits: StorageLimits,
  vendorId: string,
  files: readonly { byteSize: bigint }[],
  fieldOf: (index: number) => string,
  totalField: string,
): Promise<StorageRefusal | undefined> {
  const tooLarge = files.findIndex((f) => f.byteSize > BigInt(limits.maxFileBytes));
  if (tooLarge !== -1) {
    const field = fieldOf(tooLarge);
    return { field, message: `${field}: a file may be at most ${limits.maxFileBytes} bytes` };
  }
  const adding = files.reduce((sum, f) => sum + f.byteSize, 0n);
  if (adding === 0n) return undefined;
  const stored = await stores.delivery.storedBytesOfVendor(vendorId);
  if (stored + adding <= BigInt(limits.vendorQuotaBytes)) return undefined;
  return {
    field: totalField,
    message: `${totalField}: storing ${adding} more bytes would exceed your organization's storage quota of ${limits.vendorQuotaBytes} bytes (${stored} stored)`,
  };
}
