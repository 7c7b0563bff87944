import { createHash } from 'node:crypto';

export interface ManifestEntry {
  path: string;
  byteSize: bigint;
  sha256: string;
}

/**
 * The checksum of a version's file manifest: SHA-256 over `path\tbytes\tsha256\n` lines sorted by path,
 * so anyone holding the files can recompute it.
 */
export function manifestSha256(files: readonly ManifestEntry[]): string {
  const lines = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.path}\t${f.byteSize}\t${f.sha256}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}
