/**
 * Attack (integrity): make the web console (`chameleon ui`, src/console/) show an agent's text as
 * markup. An agent writes everything the console shows: tool sources, descriptions, arguments,
 * console output, error names and messages; and anyone who can make the operator open a link
 * writes its query string. Payloads for each HTML context: a script element, a quoted
 * attribute broken out of (double and single quotes), RCDATA and style elements closed early,
 * a comment and CDATA closed early, a `javascript:` URL, `{{ }}` template syntax, and U+2028 /
 * U+2029 (line terminators inside a script or JSON).
 * The store is filled through the real server (stdio, as an agent would), then every console
 * page is fetched over plain HTTP (the browser tier, test/browser/console-xss.test.ts, renders
 * them in Chromium where it is installed). What must hold, page by page: the only `<script` is
 * the console's own `<script src=...>`; no tag carries an event-handler attribute or a
 * `javascript:` URL; no payload appears unescaped, while each appears escaped somewhere (the
 * control: the payloads did reach the pages); the live rows (server-sent events) obey the same
 * and cannot start a new event field; the CSP is the strict one, with nosniff and
 * frame-ancestors 'none'; a foreign Host or Origin is refused; the database file is unchanged.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startConsole, type ConsoleProcess } from '../browser/helpers/console-process.js';
import { connectAgent, type FixtureAgent } from '../browser/helpers/fixture.js';
import { BIN, ROOT } from '../e2e/helpers/cli.js';
import { recordFigure } from './helpers/figures.js';

const PAYLOADS = {
  script: '<script>alert(1)</script>',
  attribute: '"><img src=x onerror=alert(2)>',
  single: "'><svg onload=alert(3)>",
  textarea: '</textarea><script>alert(4)</script>',
  style: '</style><style>body{display:none}</style>',
  comment: '--><script>alert(5)</script><!--',
  cdata: ']]><iframe src=javascript:alert(6)>',
  javascript: 'javascript:alert(7)',
  template: '{{constructor.constructor("alert(8)")()}}',
  separators: 'line\u2028separator\u2029paragraph',
} as const;
const ALL = Object.values(PAYLOADS).join(' ');

/** What the console must send: the same text as src/console/headers.ts, written out here on purpose. */
const STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PROBE = [
  'export default function probe(args: { html: string; fail?: boolean }) {',
  `  const text = ${JSON.stringify(ALL)};`,
  '  console.log(text, args.html);',
  '  if (args.fail) {',
  '    const e = new Error(text + args.html);',
  `    e.name = ${JSON.stringify(PAYLOADS.attribute)};`,
  '    throw e;',
  '  }',
  '  return { echoed: args.html, text };',
  '}',
  '',
].join('\n');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** A start tag's attributes as the HTML tokenizer reads them (name, unquoted value): text inside a quoted value is not an attribute. */
function attributesOf(tag: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /\s+([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/gy;
  re.lastIndex = /^<[a-zA-Z][^\s>/]*/.exec(tag)![0].length;
  for (let m = re.exec(tag); m !== null; m = re.exec(tag)) out.push([m[1]!, m[2] ?? m[3] ?? m[4] ?? '']);
  return out;
}

/** The problems of one HTML text (a page, or a live row): empty when none. */
function markupProblems(body: string, page: boolean): string[] {
  const problems: string[] = [];
  const scripts = body.match(/<script\b[^>]*>/gi) ?? [];
  const allowed = page ? ['<script src="/ui/static/console.js" defer>'] : [];
  if (JSON.stringify(scripts) !== JSON.stringify(allowed)) problems.push(`script tags: ${JSON.stringify(scripts)}`);
  for (const tag of body.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    if (/^<(img|iframe|style|object|embed|base)\b/i.test(tag)) problems.push(`foreign tag ${tag}`);
    for (const [name, value] of attributesOf(tag)) {
      if (/^on/i.test(name)) problems.push(`event handler ${name} in ${tag}`);
      if (/^(href|src|action|formaction|xlink:href)$/i.test(name) && /^\s*javascript:/i.test(value)) problems.push(`javascript: URL in ${tag}`);
    }
  }
  for (const [name, payload] of Object.entries(PAYLOADS)) {
    if (/[<>"']/.test(payload) && body.includes(payload)) problems.push(`payload ${name} unescaped`);
  }
  return problems;
}

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-console-'));
const db = path.join(temp, 'console.db');
const executionIds: string[] = [];

beforeAll(async () => {
  const agent = await connectAgent(BIN, db, ROOT);
  try {
    const must = async (name: string, args: Record<string, unknown>) => {
      const out = await agent.call(name, args);
      if (out.isError) throw new Error(`${name}: ${JSON.stringify(out.content).slice(0, 500)}`);
      return out;
    };
    await must('create_tool', { name: 'probe', description: `Probe ${ALL}`, code: PROBE });
    for (const fail of [false, true]) {
      const out = await agent.call('probe', { html: ALL, fail });
      executionIds.push((out.structuredContent as { execution_id: string }).execution_id);
    }
    // A second version, so that the tool page has a diff of hostile source.
    await must('update_tool', { name: 'probe', code: PROBE.replace('return { echoed', `// ${PAYLOADS.script}\n  return { echoed`), force: true });
    executionIds.push((((await agent.call('probe', { html: PAYLOADS.javascript, fail: true })).structuredContent) as { execution_id: string }).execution_id);
  } finally {
    await agent.close();
  }
}, 60_000);
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
/** Opening a WAL database read-only may leave an empty -wal file: no bytes in it is no change. */
const walBytes = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);

it('no page shows hostile text as markup; strict headers; foreign Host and Origin refused; the file unchanged', async () => {
  const before = [sha256(db), walBytes(db)];
  const ui: ConsoleProcess = await startConsole(db);
  const seen = new Set<string>();
  let pages = 0;
  try {
    const q = encodeURIComponent(ALL);
    const paths = [
      'tools',
      `tools?q=${q}`,
      'tools/probe',
      'tools/probe?from=1&to=2',
      `tools/probe?from=${q}&to=${q}`,
      'executions',
      `executions?q=${q}&tool=${q}&status=${q}&persona=${q}`,
      'executions?status=FAILURE',
      ...executionIds.map((id) => `executions/${id}`),
      `executions/${q}`,
      `tools/${q}`,
      'failures?window=30d',
      `failures?window=${q}&tool=${q}`,
      'charts?range=30d',
      `charts?range=${q}&tool=${q}`,
      `login?next=${q}`,
      q,
    ];
    for (const p of paths) {
      const answer = await get(`${ui.url}${p}`);
      expect([200, 303, 400, 404], p).toContain(answer.status);
      if (answer.status === 303) continue;
      pages++;
      expect(answer.headers['content-type'], p).toBe('text/html; charset=utf-8');
      expect(markupProblems(answer.body, true), p).toEqual([]);
      expect(answer.headers['content-security-policy'], p).toBe(STRICT_CSP);
      expect(answer.headers['x-content-type-options'], p).toBe('nosniff');
      expect(answer.headers['x-frame-options'], p).toBe('DENY');
      for (const [name, payload] of Object.entries(PAYLOADS)) if (answer.body.includes(escapeHtml(payload))) seen.add(name);
    }
    // The control: every payload reached some page, as text.
    expect([...seen].sort()).toEqual(Object.keys(PAYLOADS).sort());
    expect(STRICT_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);

    // DNS rebinding and cross-site requests: refused before any page is made.
    const { port } = new URL(ui.url);
    expect((await get(`${ui.url}tools`, { Host: `evil.example:${port}` })).status).toBe(403);
    expect((await get(`${ui.url}tools`, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`${ui.url}tools`, { Origin: 'null' })).status).toBe(403);
  } finally {
    await ui.stop();
  }
  expect([sha256(db), walBytes(db)], 'the database file, and bytes in its WAL').toEqual(before);
  recordFigure({ attack: 'console-hostile-content', class: 'integrity', contained: true, kind: null, elapsedMs: null, limitMs: null, sandboxPeakRssMb: null, worstStallMs: null, note: `${Object.keys(PAYLOADS).length} payloads in source, description, arguments, console, error name and message, and query strings; ${pages} pages fetched: 0 script tags but the console's own, 0 event-handler attributes, 0 javascript: URLs, each payload shown escaped; strict CSP on every page; foreign Host/Origin 403; database unchanged` });
}, 60_000);

it('live rows (server-sent events) carry the payloads escaped, one event per data line', async () => {
  const ui = await startConsole(db);
  const agent: FixtureAgent = await connectAgent(BIN, db, ROOT);
  try {
    const event = new Promise<string>((resolve, reject) => {
      const req = http.get(`${ui.url}events`, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          text += c;
          const at = text.indexOf('event: rows\n');
          const end = at < 0 ? -1 : text.indexOf('\n\n', at);
          if (end > 0) {
            req.destroy();
            resolve(text.slice(at, end));
          }
        });
      });
      req.on('error', reject);
      setTimeout(() => reject(new Error(`no rows event; console stderr: ${ui.stderr()}`)), 20_000).unref();
    });
    // Give the stream a moment to take its starting point, then make a hostile call.
    await new Promise((r) => setTimeout(r, 500));
    await agent.call('probe', { html: `${ALL}\n\nevent: forged\ndata: {}\n\n`, fail: true });
    const rows = await event;
    const lines = rows.split('\n');
    // Exactly `event:` and one `data:` line: the newlines in the arguments did not make fields.
    expect(lines.map((l) => l.split(':')[0])).toEqual(['event', 'data']);
    const data = JSON.parse(lines[1]!.slice('data: '.length)) as { rows: string[] };
    expect(data.rows.length).toBeGreaterThan(0);
    for (const row of data.rows) expect(markupProblems(row, false)).toEqual([]);
  } finally {
    await agent.close();
    await ui.stop();
  }
}, 60_000);
