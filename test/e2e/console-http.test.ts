/**
 * The web console over plain HTTP, from the built CLI: `chameleon ui` changes nothing in the
 * database, keeps stdout clean, refuses foreign Host and Origin headers as `serve --http` does;
 * `serve --http --ui` with a token puts the console behind a login that sets a signed,
 * HttpOnly, SameSite=Strict cookie (or takes the bearer header).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BIN, ROOT, startHttpServer } from './helpers/cli.js';
import { buildConsoleFixture } from '../browser/helpers/fixture.js';
import { startConsole } from '../browser/helpers/console-process.js';
import { suiteTempDir } from './helpers/temp.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these headers (node:http: fetch will not forge a Host header). */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Every table's rows, in rowid order, through a connection of its own. */
function tableDump(db: string): string {
  const conn = new Database(db, { readonly: true });
  try {
    const tables = conn.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    return JSON.stringify(tables.map((t) => [t, conn.prepare(`SELECT * FROM "${t}"`).all()]));
  } finally {
    conn.close();
  }
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('the web console over HTTP', () => {
  const temp = suiteTempDir('chameleon-console-');
  const db = path.join(temp.dir, 'console.db');
  beforeAll(async () => buildConsoleFixture(BIN, db, ROOT), 60_000);
  afterAll(() => temp.remove());

  it('chameleon ui changes nothing in the database, whatever is asked of it, and keeps stdout clean', async () => {
    const fileBefore = sha256(db);
    const rowsBefore = tableDump(db);
    const walBefore = fs.existsSync(`${db}-wal`) ? fs.statSync(`${db}-wal`).size : 0;
    const ui = await startConsole(db);
    let stdout = '';
    ui.child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    try {
      const listing = await request(`${ui.url}executions?nested=1`);
      const ids = [...listing.body.matchAll(/href="\/ui\/executions\/(ex_[^"]+)"/g)].map((m) => m[1]!);
      expect(new Set(ids).size).toBeGreaterThan(10);
      const paths = ['tools', 'executions?status=FAILURE&q=cell', 'failures?window=30d', 'charts?range=30d', 'tools/fibonacci?from=1&to=4', 'tools/html_probe', ...new Set(ids).values()].map((p) => `${ui.url}${p.startsWith('ex_') ? `executions/${p}` : p}`);
      for (const url of paths) expect((await request(url)).status, url).toBe(200);
      // Writes are not answered: the console is read-only at the HTTP level too.
      for (const method of ['POST', 'PUT', 'DELETE']) expect((await request(`${ui.url}tools`, { method })).status).toBe(405);
      // A live stream opened and closed.
      await new Promise<void>((resolve) => {
        const req = http.get(`${ui.url}events`, (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
      });
    } finally {
      await ui.stop();
    }
    expect(stdout).toBe('');
    expect(ui.stderr()).toMatch(/^Chameleon console \(read-only, persona default\): http:\/\/127\.0\.0\.1:\d+\/ui\/\n/);
    expect(sha256(db)).toBe(fileBefore);
    expect(fs.existsSync(`${db}-wal`) ? fs.statSync(`${db}-wal`).size : 0).toBe(walBefore);
    expect(tableDump(db)).toBe(rowsBefore);
  });

  it('--all-personas shows every persona, narrowed by ?persona=; --persona shows one and no other', async () => {
    const all = await startConsole(db, ['--all-personas']);
    try {
      expect(all.stderr()).toContain('(read-only, all personas)');
      const page = await request(`${all.url}executions`);
      expect(page.body).toContain('<th>Persona</th>');
      expect(page.body).toContain('<option value="default">default</option>');
      expect((await request(`${all.url}executions?persona=nobody`)).body).toContain('No executions match.');
      expect((await request(`${all.url}tools/fibonacci?persona=default`)).status).toBe(200);
    } finally {
      await all.stop();
    }
    const other = await startConsole(db, ['--persona', 'other']);
    try {
      const listing = await request(`${other.url}executions?persona=default`);
      expect(listing.body).toContain('No executions match.');
      expect((await request(`${other.url}tools/fibonacci`)).status).toBe(404);
    } finally {
      await other.stop();
    }
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin, as serve --http does', async () => {
    const ui = await startConsole(db);
    try {
      const { port } = new URL(ui.url);
      const good = await request(`${ui.url}tools`);
      expect(good.status).toBe(200);
      const rebound = await request(`${ui.url}tools`, { headers: { Host: `evil.example:${port}` } });
      expect(rebound.status).toBe(403);
      expect(rebound.body).toContain('Host "evil.example');
      const foreign = await request(`${ui.url}tools`, { headers: { Origin: 'http://evil.example' } });
      expect(foreign.status).toBe(403);
      const own = await request(`${ui.url}tools`, { headers: { Origin: `http://localhost:${port}`, Host: `localhost:${port}` } });
      expect(own.status).toBe(200);
      expect(rebound.headers['content-security-policy']).toContain("default-src 'none'");
    } finally {
      await ui.stop();
    }
  });

  it('serve --http --ui puts the console behind a login with the server token; /mcp keeps its bearer check', async () => {
    const token = 'console-test-token-0123456789';
    const server = await startHttpServer({ db, env: { CHAMELEON_TOKEN: token }, args: ['--ui', '--log-level', 'info'] });
    try {
      const base = server.url.replace(/\/mcp$/, '/ui');
      expect(server.stderr()).toContain(`web console at ${base}/`);
      const anonymous = await request(`${base}/executions?tool=fibonacci`);
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.location).toBe('/ui/login?next=%2Fui%2Fexecutions%3Ftool%3Dfibonacci');
      expect((await request(`${base}/events`)).status).toBe(401);
      expect((await request(`${base}/login`)).body).toContain('name="token"');

      const form = (value: string, next = '/ui/executions?tool=fibonacci') => ({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: value, next }).toString() });
      const wrong = await request(`${base}/login`, form('not-the-token'));
      expect(wrong.status).toBe(401);
      expect(wrong.headers['set-cookie']).toBeUndefined();

      const right = await request(`${base}/login`, form(token));
      expect(right.status).toBe(303);
      expect(right.headers.location).toBe('/ui/executions?tool=fibonacci');
      const cookie = right.headers['set-cookie']![0]!;
      expect(cookie).toMatch(/^chameleon_console=v1\.\d+\.[\w-]{43}; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      const pair = cookie.split(';')[0]!;
      const page = await request(`${base}/executions?tool=fibonacci`, { headers: { Cookie: pair } });
      expect(page.status).toBe(200);
      expect(page.body).toContain('fibonacci');
      // A login never sends the browser to another site.
      expect((await request(`${base}/login`, form(token, '//evil.example/'))).headers.location).toBe('/ui/tools');
      // A cookie whose signature was changed is worth nothing.
      const forged = pair.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await request(`${base}/tools`, { headers: { Cookie: forged } })).status).toBe(303);
      // Scripts may send the bearer header instead.
      expect((await request(`${base}/tools`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      // The MCP endpoint takes no console cookie: it wants its bearer token.
      expect((await request(server.url, { method: 'POST', headers: { Cookie: pair, 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
      // The Host and Origin checks come first, for the console too.
      expect((await request(`${base}/tools`, { headers: { Cookie: pair, Origin: 'http://evil.example' } })).status).toBe(403);
    } finally {
      server.kill();
      await server.exited;
    }
  });
});
