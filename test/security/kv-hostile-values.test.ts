/**
 * Attack (integrity / denial of service): store values and keys built to break whoever reads
 * them: arrays nested 1,000 and 100,000 deep, numbers JSON cannot hold (Infinity, NaN, -0,
 * BigInt), `__proto__` and `constructor.prototype` keys that would pollute a careless reader,
 * lone surrogates, and keys with terminal escapes, BEL and a right-to-left override, read
 * back by the tool and listed by `chameleon kv` in the operator's terminal. What must hold: a
 * value JSON can hold round-trips as JSON (nested, polluting keys as plain own keys), one it
 * cannot is refused in the realm with the reason, nothing pollutes the realm or the server,
 * and the CLI prints no character a terminal would obey.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, kvRows } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { runCli, terminalControls } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [] }) });
});
afterAll(() => server.close());

const code = `
export default async (_a: unknown, ctx: any) => {
  const out: Record<string, unknown> = {};
  const roundTrip = async (label: string, key: string, value: unknown, check: (back: any) => unknown) => {
    try { await ctx.kv.set(key, value); out[label] = check(await ctx.kv.get(key)); } catch (e: any) { out[label] = e.name + ': ' + String(e.message).slice(0, 160); }
  };
  const nest = (n: number) => { let v: unknown = 0; for (let i = 0; i < n; i++) v = [v]; return v; };
  const depth = (v: any) => { let d = 0; while (Array.isArray(v)) { v = v[0]; d++; } return d; };
  await roundTrip('deep 1000', 'deep', nest(1000), depth);
  await roundTrip('deep 100000', 'deeper', nest(100_000), depth);
  await roundTrip('numbers', 'numbers', [1e308 * 10, -1e308 * 10, NaN, -0, Number.MAX_VALUE, 5e-324, 2 ** 53 + 1], (b) => b);
  await roundTrip('bigint', 'bigint', 10n, (b) => b);
  await roundTrip('polluting keys', 'proto', JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
    (b) => ({ own: Object.keys(b), protoIsObject: Object.getPrototypeOf(b) === Object.prototype, polluted: ({} as any).polluted ?? null }));
  await roundTrip('lone surrogate value', 'lone', 'a\\ud800b', (b) => b === 'a\\ud800b');
  await roundTrip('lone surrogate key', 'k\\ud800', 1, (b) => b);
  await roundTrip('terminal key', '\\u001b[2J\\u001b]0;owned\\u0007\\u202eevil', '\\u001b[31mred\\u0007', (b) => b === '\\u001b[31mred\\u0007');
  return out;
};`;

it('hostile values round-trip as data or are refused, and the CLI prints no terminal control', async () => {
  await createOk(server, 'kv_hostile', code, { timeout_ms: 10_000 });
  const { result } = await callOk<Record<string, unknown>>(server, 'kv_hostile');

  expect(result['deep 1000']).toBe(1000);
  expect(result['deep 100000']).toBe('RangeError: Maximum call stack size exceeded');
  expect(result['numbers']).toEqual([null, null, null, 0, 1.7976931348623157e308, 5e-324, 9007199254740992]);
  expect(result['bigint']).toMatch(/^TypeError: /);
  expect(result['polluting keys']).toEqual({ own: ['__proto__', 'constructor'], protoIsObject: true, polluted: null });
  expect(result['lone surrogate value']).toBe(true);
  expect(result['lone surrogate key']).toMatch(/^TypeError: kv\.set\(.*\): the key contains a lone surrogate/);
  expect(result['terminal key']).toBe(true);
  expect(kvRows(server.dbPath).map((r) => r.key).sort()).toEqual(['\u001b[2J\u001b]0;owned\u0007\u202eevil', 'deep', 'lone', 'numbers', 'proto'].sort());

  const list = await runCli(['kv', 'list', '--tool', 'kv_hostile', '--db', server.dbPath]);
  const get = await runCli(['kv', 'get', '--tool', 'kv_hostile', '--db', server.dbPath, '\u001b[2J\u001b]0;owned\u0007\u202eevil']);
  expect(list.code, list.stderr).toBe(0);
  expect(get.code, get.stderr).toBe(0);
  expect(list.stdout).toContain('deep');
  expect(terminalControls(list.stdout + list.stderr)).toEqual([]);
  expect(terminalControls(get.stdout + get.stderr)).toEqual([]);
  expect(list.stdout + get.stdout).not.toContain('\u202e');
  await expectContained(server, { tool: 'kv_hostile', note: '8 hostile values and keys: JSON-holdable ones round-trip as data, the rest refused in the realm; no pollution; `chameleon kv list/get` printed 0 terminal controls' });
});
