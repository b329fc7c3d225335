import { describe, expect, it } from 'vitest';

import type { Frame } from '../../../src/model.js';
import { failureFingerprint, normaliseMessage, stableLocation } from '../../../src/traceback/fingerprint.js';

describe('normaliseMessage()', () => {
  // Each case: a message, and what it becomes. Cases in pairs vary only in what should not count.
  const cases: Array<[string, string, string]> = [
    ['numbers', 'index 17 out of range 0..12', 'index <n> out of range <n>..<n>'],
    ['decimals and negatives', 'balance -12.50 below 3e5', 'balance <n> below <n>'],
    ['a number glued by an underscore', 'no row_17', 'no row_<n>'],
    ['digits inside names stay', 'Int32Array of utf8 v2', 'Int32Array of utf8 v2'],
    ['double-quoted text', 'Unknown key "colour" in "settings"', 'Unknown key "<str>" in "<str>"'],
    ['single-quoted text', "Cannot read properties of undefined (reading 'name')", 'Cannot read properties of undefined (reading \'<str>\')'],
    ['apostrophes are not quotes', "can't parse the tool's input", "can't parse the tool's input"],
    ['backticks', 'Tool `fetch_user` failed', 'Tool `<str>` failed'],
    ['UUIDs', 'order 3f2c9a1b-0d4e-4c5f-8a9b-1c2d3e4f5a6b missing', 'order <uuid> missing'],
    ['execution ids', 'see ex_3f2c9a1b-0d4e-4c5f-8a9b-1c2d3e4f5a6b', 'see ex_<uuid>'],
    ['generated ids', 'user usr_8fk2m1x9 not found', 'user <id> not found'],
    ['hex', 'bad pointer 0xdeadbeef, hash 9f8e7d6c5b4a', 'bad pointer <hex>, hash <hex>'],
    ['words of hex letters stay', 'decade faded', 'decade faded'],
    ['paths', 'ENOENT: /tmp/run-42/in.csv and C:\\data\\in.csv', 'ENOENT: <path> and <path>'],
    ['a JSON pointer is not a path', 'arguments /n must be integer', 'arguments /n must be integer'],
    ['URLs', 'fetch https://api.example.com/v1/users/42?x=1 failed', 'fetch <url> failed'],
    ['whitespace', '  two\n lines\t', 'two lines'],
  ];
  it.each(cases)('replaces %s', (_what, message, expected) => {
    expect(normaliseMessage(message)).toBe(expected);
  });

  it('reads at most the first 2,000 characters', () => {
    expect(normaliseMessage(`${'a '.repeat(1000)}x`).length).toBeLessThanOrEqual(2000);
  });
});

const frame = (line: number, fn = 'handler', extra: Partial<Frame> = {}): Frame => ({ function: fn, tool: 'parse', version: 1, file: 'parse.ts', line, column: 3, ...extra });

const V1 = ['export default function handler(a) {', '  const rows = a.text.split("\\n");', '  return rows.map((r) => r.trim());', '}'].join('\n');
// V1 with an import, a comment and a guard added above the failing line, re-indented.
const V2 = ['import { x } from "lib:util";', '// handles csv', 'export default function handler(a) {', '  if (a === null) return [];', '    const rows   = a.text.split("\\n");', '  return rows.map((r) => r.trim());', '}'].join('\n');

describe('stableLocation()', () => {
  it('gives the same location when only other lines moved', () => {
    expect(stableLocation([frame(2)], () => V1)).toEqual(stableLocation([frame(5)], () => V2));
    expect(stableLocation([frame(2)], () => V1)).toEqual({ tool: 'parse', function: 'handler', text: 'const rows = a.text.split("\\n");', ordinal: 1 });
  });

  it('counts identical lines above, so two copies of a line are two places', () => {
    const source = ['x();', 'y();', 'x();'].join('\n');
    expect(stableLocation([frame(1)], () => source)?.ordinal).toBe(1);
    expect(stableLocation([frame(3)], () => source)?.ordinal).toBe(2);
  });

  it("skips a package's frames for the line of the agent's code that called it", () => {
    const frames = [frame(40, 'parse', { package: 'csv-parse@7.0.3', file: 'csv-parse/dist/esm/sync.js' }), frame(2)];
    expect(stableLocation(frames, () => V1)?.text).toBe('const rows = a.text.split("\\n");');
  });

  it('is null without a frame of the agent, and has no text when the source cannot be read', () => {
    expect(stableLocation([], () => V1)).toBeNull();
    expect(stableLocation([frame(2)], () => undefined)).toEqual({ tool: 'parse', function: 'handler', text: '', ordinal: 0 });
    expect(stableLocation([frame(99)], () => V1)?.text).toBe('');
  });
});

describe('failureFingerprint()', () => {
  const failure = (message: string, frames: Frame[]) => ({ kind: 'exception' as const, name: 'TypeError', message, frames });

  it('is 16 hex digits, equal for the same bug in versions where unrelated lines moved', () => {
    const a = failureFingerprint(failure("Cannot read properties of undefined (reading 'split')", [frame(2)]), () => V1);
    const b = failureFingerprint(failure("Cannot read properties of undefined (reading 'split')", [{ ...frame(5), version: 2 }]), () => V2);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
  });

  it('differs when the failing line, the function, the name or the kind differ', () => {
    const base = failureFingerprint(failure('boom 1', [frame(2)]), () => V1);
    expect(failureFingerprint(failure('boom 2', [frame(2)]), () => V1)).toBe(base);
    expect(failureFingerprint(failure('boom 1', [frame(3)]), () => V1)).not.toBe(base);
    expect(failureFingerprint(failure('boom 1', [frame(2, 'other')]), () => V1)).not.toBe(base);
    expect(failureFingerprint({ ...failure('boom 1', [frame(2)]), name: 'RangeError' }, () => V1)).not.toBe(base);
    expect(failureFingerprint({ ...failure('boom 1', [frame(2)]), kind: 'invalid_result' }, () => V1)).not.toBe(base);
    expect(failureFingerprint(failure('bang 1', [frame(2)]), () => V1)).not.toBe(base);
  });

  it('gives a timeout one fingerprint whether or not it was sampled, and whatever the samples said', () => {
    const limit = 'The call used more than its 1000 ms CPU-time limit. Look for an infinite loop or unbounded recursion, or raise timeout_ms.';
    const timeout = (message: string, frames: Frame[]) => failureFingerprint({ kind: 'timeout', name: 'TimeoutError', message, frames }, () => V1);
    const unsampled = timeout(`${limit} It was not sampled: this was the first timeout of this version.`, []);
    const sampled = timeout(limit.replace('limit. ', 'limit. 98% of the CPU samples of its last 250 ms were in handler (parse.ts:1:1, where that function starts). '), [frame(1, 'handler', { sampled: true })]);
    expect(sampled).toBe(unsampled);
    expect(timeout('The call never ran: the tool that called it ended. Give the caller a longer timeout_ms.', [])).not.toBe(unsampled);
  });

  it('fingerprints a failure with no frames by kind, name and message', () => {
    const timeout = (ms: number) => failureFingerprint({ kind: 'timeout', name: 'TimeoutError', message: `The call ran longer than its ${ms} ms limit`, frames: [] }, () => undefined);
    expect(timeout(1000)).toBe(timeout(5000));
  });
});
