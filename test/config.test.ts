import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('configuration defaults', () => {
  it('listens on loopback unless HOST deliberately exposes the server', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
