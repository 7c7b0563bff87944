/** License terms as a dataset declares them, an offer grants them and a license holds them. */
export interface LicenseTerms {
  spdxId: string | null;
  commercialUse: boolean;
  modelTraining: boolean;
  derivatives: boolean;
  syntheticGeneration: boolean;
  redistribution: boolean;
  attributionRequired: boolean;
}

/** Permissions a buyer can filter on; NO_ATTRIBUTION means the terms do not ask for attribution. */
export const LICENSE_PERMISSIONS = [
  'COMMERCIAL_USE',
  'MODEL_TRAINING',
  'DERIVATIVES',
  'SYNTHETIC_GENERATION',
  'REDISTRIBUTION',
  'NO_ATTRIBUTION',
] as const;
export type LicensePermission = (typeof LICENSE_PERMISSIONS)[number];

const GRANTS = ['commercialUse', 'modelTraining', 'derivatives', 'syntheticGeneration', 'redistribution'] as const;

/** The terms columns of any row that carries them. */
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
export function permissionsOf(terms: LicenseTerms): LicensePermission[] {
  const out: LicensePermission[] = [];
  if (terms.commercialUse) out.push('COMMERCIAL_USE');
  if (terms.modelTraining) out.push('MODEL_TRAINING');
  if (terms.derivatives) out.push('DERIVATIVES');
  if (terms.syntheticGeneration) out.push('SYNTHETIC_GENERATION');
  if (terms.redistribution) out.push('REDISTRIBUTION');
  if (!terms.attributionRequired) out.push('NO_ATTRIBUTION');
  return out;
}

/**
 * The first term in which `granted` gives more than `ceiling` allows, or undefined when it stays within it:
 * a permission the ceiling withholds, or no attribution where the ceiling requires one.
 * @example termExceeding({ ...open, commercialUse: true }, { ...open, commercialUse: false }) // 'commercialUse'
 */
export function termExceeding(granted: LicenseTerms, ceiling: LicenseTerms): keyof LicenseTerms | undefined {
  const permission = GRANTS.find((p) => granted[p] && !ceiling[p]);
  if (permission) return permission;
  if (ceiling.attributionRequired && !granted.attributionRequired) return 'attributionRequired';
  return undefined;
}
