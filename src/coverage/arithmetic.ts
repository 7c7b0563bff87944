/**
 * Coverage arithmetic as pure functions: who is represented in a version along one attribute, what a synthetic or
 * hybrid version should have inherited from its sources, and a training mix's coverage. README.md, "Coverage",
 * states every formula with a worked example; keep them in step.
 */

export interface ReportedGroup {
  value: string;
  count: number;
  referenceShare: number | null;
}

export type CoverageFlag = 'FELL' | 'VANISHED';

export interface CoverageGroupView {
  value: string;
  count: number;
  share: number;
  referenceShare: number | null;
  /** SYNTHETIC/HYBRID: the share expected from the sources (rows-weighted); null without a source report. */
  inheritedShare: number | null;
  flag: CoverageFlag | null;
}

export interface CoverageStats {
  total: number;
  smallestGroupShare: number;
  /** Largest group's count over the smallest's; null when a listed group has no rows at all. */
  imbalanceRatio: number | null;
  /** Shannon entropy over ln(k), 1 = perfectly even; null with a single group. */
  evenness: number | null;
}

/** Rounds away binary noise and clamps to [0, 1]. */
function fraction(x: number): number {
  return Math.min(1, Math.max(0, Math.round(x * 1e9) / 1e9));
}

/** Each group's share of the report's total. @example shares([{ value: 'en', count: 3 }, { value: 'fr', count: 1 }]) // en 0.75, fr 0.25 */
export function shares(groups: readonly Pick<ReportedGroup, 'value' | 'count'>[]): Map<string, number> {
  const total = groups.reduce((sum, g) => sum + g.count, 0);
  return new Map(groups.map((g) => [g.value, total === 0 ? 0 : fraction(g.count / total)]));
}

/**
 * Smallest share, imbalance ratio (max count / min count) and normalized evenness (H / ln k, H = −Σ p ln p over the
 * k listed groups; a group with no rows adds nothing to H but counts in k).
 * @example coverageStats([{ value: 'a', count: 900 }, { value: 'b', count: 100 }]) // { smallestGroupShare: 0.1, imbalanceRatio: 9, evenness: 0.469 }
 */
export function coverageStats(groups: readonly Pick<ReportedGroup, 'value' | 'count'>[]): CoverageStats {
  const total = groups.reduce((sum, g) => sum + g.count, 0);
  const p = [...shares(groups).values()];
  const counts = groups.map((g) => g.count);
  const min = Math.min(...counts);
  const entropy = -p.filter((x) => x > 0).reduce((sum, x) => sum + x * Math.log(x), 0);
  return {
    total,
    smallestGroupShare: Math.min(...p),
    imbalanceRatio: min === 0 ? null : Math.round((Math.max(...counts) / min) * 1e9) / 1e9,
    evenness: groups.length < 2 ? null : fraction(entropy / Math.log(groups.length)),
  };
}

/** One source's report on the same attribute and the rows the derived version used from it. */
export interface SourceCoverage {
  rowsUsed: number;
  groups: readonly Pick<ReportedGroup, 'value' | 'count'>[];
}

/**
 * The coverage a derived version is expected to inherit: each group's share averaged over the sources that report
 * the attribute, weighted by rows used. Empty when no source reports it.
 * @example inheritedShares([{ rowsUsed: 1000, groups: [a: 0.8, b: 0.2] }, { rowsUsed: 3000, groups: [a: 0.4, b: 0.6] }]) // a 0.5, b 0.5
 */
export function inheritedShares(sources: readonly SourceCoverage[]): Map<string, number> {
  const weight = sources.reduce((sum, s) => sum + s.rowsUsed, 0);
  const out = new Map<string, number>();
  if (weight === 0) return out;
  for (const s of sources) {
    for (const [value, share] of shares(s.groups)) out.set(value, (out.get(value) ?? 0) + (s.rowsUsed * share) / weight);
  }
  for (const [value, share] of out) out.set(value, fraction(share));
  return out;
}

/**
 * A report's groups with shares, and, for a derived version, the inherited share and a flag: VANISHED when a group
 * the sources had is missing or empty here, FELL when its share dropped by more than `fellBy` of the inherited share
 * (amplified under-representation). Groups only the sources have are listed with count 0.
 */
export function coverageGroups(
  groups: readonly ReportedGroup[],
  inherited: ReadonlyMap<string, number> | null,
  fellBy: number,
): CoverageGroupView[] {
  const own = shares(groups);
  const views: CoverageGroupView[] = groups.map((g) => ({
    value: g.value,
    count: g.count,
    share: own.get(g.value)!,
    referenceShare: g.referenceShare,
    inheritedShare: inherited?.get(g.value) ?? null,
    flag: null,
  }));
  for (const [value, share] of inherited ?? []) {
    if (!own.has(value)) views.push({ value, count: 0, share: 0, referenceShare: null, inheritedShare: share, flag: null });
  }
  for (const v of views) {
    if (v.inheritedShare === null || v.inheritedShare === 0) continue;
    if (v.count === 0) v.flag = 'VANISHED';
    else if (v.share < v.inheritedShare * (1 - fellBy)) v.flag = 'FELL';
  }
  return views;
}

/** One mix component's report on an attribute and the rows the mix takes from it. */
export interface ComponentCoverage {
  rows: number;
  groups: readonly Pick<ReportedGroup, 'value' | 'count'>[];
}

export interface MixCoverageView {
  attribute: string;
  /** Rows of the mix whose component reports this attribute, and their share of the mix. */
  coveredRows: number;
  coveredShare: number;
  /** Smallest first: the groups a model trained on this mix sees least. */
  groups: { value: string; count: number; share: number }[];
}

/**
 * A mix's coverage on one attribute: each group's share over the covered rows, weighted by the rows taken from each
 * component; counts are the expected rows of the group (rows × share, rounded).
 */
export function mixCoverage(attribute: string, mixRows: number, components: readonly ComponentCoverage[]): MixCoverageView {
  const coveredRows = components.reduce((sum, c) => sum + c.rows, 0);
  const rowsOf = new Map<string, number>();
  for (const c of components) {
    for (const [value, share] of shares(c.groups)) rowsOf.set(value, (rowsOf.get(value) ?? 0) + c.rows * share);
  }
  const groups = [...rowsOf]
    .map(([value, rows]) => ({ value, count: Math.round(rows), share: coveredRows === 0 ? 0 : fraction(rows / coveredRows) }))
    .sort((a, b) => a.share - b.share || a.value.localeCompare(b.value));
  return { attribute, coveredRows, coveredShare: mixRows === 0 ? 0 : fraction(coveredRows / mixRows), groups };
}
