import { promised } from '../../../src/store/sqlite-contract.js';
import path from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import { createKvSession, type KvSession } from '../../../src/capabilities/kv/index.js';
import { DEFAULT_KV_QUOTAS, type KvOperation } from '../../../src/model.js';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

function session(): KvSession {
  const store = openStore(path.join(tempDir('chameleon-kv-wire-'), 'chameleon.db'), { backgroundCheckpoints: false });
  onTestFinished(() => store.close());
  return createKvSession(promised(store.kv), { persona: 'alice', namespace: 'tool:notes', executionId: 'ex', quotas: DEFAULT_KV_QUOTAS, now: () => new Date() });
}

const LONG_KEY = 'k'.repeat(513);
const LONG_MULTIBYTE_KEY = '€'.repeat(171); // 513 bytes in 171 characters

// What a forged request from the sandbox process might carry, and how each is answered.
const HOSTILE: Array<[string, KvOperation, string, string, RegExp]> = [
  ['text that is not JSON', 'kv.get', 'not json', 'TypeError', /^kv\.get\(\): the request is not JSON\.$/],
  ['an empty body', 'kv.get', '', 'TypeError', /not JSON/],
  ['a JSON array', 'kv.get', '["a"]', 'TypeError', /not a JSON object/],
  ['JSON null', 'kv.delete', 'null', 'TypeError', /not a JSON object/],
  ['a JSON string', 'kv.set', '"a"', 'TypeError', /not a JSON object/],
  ['no key', 'kv.get', '{}', 'TypeError', /^kv\.get\(\): the key must be a string, not undefined \(missing\)\.$/],
  ['the key hidden behind __proto__', 'kv.get', '{"__proto__":{"key":"a"}}', 'TypeError', /key must be a string/],
  ['a number for a key', 'kv.get', '{"key":42}', 'TypeError', /not a number/],
  ['an object for a key', 'kv.delete', '{"key":{"toString":"a"}}', 'TypeError', /not an object/],
  ['an empty key', 'kv.set', '{"key":"","value":"1"}', 'TypeError', /^kv\.set\(""\): the key must not be empty\.$/],
  ['a 513-byte key', 'kv.get', JSON.stringify({ key: LONG_KEY }), 'RangeError', /the key is 513 bytes; a key is at most 512 bytes \(UTF-8\)/],
  ['a 171-character key of 513 bytes', 'kv.get', JSON.stringify({ key: LONG_MULTIBYTE_KEY }), 'RangeError', /the key is 513 bytes/],
  ['a key with NUL', 'kv.get', '{"key":"a\\u0000b"}', 'TypeError', /^kv\.get\("a\\u0000b"\): the key contains a NUL character/],
  ['a key with a lone surrogate', 'kv.set', '{"key":"a\\ud800","value":"1"}', 'TypeError', /lone surrogate/],
  ['no value', 'kv.set', '{"key":"a"}', 'TypeError', /^kv\.set\("a"\): the value must be JSON-serialisable \(undefined, functions and symbols are not\); to remove a key, use kv\.delete\.$/],
  ['a value that is not text', 'kv.set', '{"key":"a","value":{"x":1}}', 'TypeError', /JSON-serialisable/],
  ['a value that is not JSON text', 'kv.set', '{"key":"a","value":"{not json"}', 'TypeError', /^kv\.set\("a"\): the value did not arrive as valid JSON text\.$/],
  ['an empty value text', 'kv.set', '{"key":"a","value":""}', 'TypeError', /valid JSON text/],
  ['a value with a lone surrogate', 'kv.set', '{"key":"a","value":"\\"\\ud800\\""}', 'TypeError', /valid JSON text/],
  ['a limit of 0', 'kv.list', '{"limit":0}', 'RangeError', /^kv\.list\(\): limit must be a whole number from 1 to 1000, not 0\.$/],
  ['a limit of 1001', 'kv.list', '{"limit":1001}', 'RangeError', /not 1001/],
  ['a fractional limit', 'kv.list', '{"limit":1.5}', 'RangeError', /not 1\.5/],
  ['a limit as text', 'kv.list', '{"limit":"10"}', 'RangeError', /not "10"/],
  ['a number for a prefix', 'kv.list', '{"prefix":7}', 'TypeError', /prefix must be a string, not a number/],
  ['a prefix with NUL', 'kv.list', '{"prefix":"\\u0000"}', 'TypeError', /NUL/],
  ['a 17 KB get', 'kv.get', JSON.stringify({ key: 'a', pad: 'x'.repeat(17_000) }), 'TypeError', /the request is 17,\d{3} characters; keys and prefixes are at most 512 bytes/],
];

describe('kv requests from the sandbox process, checked as hostile input', () => {
  it.each(HOSTILE)('refuses %s, writes nothing, and throws nothing', async (_what, op, body, name, message) => {
    const s = session();
    const answer = await s.handle(op, body);
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.name).toBe(name);
    expect(answer.message).toMatch(message);
    expect(s.writes()).toEqual([]);
    expect(s.effects()).toHaveLength(1);
    expect(s.effects()[0]).toMatchObject({ op, refused: expect.any(String) });
  });

  it('refuses a set larger than any allowed value before parsing it', async () => {
    const s = session();
    const body = `{"key":"a","value":"${'\\u0000'.repeat(100_000)}"}`;
    const answer = await s.handle('kv.set', body);
    expect(answer).toEqual({
      ok: false,
      name: 'KvQuotaError',
      message: "kv.set(): the request is 600,022 characters, more than any value within the limit of 65,536 bytes (kv.maxValueBytes in the host's config). Store less, or split it.",
    });
  });

  it('refuses an unknown operation and a body that is not text', async () => {
    const s = session();
    expect(await s.handle('kv.drop' as KvOperation, '{}')).toMatchObject({ ok: false, name: 'TypeError', message: 'kv: unknown operation "kv.drop".' });
    expect(await s.handle('kv.get', 42 as unknown as string)).toMatchObject({ ok: false, name: 'TypeError', message: 'kv.get(): the request was not text.' });
  });

  it('accepts what a correct guest sends at the edges: 512-byte keys, control characters, deep JSON, extra fields', async () => {
    const s = session();
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const key512 = '€'.repeat(170) + 'ab'; // 512 bytes
    expect(await s.handle('kv.set', JSON.stringify({ key: key512, value: '1', extra: true }))).toEqual({ ok: true, body: '{}' });
    expect(await s.handle('kv.set', JSON.stringify({ key: '\u001b[2J\n', value: deep }))).toEqual({ ok: true, body: '{}' });
    expect(await s.handle('kv.get', JSON.stringify({ key: '\u001b[2J\n' }))).toEqual({ ok: true, body: `{"found":true,"value":${deep}}` });
    expect(await s.handle('kv.list', '{}')).toEqual({ ok: true, body: JSON.stringify({ keys: ['\u001b[2J\n', key512], truncated: false }) });
  });
});
