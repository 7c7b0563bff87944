/**
 * A training mix's numbers as pure functions of its components' frozen lineage (each component's summary already
 * folds in its whole ancestry), the buyer's licenses and the offers on sale. README.md, "Training mixes", states
 * every formula with a worked example; keep them in step.
 */
import { combineTerms, type LicensePermission, type LicenseTerms } from '../catalog/terms.js';
import type { CollapseRiskSettings } from '../config.js';
import { assessCollapseRisk, type CollapseRisk, type MixRegime } from './collapse-rules.js';

/** What the mix arithmetic needs of one component. */
export interface ComponentFacts {
  versionId: string;
  /** "Title 1.0.0": how findings name the component. */
  label: string;
  rows: number;
  generationDepth: number;
  realFraction: number;
  humanReviewedFraction: number;
  /** The component's inherited terms: its own and every ancestor's, most restrictive. */
  inheritedTerms: LicenseTerms;
  /** Whom this component's ancestry must credit, plus its own label when its terms require attribution. */
  attributions: readonly string[];
  /** Generated rows went through dedup or human review here (REAL components count as curated). */
  curated: boolean;
  retracted: boolean;
  retractedAncestorIds: readonly string[];
}

export interface TermsConflict {
  permission: LicensePermission;
  /** Components whose ancestry withholds the permission. */
  forbiddenBy: string[];
}

export interface MixMetrics {
  totalRows: number;
  /** Real rows, unrounded; `realRows` rounds it for display. */
  realRowsExact: number;
  realRows: number;
  realFraction: number;
  /** Synthetic rows per real row; null when the mix has no real rows at all. */
  syntheticToRealRatio: number | null;
  maxDepth: number;
  meanDepth: number;
  humanReviewedFraction: number;
  shares: number[];
  inheritedTerms: LicenseTerms;
  conflicts: TermsConflict[];
  attributions: string[];
  /** Components retracted themselves or through an ancestor. */
  retracted: string[];
}

/** Rounds away binary noise and clamps to [0, 1]. */
function fraction(x: number): number {
  return Math.min(1, Math.max(0, Math.round(x * 1e9) / 1e9));
}

const PERMISSION_TERM: Record<Exclude<LicensePermission, 'NO_ATTRIBUTION'>, keyof LicenseTerms> = {
  COMMERCIAL_USE: 'commercialUse',
  MODEL_TRAINING: 'modelTraining',
  DERIVATIVES: 'derivatives',
  SYNTHETIC_GENERATION: 'syntheticGeneration',
  REDISTRIBUTION: 'redistribution',
};

/** Whether terms grant a permission (NO_ATTRIBUTION: they ask for none). */
export function grants(terms: LicenseTerms, permission: LicensePermission): boolean {
  return permission === 'NO_ATTRIBUTION' ? !terms.attributionRequired : Boolean(terms[PERMISSION_TERM[permission]]);
}

/**
 * Rows-weighted mix metrics: real fraction = Σ rows·e / Σ rows, real rows = Σ rows·e, ratio = (N − real) / real,
 * depth max and rows-weighted mean, human-reviewed fraction = Σ rows·h / Σ rows; terms combined over every
 * component's inherited terms, with the components that withhold each intended permission named.
 * @example mixMetrics([{ rows: 600, realFraction: 1, ... }, { rows: 400, realFraction: 0.25, ... }], ['MODEL_TRAINING']).realFraction // 0.7
 */
export function mixMetrics(components: readonly ComponentFacts[], intendedUse: readonly LicensePermission[]): MixMetrics {
  const totalRows = components.reduce((sum, c) => sum + c.rows, 0);
  const weighted = (value: (c: ComponentFacts) => number) =>
    totalRows === 0 ? 0 : components.reduce((sum, c) => sum + c.rows * value(c), 0) / totalRows;
  const realRowsExact = components.reduce((sum, c) => sum + c.rows * c.realFraction, 0);
  const synthetic = totalRows - realRowsExact;
  const terms = components.map((c) => c.inheritedTerms);
  return {
    totalRows,
    realRowsExact,
    realRows: Math.round(realRowsExact),
    realFraction: fraction(weighted((c) => c.realFraction)),
    syntheticToRealRatio: realRowsExact === 0 ? null : Math.round((synthetic / realRowsExact) * 1e9) / 1e9,
    maxDepth: Math.max(0, ...components.map((c) => c.generationDepth)),
    meanDepth: Math.round(weighted((c) => c.generationDepth) * 1e9) / 1e9,
    humanReviewedFraction: fraction(weighted((c) => c.humanReviewedFraction)),
    shares: components.map((c) => (totalRows === 0 ? 0 : fraction(c.rows / totalRows))),
    inheritedTerms: terms.length > 0 ? combineTerms(terms) : combineTerms([NO_TERMS]),
    conflicts: intendedUse.flatMap((permission) => {
      const forbiddenBy = components.filter((c) => !grants(c.inheritedTerms, permission)).map((c) => c.label);
      return forbiddenBy.length > 0 ? [{ permission, forbiddenBy }] : [];
    }),
    attributions: [...new Set(components.flatMap((c) => c.attributions))].sort(),
    retracted: components.filter((c) => c.retracted || c.retractedAncestorIds.length > 0).map((c) => c.label),
  };
}

