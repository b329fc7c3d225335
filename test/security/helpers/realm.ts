/**
 * Helpers for the realm-escape and information-leak attacks (added alongside harness.ts, which
 * they only use). Each attack stores its code as a tool through the real server, calls it as an
 * agent would, and then checks what came back with the helpers below.
 */
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ROOT, textOf, type SecurityServer, type ToolOptions } from './harness.js';

export interface RunOut {
  status: 'SUCCESS' | 'FAILURE';
  result?: unknown;
  console: string;
  error?: { kind: string; name: string; message: string; frames: Array<Record<string, unknown>>; code_frame: string | null; raw_stack?: string | null; details?: unknown };
  [key: string]: unknown;
}

/** Stores `code` as tool `name` (failing the test if it is refused) and calls it once. */
export async function attack(server: SecurityServer, name: string, code: string, args: Record<string, unknown> = {}, options: ToolOptions = {}): Promise<RunOut> {
  const created = await server.createTool(name, code, options);
  expect(created.isError, `create_tool ${name}: ${textOf(created)}`).toBeFalsy();
  const out = await server.call(name, args);
  const structured = out.structuredContent as RunOut | undefined;
  expect(structured, `structured result of ${name}: ${textOf(out)}`).toBeDefined();
  return structured!;
}

/** The result of a call that must have succeeded (the attack reports what it saw as its result). */
export async function attackResult<T = Record<string, unknown>>(server: SecurityServer, name: string, code: string, args: Record<string, unknown> = {}, options: ToolOptions = {}): Promise<T> {
  const out = await attack(server, name, code, args, options);
  expect(out.status, `${name} should have run to completion: ${JSON.stringify(out.error)}`).toBe('SUCCESS');
  return out.result as T;
}

/**
 * Every global the guest realm has: the ES builtins V8 11.3 (Node 20) gives a fresh
 * isolated-vm context, minus what lockdown removes (WeakRef, FinalizationRegistry,
 * WebAssembly, SharedArrayBuffer, Atomics), plus the prelude's console, its two entry points,
 * its timers, the Web APIs it defines (sandbox/web/install.ts) and fetch.
 * Anything else — a Reference, an ExternalCopy, `ivm`, a Node global, a host callback — is a leak.
 */
export const EXPECTED_GLOBALS = [
  'AggregateError', 'Array', 'ArrayBuffer', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean', 'DataView', 'Date',
  'Error', 'EvalError', 'Float32Array', 'Float64Array', 'Function', 'Infinity', 'Int16Array', 'Int32Array', 'Int8Array',
  'Intl', 'JSON', 'Map', 'Math', 'NaN', 'Number', 'Object', 'Promise', 'Proxy', 'RangeError', 'ReferenceError', 'Reflect',
  'RegExp', 'Set', 'String', 'Symbol', 'SyntaxError', 'TypeError', 'URIError', 'Uint16Array', 'Uint32Array', 'Uint8Array',
  'Uint8ClampedArray', 'WeakMap', 'WeakSet', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
  'escape', 'eval', 'globalThis', 'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'undefined', 'unescape',
  'console', '__chameleon_bind', '__chameleon_console', 'setTimeout', 'clearTimeout',
  'AbortController', 'AbortSignal', 'DOMException', 'Event', 'EventTarget', 'Headers', 'Request', 'Response', 'TextDecoder',
  'TextEncoder', 'URL', 'URLSearchParams', 'atob', 'btoa', 'crypto', 'performance', 'structuredClone',
  // Issue 14: made by the server process under the tool's manifest (sandbox/capabilities/fetch.ts).
  'fetch',
].sort();

/** Node and web globals a tool must not find, by any route (the Web APIs of sandbox/web/ are in EXPECTED_GLOBALS). */
export const AMBIENT_NAMES = [
  'process', 'require', 'module', 'exports', 'Buffer', 'global', '__dirname', '__filename', 'setInterval',
  'setImmediate', 'queueMicrotask', '__chameleon_timer', '__chameleon_settle', '__chameleon_host_random', '__chameleon_host_url',
  '__chameleon_host_request', 'XMLHttpRequest', 'WebSocket', 'Blob', 'FormData', 'ReadableStream', 'MessageChannel', 'BroadcastChannel', 'Worker',
  'navigator', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef',
  'FinalizationRegistry', 'ivm', '_ivm', 'Reference', 'ExternalCopy', 'Callback', 'Isolate', 'Context', 'chameleonCanary',
];

/** Strings that would only appear in text the guest sees if host paths or host frames leaked. */
export function hostMarkers(): string[] {
  const markers = [ROOT.replace(/\/$/, ''), os.tmpdir(), os.homedir(), process.cwd(), path.dirname(process.execPath), 'node:', 'file:', 'dist/', 'node_modules', 'isolated-vm', '.mjs', '/proc/', 'CHAMELEON_CANARY', 'SECRET_TOKEN'];
  return [...new Set(markers.filter((m) => m.length > 1))];
}

/**
 * The positions a V8 frame of guest-visible text may name: the tool's own script, the prelude,
 * eval code, or (in console output, mapped by the host) the tool's source file as the agent
 * knows it (`fib.ts:9:22`).
 */
const ALLOWED_POSITION = /^(chameleon\/[a-z][a-z0-9_]*\/[a-z][a-z0-9_]*@\d+\.js|chameleon-prelude\.js|<anonymous>|[a-z][a-z0-9_]*\.(?:ts|js)):\d+:\d+$/;
/** Frames without a position: natives and built-ins. */
const POSITIONLESS = /\((<anonymous>|native|index \d+)\)$/;

/** Fails if `text` (a stack, message, log or traceback the guest or agent sees) shows anything of the host. */
export function expectNoHostLeak(server: SecurityServer, text: string, what: string): void {
  expect(text.includes(server.canary), `canary in ${what}`).toBe(false);
  for (const marker of hostMarkers()) expect(text.includes(marker), `${what} shows host marker ${JSON.stringify(marker)}:\n${text}`).toBe(false);
  for (const line of text.split('\n')) {
    if (!/^\s+at /.test(line)) continue;
    // No absolute path anywhere in a frame.
    expect(/(^|[\s(])\/[A-Za-z]/.test(line), `${what}: absolute path in frame: ${line}`).toBe(false);
    const positions = line.match(/[^\s(),]+:\d+:\d+/g) ?? [];
    if (positions.length === 0) expect(POSITIONLESS.test(line), `${what}: frame of unknown origin: ${line}`).toBe(true);
    for (const position of positions) expect(ALLOWED_POSITION.test(position), `${what}: frame outside the realm: ${line}`).toBe(true);
  }
}

/** get_last_error for `tool`, with every text field checked for host leaks; returns it. */
export async function lastErrorWithoutLeaks(server: SecurityServer, tool: string): Promise<Record<string, unknown> & { error: NonNullable<RunOut['error']>; text: string }> {
  const last = (await server.lastError(tool)) as Record<string, unknown> & { error: NonNullable<RunOut['error']>; text: string };
  expect(last.status).toBe('FAILURE');
  expectNoHostLeak(server, JSON.stringify(last), `get_last_error(${tool})`);
  expectNoHostLeak(server, last.text, `get_last_error(${tool}).text`);
  expectNoHostLeak(server, last.error.raw_stack ?? '', `get_last_error(${tool}).error.raw_stack`);
  for (const frame of last.error.frames) expect(frame.tool, 'frames name only the tool itself').toBe(tool);
  return last;
}
