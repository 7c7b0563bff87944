/** The license terms a dataset declares, an offer grants or a license holds. */
export interface LicenseTerms {
  spdxId: string | null;
  commercialUse: boolean;
  modelTraining: boolean;
  derivatives: boolean;
  syntheticGeneration: boolean;
  redistribution: boolean;
  attributionRequired: boolean;
}

export const PERMISSIONS = ['commercialUse', 'modelTraining', 'derivatives', 'syntheticGeneration', 'redistribution'] as const;

/**
 * The first term in which `granted` gives more than `ceiling` allows, or undefined when it stays within it:
 * a permission the ceiling withholds, or no attribution where the ceiling requires one.
 * @example termExceeding({ ...open, commercialUse: true }, { ...open, commercialUse: false }) // 'commercialUse'
 */
export function termExceeding(granted: LicenseTerms, ceiling: LicenseTerms): keyof LicenseTerms | undefined {
  const permission = PERMISSIONS.find((p) => granted[p] && !ceiling[p]);
  if (permission) return permission;
  if (ceiling.attributionRequired && !granted.attributionRequired) return 'attributionRequired';
  return undefined;
}

/** The most restrictive combination of several terms (every permission all of them grant; attribution if any asks). */
export function mostRestrictive(all: LicenseTerms[]): LicenseTerms | undefined {
  if (all.length === 0) return undefined;
  return {
    spdxId: all.length === 1 ? all[0]!.spdxId : null,
    commercialUse: all.every((t) => t.commercialUse),
    modelTraining: all.every((t) => t.modelTraining),
    derivatives: all.every((t) => t.derivatives),
    syntheticGeneration: all.every((t) => t.syntheticGeneration),
    redistribution: all.every((t) => t.redistribution),
    attributionRequired: all.some((t) => t.attributionRequired),
  };
}

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
