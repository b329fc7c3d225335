/**
 * Helpers for the attacks on issue 14's surface (fetch, secrets, ctx.kv, the request channel).
 * Each file starts its loopback targets (http-target.ts), then the real server with a config
 * that allows them (`capabilitiesConfig`), stores its attack as a tool with a manifest and
 * calls it as an agent would. What these helpers add to the harness's checks:
 *
 *   - `FETCH_EACH`: a tool that fetches every URL it is given and reports each outcome (status
 *     and a bit of the body, or the error's name and message), so one call tries many forms.
 *   - `effectsOf()`: the call's audit (get_execution's `effects`): a hop refused by the policy is
 *     recorded there before anything connects, which is how a test shows no attempt was made.
 *   - `expectTextNowhere()`: a secret's value in no response, log row, database byte or stderr.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { rssOf, startSecurityServer, textOf, type SecurityServer } from './harness.js';
import { baitTarget, goodHandler, httpTarget, type HttpTarget } from './http-target.js';

/** One fetch as FETCH_EACH reports it. */
export interface FetchOutcome {
  url: string;
  ok: boolean;
  status?: number;
  /** The first 200 characters of the body. */
  body?: string;
  headers?: Array<[string, string]>;
  name?: string;
  message?: string;
}

/**
 * A tool that fetches each of `args.requests` ({ url, init? }) in turn and reports what
 * happened, never throwing: the attack's result is the list of outcomes.
 */
export const FETCH_EACH = `
export default async (args: { requests: Array<{ url: string; init?: any }> }) => {
  const out: any[] = [];
  for (const { url, init } of args.requests) {
    try {
      const r = await fetch(url, init);
      const body = await r.text();
      out.push({ url, ok: true, status: r.status, body: body.slice(0, 200), headers: [...r.headers] });
    } catch (e: any) {
      out.push({ url, ok: false, name: String(e && e.name), message: String(e && e.message).slice(0, 600) });
    }
  }
  return out;
};
`;

/** The `requests` argument of FETCH_EACH for plain GETs of `urls`. */
export function gets(urls: readonly string[]): { requests: Array<{ url: string }> } {
  return { requests: urls.map((url) => ({ url })) };
}

/** A config for the server of a capability attack: the fetch ceiling and bounds, secrets, kv quotas. */
export function capabilitiesConfig(options: {
  allow: string[];
  privateRanges?: string[];
  fetch?: Record<string, number>;
  secrets?: Record<string, { env: string; hosts: string[] }>;
  kv?: Record<string, number>;
}): Record<string, unknown> {
  return {
    capabilities: { fetch: { allow: options.allow, privateRanges: options.privateRanges ?? [], ...options.fetch } },
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.kv ? { kv: options.kv } : {}),
  };
}

/** A secret's value: recognisable, random, and unlike the harness's canary (which the sandbox holds on purpose). */
export function secretValue(label = 'SECRETVALUE'): string {
  return `${label}_${randomBytes(16).toString('hex')}`;
}

/** The call's audit entries (get_execution's `effects`). */
export async function effectsOf(server: SecurityServer, executionId: string): Promise<Array<Record<string, unknown>>> {
  const row = await server.call('get_execution', { id: executionId });
  expect(row.isError, textOf(row)).toBeFalsy();
  return ((row.structuredContent ?? {}) as { effects?: Array<Record<string, unknown>> }).effects ?? [];
}

/** Calls `tool` and returns its result (the call must succeed) and its execution id. */
export async function callOk<T>(server: SecurityServer, tool: string, args: Record<string, unknown> = {}): Promise<{ result: T; executionId: string }> {
  const out = await server.call(tool, args);
  const structured = (out.structuredContent ?? {}) as { status?: string; result?: unknown; execution_id?: string };
  expect(structured.status, `${tool}: ${textOf(out)}`).toBe('SUCCESS');
  return { result: structured.result as T, executionId: structured.execution_id! };
}

/**
 * Fails if `text` (a secret's value) is in anything the server returned, wrote to its database
 * (and WAL) or to stderr. `forms` adds encodings to look for too (base64, URL-encoded...).
 */
export function expectTextNowhere(server: SecurityServer, text: string, what: string, forms: string[] = []): void {
  const dir = path.dirname(server.dbPath);
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(server.dbPath)));
  for (const form of [text, ...forms]) {
    expect(server.transcript().includes(form), `${what} (${form.slice(0, 12)}…) in a response`).toBe(false);
    expect(server.stderr().includes(form), `${what} in the server's stderr`).toBe(false);
    for (const file of files) expect(fs.readFileSync(path.join(dir, file)).includes(form), `${what} in ${file}`).toBe(false);
  }
}

/**
 * The scene of most SSRF attacks: a bait listening dual-stack on loopback (it must never see a
 * connection), a good target the ceiling names exactly (the control: the same call fetches it,
 * so a refusal is the policy's, not a broken fetch; it also redirects on request, see
 * http-target.ts goodHandler), and the server, whose ceiling also allows
 * any public host on any port (`*`, `*:*`) unless `allow` says otherwise.
 */
export interface SsrfScene {
  server: SecurityServer;
  bait: HttpTarget;
  good: HttpTarget;
  close(): Promise<void>;
}

export async function startSsrfScene(options: { allow?: (good: HttpTarget, bait: HttpTarget) => string[]; privateRanges?: string[]; fetch?: Record<string, number> } = {}): Promise<SsrfScene> {
  const bait = await baitTarget();
  const good = await httpTarget(goodHandler);
  const allow = options.allow ? options.allow(good, bait) : ['*', '*:*', good.pattern];
  const server = await startSecurityServer({ config: capabilitiesConfig({ allow, privateRanges: options.privateRanges ?? [], fetch: options.fetch ?? {} }) });
  return {
    server,
    bait,
    good,
    async close() {
      await server.close();
      await bait.close();
      await good.close();
    },
  };
}

/**
 * Checks the outcomes of FETCH_EACH: the last request was the control (the good target, which
 * must answer), every other one refused with `name` and a message matching `message`.
 */
export function expectRefusedThenControl(outcomes: FetchOutcome[], expected: { name: string; message: RegExp }): void {
  const control = outcomes[outcomes.length - 1];
  expect(control, 'the control fetch of the good target').toMatchObject({ ok: true, status: 200, body: 'good' });
  for (const outcome of outcomes.slice(0, -1)) expect(outcome, outcome.url).toMatchObject({ ok: false, name: expected.name, message: expect.stringMatching(expected.message) });
}

/**
 * Samples a process's resident memory every 5 ms while `during` runs: its baseline just before
 * and its peak (MB). For the server process, whose memory a response bomb would fill.
 */
export async function sampleRss<T>(pid: number, during: () => Promise<T>): Promise<{ value: T; baselineMb: number; peakMb: number }> {
  const baseline = rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 5);
  try {
    const value = await during();
    return { value, baselineMb: baseline / 2 ** 20, peakMb: Math.max(peak, rssOf(pid)) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

export interface KvRow {
  persona: string;
  namespace: string;
  key: string;
  value_json: string;
  bytes: number;
}

/** Every kv entry in the database, read directly (read-only; WAL lets it sit beside the server). */
export function kvRows(dbPath: string): KvRow[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT persona, namespace, key, value_json, bytes FROM kv ORDER BY persona, namespace, key').all() as KvRow[];
  } finally {
    db.close();
  }
}

/** Bytes the database holds on disk: the file and its WAL. */
export function databaseBytes(dbPath: string): number {
  return [dbPath, `${dbPath}-wal`].reduce((n, f) => n + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}
