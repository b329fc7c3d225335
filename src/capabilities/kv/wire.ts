/**
 * The requests a tool's `ctx.kv` sends across the channel, as JSON text, checked before use.
 * The text comes from the sandbox process, which runs hostile code: anything may arrive (not
 * JSON, wrong types, megabytes, keys with NUL or lone surrogates, a value that is not JSON).
 * Each parser returns the request or a refusal written for the agent; none throws.
 *
 *   kv.get    {"key": "..."}
 *   kv.set    {"key": "...", "value": "<the value as JSON text>"}
 *   kv.delete {"key": "..."}
 *   kv.list   {"prefix": "...", "limit": N}      (both optional)
 */
import type { KvOperation, KvQuotas } from '../../model.js';
import { thousands } from '../../thousands.js';
import { checkKey, checkPrefix, keyLabel, MAX_KEY_BYTES } from './keys.js';

export type KvRequest =
  | { op: 'kv.get' | 'kv.delete'; key: string }
  | { op: 'kv.set'; key: string; valueJson: string; valueBytes: number }
  | { op: 'kv.list'; prefix: string; limit: number };

/** Why a request was refused: `name` is the error the guest throws, `reason` the audit's word. */
export interface KvRefusal {
  name: 'TypeError' | 'RangeError' | 'KvQuotaError' | 'Error';
  message: string;
  reason: string;
  /** The key, when the request had a valid one (the audit names it). */
  key?: string;
}

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1_000;

/** Text beyond any valid request of its kind: a key or prefix at most 6x its bytes as JSON escapes, and a little framing. */
const MAX_SMALL_BODY_CHARS = 16 * 1024;

export function parseRequest(op: KvOperation, body: string, quotas: Pick<KvQuotas, 'maxValueBytes'>): KvRequest | KvRefusal {
  // A value of maxValueBytes bytes is at most 6x as long once escaped into the body (\u0000).
  const maxChars = op === 'kv.set' ? MAX_SMALL_BODY_CHARS + 6 * quotas.maxValueBytes : MAX_SMALL_BODY_CHARS;
  if (typeof body !== 'string') return invalid(op, 'the request was not text');
  if (body.length > maxChars) {
    return op === 'kv.set'
      ? { name: 'KvQuotaError', reason: 'maxValueBytes', message: `kv.set(): the request is ${thousands(body.length)} characters, more than any value within the limit of ${thousands(quotas.maxValueBytes)} bytes (kv.maxValueBytes in the host's config). Store less, or split it.` }
      : invalid(op, `the request is ${thousands(body.length)} characters; keys and prefixes are at most ${MAX_KEY_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return invalid(op, 'the request is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid(op, 'the request is not a JSON object');
  const fields = parsed as Record<string, unknown>;
  if (op === 'kv.list') return parseList(fields);

  const key = checkKey(op, fields.key);
  if (typeof key !== 'string') return key;
  if (op !== 'kv.set') return { op, key };
  return parseSet(key, fields.value, quotas);
}

function parseSet(key: string, value: unknown, quotas: Pick<KvQuotas, 'maxValueBytes'>): KvRequest | KvRefusal {
  const at = `kv.set(${keyLabel(key)})`;
  if (typeof value !== 'string') {
    return { name: 'TypeError', reason: 'invalid value', key, message: `${at}: the value must be JSON-serialisable (undefined, functions and symbols are not); to remove a key, use kv.delete.` };
  }
  const valueBytes = Buffer.byteLength(value, 'utf8');
  if (valueBytes > quotas.maxValueBytes) {
    return {
      name: 'KvQuotaError',
      reason: 'maxValueBytes',
      key,
      message: `${at}: the value is ${thousands(valueBytes)} bytes; the limit is ${thousands(quotas.maxValueBytes)} (kv.maxValueBytes in the host's config). Store less, or split it.`,
    };
  }
  // SQLite keeps text as UTF-8, which cannot hold a lone surrogate: it would read back changed.
  // JSON.stringify escapes them, so only a forged request has one.
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed() || !isJson(value)) {
    return { name: 'TypeError', reason: 'invalid value', key, message: `${at}: the value did not arrive as valid JSON text.` };
  }
  return { op: 'kv.set', key, valueJson: value, valueBytes };
}

function parseList(fields: Record<string, unknown>): KvRequest | KvRefusal {
  const prefix = fields.prefix === undefined ? '' : checkPrefix(fields.prefix);
  if (typeof prefix !== 'string') return prefix;
  const limit = fields.limit ?? DEFAULT_LIST_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    return { name: 'RangeError', reason: 'invalid limit', message: `kv.list(): limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, not ${String(JSON.stringify(limit)).slice(0, 40)}.` };
  }
  return { op: 'kv.list', prefix, limit };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function invalid(op: KvOperation, why: string): KvRefusal {
  return { name: 'TypeError', reason: 'invalid request', message: `${op}(): ${why}.` };
}