/** An empty mix inherits nothing it could grant. */
const NO_TERMS: LicenseTerms = {
  spdxId: null,
  commercialUse: false,
  modelTraining: false,
  derivatives: false,
  syntheticGeneration: false,
  redistribution: false,
  attributionRequired: false,
};

/** The mix's collapse risk by the shared rule set; retracted components make it HIGH. */
export function mixCollapseRisk(
  regime: MixRegime,
  metrics: MixMetrics,
  components: readonly ComponentFacts[],
  minorityLosses: Parameters<typeof assessCollapseRisk>[0]['minorityLosses'],
  settings: CollapseRiskSettings,
): CollapseRisk {
  const risk = assessCollapseRisk(
    {
      regime,
      maxDepth: metrics.maxDepth,
      meanDepth: metrics.meanDepth,
      realFraction: metrics.realFraction,
      syntheticToRealRatio: metrics.totalRows === 0 ? null : (metrics.syntheticToRealRatio ?? Infinity),
      humanReviewedFraction: metrics.humanReviewedFraction,
      deduplicated: components.every((c) => c.generationDepth === 0 || c.curated),
      minorityLosses,
    },
    settings,
  );
  if (metrics.retracted.length === 0) return risk;
  const findings = [
    ...metrics.retracted.map((label) => ({
      rule: 'RETRACTED' as const,
      level: 'HIGH' as const,
      message: `${label} is retracted or has a retracted ancestor`,
      citation: null,
    })),
    ...risk.findings,
  ];
  return { level: 'HIGH', reasons: findings.map((f) => f.message), findings };
}

// --- licensing cost ---------------------------------------------------------

/** An offer as the cost arithmetic sees it. */
export interface OfferFacts {
  id: string;
  active: boolean;
  terms: LicenseTerms;
  coversVersion: boolean;
  pricingModel: 'FREE' | 'ONE_TIME' | 'SUBSCRIPTION' | 'USAGE';
  currency: string | null;
  amountCents: number | null;
  usageUnit: 'GIGABYTE' | 'THOUSAND_ROWS' | 'REQUEST' | null;
  unitAmountCents: number | null;
  includedUnits: number | null;
}

export interface PricedOffer {
  offerId: string;
  currency: string | null;
  amountCents: number;
}

/**
 * What taking `rows` rows costs under an offer: FREE 0; ONE_TIME and SUBSCRIPTION their price (a subscription's first
 * period); USAGE per thousand rows ceil(rows / 1000) units, per gigabyte the rows' share of the version's bytes,
 * per request one request, each less the included units.
 */
export function offerCost(offer: OfferFacts, rows: number, version: { rowCount: number; byteSize: number }): number {
  switch (offer.pricingModel) {
    case 'FREE':
      return 0;
    case 'ONE_TIME':
    case 'SUBSCRIPTION':
      return offer.amountCents ?? 0;
    case 'USAGE': {
      const units =
        offer.usageUnit === 'THOUSAND_ROWS'
          ? Math.ceil(rows / 1000)
          : offer.usageUnit === 'GIGABYTE'
            ? Math.ceil((version.rowCount === 0 ? 0 : (version.byteSize * rows) / version.rowCount) / 1e9)
            : 1;
      return Math.max(0, units - (offer.includedUnits ?? 0)) * (offer.unitAmountCents ?? 0);
    }
  }
}

/** The cheapest active offer covering the version whose terms grant every intended permission; null when none does. */
export function cheapestOffer(
  offers: readonly OfferFacts[],
  intendedUse: readonly LicensePermission[],
  rows: number,
  version: { rowCount: number; byteSize: number },
): PricedOffer | null {
  let best: PricedOffer | null = null;
  for (const o of offers) {
    if (!o.active || !o.coversVersion || !intendedUse.every((p) => grants(o.terms, p))) continue;
    const amountCents = offerCost(o, rows, version);
    if (!best || amountCents < best.amountCents) best = { offerId: o.id, currency: o.currency, amountCents };
  }
  return best;
}

/** Totals per currency (FREE offers add to none), sorted by currency. */
export function totalsByCurrency(priced: readonly PricedOffer[]): { currency: string; amountCents: number }[] {
  const totals = new Map<string, number>();
  for (const p of priced) if (p.currency) totals.set(p.currency, (totals.get(p.currency) ?? 0) + p.amountCents);
  return [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountCents]) => ({ currency, amountCents }));
}

// --- suggestions ------------------------------------------------------------

/**
 * Real rows to add to reach `target`: the smallest x with (R + x) / (N + x) ≥ t, x = ceil((t·N − R) / (1 − t));
 * 0 when the mix is already there.
 * @example rowsToTarget(1000, 200, 0.5) // 600: (200 + 600) / (1000 + 600) = 0.5
 */
export function rowsToTarget(totalRows: number, realRows: number, target: number): number {
  const x = (target * totalRows - realRows) / (1 - target);
  // Binary noise must not ask for one row more than exact arithmetic would.
  return x <= 1e-9 ? 0 : Math.ceil(x - 1e-9);
}

/** The real fraction after adding `rows` fully real rows. */
export function realFractionWith(totalRows: number, realRows: number, rows: number): number {
  return fraction((realRows + rows) / (totalRows + rows));
}
