/**
 * The collapse-risk rule set, shared by a single version's lineage (`Lineage.collapseRisk`) and a training mix
 * (`TrainingMix.collapseRisk`): one model explains both. Each rule is a pure check of the numbers; a rule that fires
 * yields a finding with its id, a message carrying the numbers, and the paper behind it. README.md, "Training mixes",
 * lists the rules with a worked example; thresholds are settings (`CollapseRiskSettings`, src/config.ts).
 */
import type { CollapseRiskSettings } from '../config.js';

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';
export type MixRegime = 'ACCUMULATE' | 'REPLACE';

/** The closed set of rule ids a finding can carry. */
export type RiskRuleId =
  | 'REAL_ONLY'
  | 'REPLACED_REAL_DEEP'
  | 'REPLACE_SHALLOW'
  | 'THIN_REAL_DEEP_CHAIN'
  | 'THIN_REAL'
  | 'ACCUMULATE_STABLE'
  | 'ONE_GENERATION'
  | 'SYNTHETIC_OUTWEIGHS_REAL'
  | 'UNCURATED'
  | 'NOT_DEDUPLICATED'
  | 'NOT_REVIEWED'
  | 'HUMAN_REVIEWED'
  | 'MINORITY_GROUP_LOST'
  | 'RETRACTED'
  /** A version frozen before findings were stored: its stored reason, without the rule that produced it. */
  | 'FROZEN_REASON';

export const CITATIONS = {
  gerstgrasser: 'Gerstgrasser et al. 2024, "Is Model Collapse Inevitable?", arXiv:2404.01413',
  bertrand: 'Bertrand et al., "On the Stability of Iterative Retraining of Generative Models on their own Data", ICLR 2024',
  alemohammad: 'Alemohammad et al., "Self-Consuming Generative Models Go MAD", ICLR 2024, arXiv:2307.01850',
  shumailov: 'Shumailov et al., "AI models collapse when trained on recursively generated data", Nature 631, 2024',
  ferbach:
    'Ferbach et al. 2024, "Self-Consuming Generative Models with Curated Data Provably Optimize Human Preferences", arXiv:2407.09499',
} as const;

export interface RiskFinding {
  rule: RiskRuleId;
  /** How far this finding raises the risk; informational findings are LOW. */
  level: RiskLevel;
  message: string;
  citation: string | null;
}

export interface CollapseRisk {
  level: RiskLevel;
  /** The findings' messages, in order (kept for clients that read the plain list). */
  reasons: string[];
  findings: RiskFinding[];
}

/**
 * What the rules look at. A single version is a mix of one: its own depth and real fraction, no declared regime and
 * no synthetic-to-real ratio (the ratio a model trains on is the buyer's mix, not one dataset's).
 */
export interface RiskSubject {
  /** Declared by a mix; null for a single version (whether it replaced real data is read from its real fraction). */
  regime: MixRegime | null;
  maxDepth: number;
  /** Rows-weighted mean depth (a single version: its depth). */
  meanDepth: number;
  realFraction: number;
  /** Mixes only: synthetic rows per real row; Infinity with no real rows; null to skip the rule. */
  syntheticToRealRatio: number | null;
  humanReviewedFraction: number;
  /**
   * Whether generated rows went through dedup: a single version's own curation; for a mix, whether every component
   * with generated rows was deduplicated or reviewed (null: not known, the dedup findings are skipped).
   */
  deduplicated: boolean | null;
  /** Mixes only: coverage groups a synthetic component lost or shrank against its sources. */
  minorityLosses?: readonly { component: string; attribute: string; group: string; vanished: boolean }[];
}

const RANK: Record<RiskLevel, number> = { LOW: 0, MEDIUM: 1, HIGH: 2 };

/** "37.5%" */
export function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

function ratioText(r: number): string {
  return Number.isFinite(r) ? `${Math.round(r * 100) / 100}:1` : 'no real rows at all';
}

/** The level a set of findings adds up to: the highest any of them raises it to. */
export function levelOf(findings: readonly Pick<RiskFinding, 'level'>[]): RiskLevel {
  return findings.reduce<RiskLevel>((acc, f) => (RANK[f.level] > RANK[acc] ? f.level : acc), 'LOW');
}

export function riskOf(findings: RiskFinding[]): CollapseRisk {
  return { level: levelOf(findings), reasons: findings.map((f) => f.message), findings };
}

