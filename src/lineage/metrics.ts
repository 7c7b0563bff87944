/**
 * The lineage arithmetic, as pure functions of a version's declared provenance and its sources' frozen summaries.
 * README.md, "Lineage: how the numbers are computed", states every formula with a worked example; keep them in step.
 */
import { CONTENT_ROLES, generatesRows, type CurationKind, type Provenance, type SourceRole } from './provenance.js';
import { combineTerms, type LicenseTerms } from '../catalog/terms.js';
import type { CollapseRiskSettings } from '../config.js';
import { assessCollapseRisk, type CollapseRisk, type RiskFinding, type RiskLevel } from '../mixes/collapse-rules.js';

export { percent, withRetractions, type CollapseRisk, type RiskLevel } from '../mixes/collapse-rules.js';

export type DatasetKind = 'REAL' | 'SYNTHETIC' | 'HYBRID';

/** Everything lineage stores for a published version (and computes on the fly for a draft). */
export interface LineageSummary {
  generationDepth: number;
  realFraction: number;
  humanReviewedFraction: number;
  /** The version's own dataset terms when it was published. */
  ownTerms: LicenseTerms;
  /** `ownTerms` combined with every ancestor's: the most an offer may grant. */
  inheritedTerms: LicenseTerms;
  /** How others attribute this version: "Title by Vendor (SPDX)". */
  attributionLabel: string;
  /** Ancestors that require attribution, by label. */
  attributions: string[];
  realRootIds: string[];
  collapseRisk: RiskLevel;
  collapseReasons: string[];
  /** The findings behind the reasons: rule, message, citation (empty for versions frozen before findings existed). */
  collapseFindings: RiskFinding[];
}

/** One cited source: its role and weight in the citing version, and its own frozen summary. */
export interface SourceLineage {
  versionId: string;
  role: SourceRole;
  rowsUsed: number;
  summary: LineageSummary;
}

/** The version whose lineage is computed. */
export interface LineageSubject {
  versionId: string;
  kind: DatasetKind;
  terms: LicenseTerms;
  attributionLabel: string;
  provenance: Provenance | null;
}

/** Rounds away binary noise (0.30000000000000004) and clamps to [0, 1]. */
function fraction(x: number): number {
  return Math.min(1, Math.max(0, Math.round(x * 1e9) / 1e9));
}

/** "Title by Vendor (CC-BY-4.0)": how an ancestor is credited. */
export function attributionLabel(title: string, vendorName: string, spdxId: string | null): string {
  return `${title} by ${vendorName} (${spdxId ?? 'custom terms'})`;
}

/**
 * REAL = 0; a version whose method writes rows = 1 + its deepest content source (1 with none: a simulation);
 * one that only filters or mixes = its deepest content source. Content sources are SEED, REFERENCE and
 * GENERATOR_TRAINING_DATA: a filter model or an evaluation set does not put its rows into this version.
 * @example generationDepth('SYNTHETIC', 'LLM_GENERATION', [{ role: 'SEED', summary: { generationDepth: 1 } }]) // 2
 */
export function generationDepth(
  kind: DatasetKind,
  method: Provenance['method'],
  sources: readonly { role: SourceRole; summary: Pick<LineageSummary, 'generationDepth'> }[],
): number {
  if (kind === 'REAL') return 0;
  const deepest = Math.max(0, ...sources.filter((s) => CONTENT_ROLES.has(s.role)).map((s) => s.summary.generationDepth));
  return generatesRows(method) ? 1 + deepest : deepest;
}

/**
 * The share of this version's rows that are not written by its own method: real records it collected, or rows
 * carried over unchanged from SEED sources. REAL and select-or-mix methods carry everything (1); otherwise the
 * declared `realFraction` (0 when left out).
 */
export function carriedFraction(kind: DatasetKind, provenance: Provenance | null): number {
  if (kind === 'REAL') return 1;
  if (provenance?.method && !generatesRows(provenance.method)) return 1;
  return provenance?.realFraction ?? 0;
}

/** Average of `value` over the SEED sources, weighted by rows used; `none` when there is no SEED source. */
function seedAverage(sources: readonly SourceLineage[], value: (s: LineageSummary) => number, none: number): number {
  const seeds = sources.filter((s) => s.role === 'SEED');
  if (seeds.length === 0) return none;
  const total = seeds.reduce((sum, s) => sum + s.rowsUsed, 0);
  // Validation makes every SEED weigh at least one row; equal weights only guard a legacy zero.
  if (total === 0) return seeds.reduce((sum, s) => sum + value(s.summary), 0) / seeds.length;
  return seeds.reduce((sum, s) => sum + s.rowsUsed * value(s.summary), 0) / total;
}

