import type { LicenseTerms } from '../catalog/terms.js';

/**
 * SPDX licenses whose terms let anyone derive from and redistribute the data. A source counts as "open" only when its
 * dataset declares one of these AND its terms grant derivatives and synthetic generation (the declared flags win:
 * an ND variant or a vendor that opts out is not open).
 */
export const OPEN_SPDX_LICENSES: ReadonlySet<string> = new Set(
  [
    'CC0-1.0',
    'CC-BY-3.0',
    'CC-BY-4.0',
    'CC-BY-SA-3.0',
    'CC-BY-SA-4.0',
    'PDDL-1.0',
    'ODC-By-1.0',
    'ODbL-1.0',
    'CDLA-Permissive-1.0',
    'CDLA-Permissive-2.0',
    'CDLA-Sharing-1.0',
    'MIT',
    'Apache-2.0',
    'BSD-2-Clause',
    'BSD-3-Clause',
    'Unlicense',
  ].map((id) => id.toLowerCase()),
);

/** True when anyone may build synthetic derivatives of data under these terms without a license. */
export function isOpenForDerivation(terms: LicenseTerms): boolean {
  return terms.spdxId !== null && OPEN_SPDX_LICENSES.has(terms.spdxId.toLowerCase()) && terms.derivatives && terms.syntheticGeneration;
}
