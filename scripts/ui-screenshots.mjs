#!/usr/bin/env node
// Screenshots of the web console for the README and docs/console.md: docs/ui/*.png. Fills a database through the
// real server with the browser tests' own fixture (test/browser/helpers/fixture.ts, bundled here
// with esbuild), serves it with `chameleon ui`, and photographs each page in Debian's Chromium.
//   node scripts/build.mjs && node scripts/ui-screenshots.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'chameleon.js');
const OUT = path.join(ROOT, 'docs', 'ui');
const CHROMIUM = process.env.CHAMELEON_CHROMIUM ?? '/usr/bin/chromium';

/** The fixture module, bundled inside node_modules so that its imports resolve from the project. */
async function loadFixture() {
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'chameleon-ui-screenshots', 'fixture.mjs');
  await build({ entryPoints: [path.join(ROOT, 'test', 'browser', 'helpers', 'fixture.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
  return import(pathToFileURL(outfile).href);
}

function startConsole(db) {
  const child = spawn(process.execPath, [BIN, 'ui', '--db', db, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the console did not start:\n${stderr}`)), 15_000);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      const url = /(http:\/\/127\.0\.0\.1:\d+\/ui\/)/.exec(stderr)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, stop: () => child.kill('SIGTERM') });
      }
    });
    child.once('exit', (code) => reject(new Error(`the console exited (${code}):\n${stderr}`)));
  });
}

if (!fs.existsSync(CHROMIUM)) {
  console.error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHAMELEON_CHROMIUM.`);
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-shots-'));
const db = path.join(dir, 'console.db');
const { buildConsoleFixture, connectAgent } = await loadFixture();
await buildConsoleFixture(BIN, db, ROOT);
// A few more calls, so that the charts have more than one bar.
const agent = await connectAgent(BIN, db, ROOT);
for (let n = 0; n < 20; n++) await agent.call('fibonacci', { n });
for (let i = 0; i < 6; i++) await agent.call('weekly_report', { weeks: i % 3 === 0 ? ['1,,2'] : ['1,2', '3'] });
await agent.close();

const ui = await startConsole(db);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const shoot = async (name, target) => {
    await page.goto(new URL(target, ui.url).href);
    fs.mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, `${name}.png`) });
    console.error(`docs/ui/${name}.png`);
  };
  await shoot('tools', 'tools');
  await shoot('executions', 'executions');
  await page.goto(new URL('executions?tool=fibonacci&status=FAILURE', ui.url).href);
  const failing = await page.locator('#execution-rows td.time a').last().getAttribute('href');
  await shoot('execution', failing.replace(/^\/ui\//, ''));
  await shoot('tool-diff', 'tools/fibonacci?from=1&to=2');
  await shoot('failures', 'failures');
  await shoot('charts', 'charts');
} finally {
  await browser.close();
  ui.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