/**
 * Effective real fraction = carried × W, where W is the rows-used-weighted real fraction of the SEED sources the
 * carried rows come from (1 with no SEED source: the vendor's own collection; 0 for a select-or-mix method with
 * nothing to select from). Generated rows are never real, however real their seeds were.
 * @example effectiveRealFraction('HYBRID', { realFraction: 0.5, ... }, [seed(10_000, 1), seed(10_000, 0.5)]) // 0.375
 */
export function effectiveRealFraction(kind: DatasetKind, provenance: Provenance | null, sources: readonly SourceLineage[]): number {
  if (kind === 'REAL') return 1;
  const carried = carriedFraction(kind, provenance);
  const fromSeeds = seedAverage(sources, (s) => s.realFraction, generatesRows(provenance?.method) ? 1 : 0);
  return fraction(carried * fromSeeds);
}

/**
 * Human-reviewed fraction = h + (1 − h) × carried × Wh: h is this version's largest HUMAN_REVIEW reviewed fraction
 * (overlapping reviews do not add up), Wh the SEED-weighted reviewed fraction of its sources; a carried row keeps
 * the review it had upstream, a generated one has only this version's.
 */
export function humanReviewedFraction(kind: DatasetKind, provenance: Provenance | null, sources: readonly SourceLineage[]): number {
  const own = Math.max(0, ...(provenance?.curation ?? []).filter((c) => c.kind === 'HUMAN_REVIEW').map((c) => c.reviewedFraction ?? 0));
  const upstream = carriedFraction(kind, provenance) * seedAverage(sources, (s) => s.humanReviewedFraction, 0);
  return fraction(own + (1 - own) * upstream);
}

/** Ancestors that require attribution (every role: a source you used is credited), deduplicated and sorted. */
export function attributionsOwed(sources: readonly SourceLineage[]): string[] {
  const owed = new Set<string>();
  for (const s of sources) {
    for (const a of s.summary.attributions) owed.add(a);
    if (s.summary.ownTerms.attributionRequired) owed.add(s.summary.attributionLabel);
  }
  return [...owed].sort();
}

/** REAL versions at the top of the content lineage: this version itself when it is REAL and carries no source's rows. */
export function realRoots(subject: Pick<LineageSubject, 'versionId' | 'kind'>, sources: readonly SourceLineage[]): string[] {
  const content = sources.filter((s) => CONTENT_ROLES.has(s.role));
  if (subject.kind === 'REAL' && content.length === 0) return [subject.versionId];
  return [...new Set(content.flatMap((s) => s.summary.realRootIds))].sort();
}

/**
 * A single version's collapse risk from its frozen metrics, by the rule set training mixes use
 * (src/mixes/collapse-rules.ts): the version is a mix of one, with no declared regime.
 */
export function versionCollapseRisk(
  m: { generationDepth: number; realFraction: number; humanReviewedFraction: number; curation: readonly CurationKind[] },
  settings: CollapseRiskSettings,
): CollapseRisk {
  return assessCollapseRisk(
    {
      regime: null,
      maxDepth: m.generationDepth,
      meanDepth: m.generationDepth,
      realFraction: m.realFraction,
      syntheticToRealRatio: null,
      humanReviewedFraction: m.humanReviewedFraction,
      deduplicated: m.curation.includes('DEDUP'),
    },
    settings,
  );
}

/**
 * A version's whole lineage summary from its provenance and its sources' summaries (each computed the same way
 * when they were published, so the recursion is already folded into them).
 * @example computeLineage({ versionId, kind: 'SYNTHETIC', terms, attributionLabel, provenance }, sources)
 */
export function computeLineage(subject: LineageSubject, sources: readonly SourceLineage[], settings: CollapseRiskSettings): LineageSummary {
  const { kind, provenance } = subject;
  const depth = generationDepth(kind, provenance?.method ?? (kind === 'REAL' ? 'HUMAN_COLLECTION' : null), sources);
  const realFraction = effectiveRealFraction(kind, provenance, sources);
  const humanReviewed = humanReviewedFraction(kind, provenance, sources);
  const risk = versionCollapseRisk(
    {
      generationDepth: depth,
      realFraction,
      humanReviewedFraction: humanReviewed,
      curation: (provenance?.curation ?? []).map((c) => c.kind),
    },
    settings,
  );
  return {
    generationDepth: depth,
    realFraction,
    humanReviewedFraction: humanReviewed,
    ownTerms: subject.terms,
    inheritedTerms: combineTerms([subject.terms, ...sources.map((s) => s.summary.inheritedTerms)]),
    attributionLabel: subject.attributionLabel,
    attributions: attributionsOwed(sources),
    realRootIds: realRoots(subject, sources),
    collapseRisk: risk.level,
    collapseReasons: risk.reasons,
    collapseFindings: risk.findings,
  };
}
