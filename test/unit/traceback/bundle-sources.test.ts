import { describe, expect, it } from 'vitest';

import { librarySourceName, packageSourceName, parseBundleSource } from '../../../src/traceback/bundle-sources.js';

describe('bundle source names', () => {
  it('round-trips a library and a package file', () => {
    expect(parseBundleSource(librarySourceName('text_utils', 3, 'typescript'), 'tool.ts')).toEqual({ kind: 'library', name: 'text_utils', version: 3, language: 'typescript', file: 'text_utils.ts' });
    expect(parseBundleSource(packageSourceName('csv-parse', '7.0.3', 'dist/esm/sync.js'), 'tool.ts')).toEqual({
      kind: 'package',
      name: 'csv-parse',
      version: '7.0.3',
      path: 'dist/esm/sync.js',
      file: 'csv-parse/dist/esm/sync.js',
    });
    expect(parseBundleSource('pkg:@scope/name@1.0.0-beta.1/index.js', 'tool.ts')).toMatchObject({ name: '@scope/name', version: '1.0.0-beta.1', file: '@scope/name/index.js' });
  });

  it("takes the tool's own file, any name without a prefix and a null source for the tool's own", () => {
    expect(parseBundleSource('tool.ts', 'tool.ts')).toEqual({ kind: 'own' });
    expect(parseBundleSource(null, 'tool.ts')).toEqual({ kind: 'own' });
    expect(parseBundleSource('old-name.ts', 'tool.ts')).toEqual({ kind: 'own' });
  });

  it.each([
    ['a library name that is not a tool name', 'lib:Text@1.ts'],
    ['a library version 0', 'lib:text@0.ts'],
    ['a package path that climbs out', 'pkg:x@1.0.0/../../etc/passwd'],
    ['a package path with an empty part', 'pkg:x@1.0.0/a//b.js'],
    ['a package name in upper case', 'pkg:X@1.0.0/a.js'],
    ['an overlong name', `pkg:x@1.0.0/${'a/'.repeat(600)}b.js`],
  ])('refuses %s', (_label, name) => {
    expect(parseBundleSource(name, 'tool.ts')).toBeNull();
  });
});