/** The depth-and-real-share rules: at most one of them fires, the most severe that applies. */
function chainFinding(s: RiskSubject, t: CollapseRiskSettings): RiskFinding {
  const d = s.maxDepth;
  const e = s.realFraction;
  const replaced = s.regime === 'REPLACE' || e < t.replacedRealBelow;
  const depthText = s.regime ? `up to ${d} generations deep (mean ${Math.round(s.meanDepth * 100) / 100})` : `${d} generations`;
  if (d >= t.replaceDepth && replaced) {
    const what = s.regime === 'REPLACE' ? 'a REPLACE mix' : 'synthetic data';
    return {
      rule: 'REPLACED_REAL_DEEP',
      level: 'HIGH',
      message: s.regime
        ? `${what} ${depthText} with only ${percent(e)} real rows: generated data that replaces the real data degrades with every generation`
        : `${d} generations of synthetic data with only ${percent(e)} real records: generated data that replaced the real data degrades with every generation`,
      citation: CITATIONS.shumailov,
    };
  }
  if (d >= t.deepChain && e < t.thinRealBelow) {
    return {
      rule: 'THIN_REAL_DEEP_CHAIN',
      level: 'HIGH',
      message: `${d} generations deep with only ${percent(e)} real records: too little real data kept for a chain this deep`,
      citation: CITATIONS.bertrand,
    };
  }
  if (d >= 2 && e < t.thinRealBelow) {
    return {
      rule: 'THIN_REAL',
      level: 'MEDIUM',
      message: `Synthetic data generated from synthetic data (${d} generations) with only ${percent(e)} real records kept`,
      citation: CITATIONS.bertrand,
    };
  }
  if (s.regime === 'REPLACE' && d >= 1) {
    return {
      rule: 'REPLACE_SHALLOW',
      level: 'MEDIUM',
      message: `a REPLACE mix ${depthText} with ${percent(e)} real rows: without fresh real data each generation, quality or diversity declines`,
      citation: CITATIONS.alemohammad,
    };
  }
  if (d >= 2) {
    return {
      rule: 'ACCUMULATE_STABLE',
      level: 'LOW',
      message: s.regime
        ? `an ACCUMULATE mix ${depthText} keeping ${percent(e)} real rows: accumulating real data alongside synthetic keeps repeated generation stable`
        : `${d} generations deep, but ${percent(e)} real records kept mixed in: accumulating real data keeps repeated generation stable`,
      citation: CITATIONS.gerstgrasser,
    };
  }
  return {
    rule: 'ONE_GENERATION',
    level: 'LOW',
    message: s.regime
      ? `At most one generation from real data, ${percent(e)} real rows`
      : `One generation from its sources, ${percent(e)} real records`,
    citation: null,
  };
}

/** Curation: dedup and human review catch repeated and hallucinated rows (Ferbach et al.: curation helps). */
function curationFindings(s: RiskSubject): RiskFinding[] {
  const h = s.humanReviewedFraction;
  const out: RiskFinding[] = [];
  if (s.deduplicated === false && h === 0) {
    out.push({
      rule: 'UNCURATED',
      level: 'MEDIUM',
      message: 'Neither deduplicated nor human-reviewed: repeated and hallucinated rows go unchecked',
      citation: CITATIONS.ferbach,
    });
  } else if (s.deduplicated === false) {
    out.push({ rule: 'NOT_DEDUPLICATED', level: 'LOW', message: 'No dedup step: generated rows may repeat', citation: null });
  } else if (h === 0) {
    out.push({
      rule: 'NOT_REVIEWED',
      level: 'LOW',
      message: s.regime ? 'No human review anywhere in its components' : 'No human review anywhere in its lineage',
      citation: null,
    });
  }
  if (h > 0) {
    out.push({ rule: 'HUMAN_REVIEWED', level: 'LOW', message: `${percent(h)} of rows human-reviewed`, citation: CITATIONS.ferbach });
  }
  return out;
}

/**
 * Applies every rule to one subject; the level is the highest any finding raises it to.
 * @example assessCollapseRisk({ regime: 'REPLACE', maxDepth: 2, meanDepth: 2, realFraction: 0, syntheticToRealRatio: Infinity, humanReviewedFraction: 0, deduplicated: true }, settings).level // 'HIGH'
 */
export function assessCollapseRisk(s: RiskSubject, t: CollapseRiskSettings): CollapseRisk {
  if (s.maxDepth === 0) {
    return riskOf([{ rule: 'REAL_ONLY', level: 'LOW', message: 'Real records: no synthetic generation in its ancestry', citation: null }]);
  }
  const findings = [chainFinding(s, t)];
  const r = s.syntheticToRealRatio;
  if (r !== null && r > t.maxSyntheticToReal) {
    findings.push({
      rule: 'SYNTHETIC_OUTWEIGHS_REAL',
      level: 'MEDIUM',
      message: `Synthetic-to-real ratio ${ratioText(r)}, above ${t.maxSyntheticToReal}:1: without enough fresh real data each generation, quality or diversity declines`,
      citation: CITATIONS.alemohammad,
    });
  }
  for (const loss of s.minorityLosses ?? []) {
    findings.push({
      rule: 'MINORITY_GROUP_LOST',
      level: 'MEDIUM',
      message: `${loss.component}: ${loss.attribute} group "${loss.group}" ${loss.vanished ? 'vanished' : 'shrank'} against its sources: the tails of the distribution go first`,
      citation: CITATIONS.shumailov,
    });
  }
  findings.push(...curationFindings(s));
  return riskOf(findings);
}

/**
 * Retraction since publish: a retracted ancestor (or the version itself) makes the risk HIGH, as whatever got it
 * retracted (PII, a license breach) is likely carried into the rows generated from it.
 */
export function withRetractions(
  base: CollapseRisk,
  retractedAncestors: readonly { label: string; reason: string | null }[],
  hiddenAncestors: number,
  self: { reason: string | null } | null,
): CollapseRisk {
  if (!self && retractedAncestors.length === 0 && hiddenAncestors === 0) return base;
  const retracted: RiskFinding[] = [
    ...(self ? [`This version was retracted${self.reason ? `: ${self.reason}` : ''}`] : []),
    ...retractedAncestors.map((a) => `Ancestor ${a.label} was retracted${a.reason ? `: ${a.reason}` : ''}`),
    ...(hiddenAncestors === 0
      ? []
      : [
          hiddenAncestors === 1
            ? 'An ancestor not listed in the catalog was retracted'
            : `${hiddenAncestors} ancestors not listed in the catalog were retracted`,
        ]),
  ].map((message) => ({ rule: 'RETRACTED', level: 'HIGH', message, citation: null }));
  return riskOf([...retracted, ...base.findings]);
}
