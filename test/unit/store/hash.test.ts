import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { VersionSnapshot } from '../../../src/model.js';
import { hashSnapshot } from '../../../src/store/index.js';
import { snapshot } from './fixtures.js';

describe('hashSnapshot()', () => {
  it('returns the SHA-256 hex of the canonical JSON array of the snapshot', () => {
    const s = snapshot({ inputSchema: { b: 1, a: { d: [{ z: 1, y: 2 }], c: true } } });
    const canonical = JSON.stringify([
      s.language,
      s.source,
      s.compiledJs,
      s.sourceMap,
      s.description,
      { a: { c: true, d: [{ y: 2, z: 1 }] }, b: 1 },
      s.limits.timeoutMs,
      s.limits.memoryMb,
    ]);
    expect(hashSnapshot(s)).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(hashSnapshot(s)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('appends the capabilities, keys sorted, only when the version has some (older versions keep their hashes)', () => {
    const s = snapshot({ capabilities: { secrets: ['TOKEN'], fetch: ['a.example'] } });
    const canonical = JSON.stringify([s.language, s.source, s.compiledJs, s.sourceMap, s.description, { properties: s.inputSchema['properties'], required: s.inputSchema['required'], type: 'object' }, s.limits.timeoutMs, s.limits.memoryMb, { fetch: ['a.example'], secrets: ['TOKEN'] }]);
    expect(hashSnapshot(s)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('returns the same hash when schema keys are in another order at any depth', () => {
    const one = snapshot({ inputSchema: { type: 'object', properties: { a: { type: 'number', minimum: 0 } } } });
    const two = snapshot({ inputSchema: { properties: { a: { minimum: 0, type: 'number' } }, type: 'object' } });
    expect(hashSnapshot(one)).toBe(hashSnapshot(two));
  });

  it('returns the same hash when the schema went through a JSON round trip', () => {
    const s = snapshot({ inputSchema: { type: 'object', description: undefined, default: [undefined] } });
    const roundTripped = { ...s, inputSchema: JSON.parse(JSON.stringify(s.inputSchema)) as Record<string, unknown> };
    expect(hashSnapshot(s)).toBe(hashSnapshot(roundTripped));
  });

  const changes: Array<[string, Partial<VersionSnapshot>]> = [
    ['language', { language: 'javascript' }],
    ['source', { source: 'export default () => 0;\n' }],
    ['compiledJs', { compiledJs: 'module.exports.default = () => 0;\n' }],
    ['sourceMap', { sourceMap: '{"version":3,"sources":[],"names":[],"mappings":""}' }],
    ['description', { description: 'Adds two numbers!' }],
    ['inputSchema', { inputSchema: { type: 'object' } }],
    ['limits.timeoutMs', { limits: { timeoutMs: 1001, memoryMb: 64 } }],
    ['limits.memoryMb', { limits: { timeoutMs: 1000, memoryMb: 65 } }],
    ['capabilities', { capabilities: { fetch: ['api.example.com'] } }],
    ['capabilities.kv', { capabilities: { kv: 'persona' } }],
  ];
  it.each(changes)('returns a different hash when %s changes', (_field, change) => {
    expect(hashSnapshot(snapshot(change))).not.toBe(hashSnapshot(snapshot()));
  });

  it('returns different hashes when text moves between adjacent fields', () => {
    const one = snapshot({ source: 'ab', compiledJs: 'c' });
    const two = snapshot({ source: 'a', compiledJs: 'bc' });
    expect(hashSnapshot(one)).not.toBe(hashSnapshot(two));
  });
});
