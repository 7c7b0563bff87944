/** License terms as the catalog declares them; lineage combines them across the ancestry. */
export interface LicenseTerms {
  spdxId: string | null;
  commercialUse: boolean;
  modelTraining: boolean;
  derivatives: boolean;
  syntheticGeneration: boolean;
  redistribution: boolean;
  attributionRequired: boolean;
}

/** Permissions a buyer can filter on; NO_ATTRIBUTION means nobody in the ancestry asks for attribution. */
export const LINEAGE_PERMISSIONS = [
  'COMMERCIAL_USE',
  'MODEL_TRAINING',
  'DERIVATIVES',
  'SYNTHETIC_GENERATION',
  'REDISTRIBUTION',
  'NO_ATTRIBUTION',
] as const;
export type LineagePermission = (typeof LINEAGE_PERMISSIONS)[number];

export function termsOf(row: LicenseTerms): LicenseTerms {
  return {
    spdxId: row.spdxId,
    commercialUse: row.commercialUse,
    modelTraining: row.modelTraining,
    derivatives: row.derivatives,
    syntheticGeneration: row.syntheticGeneration,
    redistribution: row.redistribution,
    attributionRequired: row.attributionRequired,
  };
}

/**
 * The most restrictive combination: a permission survives only if every term set grants it; attribution is required
 * if any asks for it; the SPDX id survives only when all agree (a mix is no single license).
 * @example combineTerms([ccBy, ccByNc]) // commercialUse: false, attributionRequired: true, spdxId: null
 */
export function combineTerms(all: readonly LicenseTerms[]): LicenseTerms {
  const [first, ...rest] = all;
  if (!first) throw new Error('combineTerms needs at least one set of terms');
  return rest.reduce<LicenseTerms>(
    (acc, t) => ({
      spdxId: acc.spdxId !== null && acc.spdxId === t.spdxId ? acc.spdxId : null,
      commercialUse: acc.commercialUse && t.commercialUse,
      modelTraining: acc.modelTraining && t.modelTraining,
      derivatives: acc.derivatives && t.derivatives,
      syntheticGeneration: acc.syntheticGeneration && t.syntheticGeneration,
      redistribution: acc.redistribution && t.redistribution,
      attributionRequired: acc.attributionRequired || t.attributionRequired,
    }),
    termsOf(first),
  );
}

/** The permissions these terms grant, as the catalog filter names them. */
export function permissionsOf(terms: LicenseTerms): LineagePermission[] {
  const out: LineagePermission[] = [];
  if (terms.commercialUse) out.push('COMMERCIAL_USE');
  if (terms.modelTraining) out.push('MODEL_TRAINING');
  if (terms.derivatives) out.push('DERIVATIVES');
  if (terms.syntheticGeneration) out.push('SYNTHETIC_GENERATION');
  if (terms.redistribution) out.push('REDISTRIBUTION');
  if (!terms.attributionRequired) out.push('NO_ATTRIBUTION');
  return out;
}

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
