import { describe, expect, it } from 'vitest';
import { computeLineage, versionCollapseRisk, withRetractions, type LineageSummary, type SourceLineage } from '../src/lineage/metrics.js';
import { DEFAULT_COLLAPSE_RISK } from '../src/config.js';
import type { Provenance } from '../src/lineage/provenance.js';
import { combineTerms, permissionsOf, type LicenseTerms } from '../src/catalog/terms.js';
import { isOpenForDerivation } from '../src/lineage/terms.js';

// The pure lineage arithmetic, by hand calculation (README.md, "Lineage: how the numbers are computed").

const OPEN: LicenseTerms = {
  spdxId: 'CC-BY-4.0',
  commercialUse: true,
  modelTraining: true,
  derivatives: true,
  syntheticGeneration: true,
  redistribution: true,
  attributionRequired: true,
};

const provenance = (p: Partial<Provenance>): Provenance => ({
  method: null,
  generator: null,
  sources: [],
  realFraction: null,
  curation: [],
  collectionMethod: null,
  collectionDescription: null,
  consentBasis: null,
  ...p,
});

let n = 0;
function version(
  kind: 'REAL' | 'SYNTHETIC' | 'HYBRID',
  p: Partial<Provenance> | null,
  sources: SourceLineage[] = [],
  terms = OPEN,
): LineageSummary & { id: string } {
  const id = `v${++n}`;
  return {
    id,
    ...computeLineage(
      { versionId: id, kind, terms, attributionLabel: `${id} by V (${terms.spdxId})`, provenance: p && provenance(p) },
      sources,
      DEFAULT_COLLAPSE_RISK,
    ),
  };
}
const seed = (s: LineageSummary & { id: string }, rowsUsed: number, role: SourceLineage['role'] = 'SEED'): SourceLineage => ({
  versionId: s.id,
  role,
  rowsUsed,
  summary: s,
});

