import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('configuration defaults', () => {
  it('listens on loopback unless HOST deliberately exposes the server', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});

describe('ASSAY_OPENLINEAGE_URL', () => {
  it('names a Marquez-compatible base URL; events go to its /api/v1/lineage', () => {
    expect(loadConfig({}).openLineage.endpoint).toBeUndefined();
    expect(loadConfig({ ASSAY_OPENLINEAGE_URL: 'http://marquez:5000' }).openLineage.endpoint).toBe('http://marquez:5000/api/v1/lineage');
    expect(loadConfig({ ASSAY_OPENLINEAGE_URL: 'https://lineage.example/api/v1/lineage/' }).openLineage.endpoint).toBe(
      'https://lineage.example/api/v1/lineage',
    );
    expect(() => loadConfig({ ASSAY_OPENLINEAGE_URL: 'ftp://marquez' })).toThrow(/ASSAY_OPENLINEAGE_URL: must be an http\(s\) URL/);
    expect(() => loadConfig({ ASSAY_OPENLINEAGE_URL: 'marquez' })).toThrow(/ASSAY_OPENLINEAGE_URL/);
  });
});