describe('lineage metrics', () => {
  it('follows the worked example of the README', () => {
    const real = version('REAL', null);
    const gen1 = version(
      'SYNTHETIC',
      { method: 'LLM_GENERATION', curation: [{ kind: 'HUMAN_REVIEW', rowsIn: 10, rowsOut: 10, reviewedFraction: 0.2, notes: null }] },
      [seed(real, 1000)],
    );
    const mixed = version(
      'HYBRID',
      {
        method: 'AUGMENTATION',
        realFraction: 0.6,
        curation: [{ kind: 'HUMAN_REVIEW', rowsIn: 10, rowsOut: 10, reviewedFraction: 0.5, notes: null }],
      },
      [seed(real, 4000)],
    );
    const child = version(
      'SYNTHETIC',
      {
        method: 'DISTILLATION',
        realFraction: 0.25,
        curation: [{ kind: 'HUMAN_REVIEW', rowsIn: 10, rowsOut: 10, reviewedFraction: 0.1, notes: null }],
      },
      [seed(gen1, 600), seed(mixed, 200)],
    );
    expect([real.generationDepth, gen1.generationDepth, mixed.generationDepth, child.generationDepth]).toEqual([0, 1, 1, 2]);
    // W = (600 × 0 + 200 × 0.6) / 800 = 0.15; 0.25 × 0.15 = 0.0375
    expect(child.realFraction).toBeCloseTo(0.0375, 12);
    // Wh = (600 × 0.2 + 200 × 0.5) / 800 = 0.275; 0.1 + 0.9 × 0.25 × 0.275 = 0.161875
    expect(child.humanReviewedFraction).toBeCloseTo(0.161875, 12);
    expect(child.realRootIds).toEqual([real.id]);
  });

  it('counts only content sources for depth, and select-or-mix methods add no generation', () => {
    const real = version('REAL', null);
    const gen2 = version('SYNTHETIC', { method: 'SIMULATION' }, [seed(version('SYNTHETIC', { method: 'SIMULATION' }), 5)]);
    expect(gen2.generationDepth).toBe(2);
    // An evaluation set or a filter model two generations deep does not make this version deeper.
    const evaluated = version('SYNTHETIC', { method: 'RULE_BASED' }, [
      seed(real, 5),
      seed(gen2, 0, 'EVALUATION'),
      seed(gen2, 0, 'FILTER_MODEL'),
    ]);
    expect(evaluated.generationDepth).toBe(1);
    // A mix of a real set (6000 rows) and a depth-2 synthetic one (4000): depth 2, 60% real (all rows carried).
    const mix = version('HYBRID', { method: 'MIXTURE' }, [seed(real, 6000), seed(gen2, 4000)]);
    expect(mix.generationDepth).toBe(2);
    expect(mix.realFraction).toBeCloseTo(0.6, 12);
    // A simulation with no sources is one generation; its declared real rows are the vendor's own collection.
    expect(version('HYBRID', { method: 'SIMULATION', realFraction: 0.3 }).realFraction).toBeCloseTo(0.3, 12);
    expect(version('SYNTHETIC', { method: 'SIMULATION' }).generationDepth).toBe(1);
  });

  it('keeps real data stable when each generation mixes it back in, and loses it when generations replace it', () => {
    const real = version('REAL', null);
    let accumulate = version('HYBRID', { method: 'LLM_GENERATION', realFraction: 0.5 }, [seed(real, 1000)]);
    let replace = version('SYNTHETIC', { method: 'LLM_GENERATION' }, [seed(real, 1000)]);
    for (let g = 2; g <= 10; g++) {
      accumulate = version(
        'HYBRID',
        {
          method: 'LLM_GENERATION',
          realFraction: 0.5,
          curation: [{ kind: 'DEDUP', rowsIn: 2, rowsOut: 1, reviewedFraction: null, notes: null }],
        },
        [seed(accumulate, 1000), seed(real, 1000)],
      );
      replace = version(
        'SYNTHETIC',
        { method: 'LLM_GENERATION', curation: [{ kind: 'DEDUP', rowsIn: 2, rowsOut: 1, reviewedFraction: null, notes: null }] },
        [seed(replace, 1000)],
      );
    }
    // e(g) = 0.5 × (e(g−1) + 1) / 2 converges to 1/3: the real share stays.
    expect(accumulate.generationDepth).toBe(10);
    expect(accumulate.realFraction).toBeCloseTo(1 / 3, 3);
    expect(accumulate.collapseRisk).toBe('LOW');
    expect(replace.realFraction).toBe(0);
    expect(replace.collapseRisk).toBe('HIGH');
  });

  it('applies the collapse-risk rules at their thresholds', () => {
    const risk = (
      generationDepth: number,
      realFraction: number,
      humanReviewedFraction = 0.1,
      curation: ('DEDUP' | 'HUMAN_REVIEW')[] = ['DEDUP'],
    ) => versionCollapseRisk({ generationDepth, realFraction, humanReviewedFraction, curation }, DEFAULT_COLLAPSE_RISK).level;
    expect(risk(0, 1, 0, [])).toBe('LOW');
    expect(risk(1, 0)).toBe('LOW');
    expect(risk(1, 0, 0, [])).toBe('MEDIUM');
    expect(risk(2, 0.099)).toBe('HIGH');
    expect(risk(2, 0.1)).toBe('MEDIUM');
    expect(risk(2, 0.25)).toBe('LOW');
    expect(risk(3, 0.2)).toBe('MEDIUM');
    expect(risk(4, 0.2)).toBe('HIGH');
    expect(risk(4, 0.25)).toBe('LOW');
    const x = { rule: 'ONE_GENERATION' as const, level: 'LOW' as const, message: 'x', citation: null };
    const retracted = withRetractions({ level: 'LOW', reasons: ['x'], findings: [x] }, [{ label: 'A 1.0.0', reason: 'PII' }], 0, null);
    expect(retracted).toEqual({
      level: 'HIGH',
      reasons: ['Ancestor A 1.0.0 was retracted: PII', 'x'],
      findings: [{ rule: 'RETRACTED', level: 'HIGH', message: 'Ancestor A 1.0.0 was retracted: PII', citation: null }, x],
    });
    // Retracted ancestors the reader may not see raise the risk too, counted but never named.
    expect(withRetractions({ level: 'LOW', reasons: ['x'], findings: [x] }, [], 1, null)).toMatchObject({
      level: 'HIGH',
      reasons: ['An ancestor not listed in the catalog was retracted', 'x'],
    });
    expect(withRetractions({ level: 'LOW', reasons: [], findings: [] }, [], 2, null).reasons).toEqual([
      '2 ancestors not listed in the catalog were retracted',
    ]);
  });

  it('combines terms to the most restrictive, and knows which are open', () => {
    const nc = { ...OPEN, spdxId: 'CC-BY-NC-4.0', commercialUse: false };
    const cc0 = { ...OPEN, spdxId: 'CC0-1.0', attributionRequired: false };
    expect(combineTerms([OPEN, OPEN])).toEqual(OPEN);
    expect(combineTerms([cc0, nc])).toEqual({ ...OPEN, spdxId: null, commercialUse: false, attributionRequired: true });
    expect(permissionsOf(combineTerms([cc0, nc]))).toEqual(['MODEL_TRAINING', 'DERIVATIVES', 'SYNTHETIC_GENERATION', 'REDISTRIBUTION']);
    expect(permissionsOf(cc0)).toContain('NO_ATTRIBUTION');
    expect(isOpenForDerivation(cc0)).toBe(true);
    expect(isOpenForDerivation({ ...OPEN, syntheticGeneration: false })).toBe(false);
    expect(isOpenForDerivation({ ...OPEN, spdxId: 'LicenseRef-Custom' })).toBe(false);
    expect(isOpenForDerivation({ ...OPEN, spdxId: null })).toBe(false);
  });
});
