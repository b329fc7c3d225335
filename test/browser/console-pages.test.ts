/**
 * The web console in Chromium against a database the real server filled (helpers/fixture.ts):
 * every page loads, the executions table filters, an execution shows its failing line and
 * column in the version's source, a chain shows its calls as a tree, two versions diff side by
 * side, and a call made through a real server while the page is open appears at the top.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { chromiumPath, launchBrowser, watchPage, type PageWatch } from './helpers/browser.js';
import { BIN, fixtureDatabase, ROOT, startConsole, type ConsoleProcess } from './helpers/console-process.js';
import { connectAgent } from './helpers/fixture.js';

const executable = chromiumPath();

describe.skipIf(executable === null)('the web console in Chromium', () => {
  let fixture: Awaited<ReturnType<typeof fixtureDatabase>>;
  let ui: ConsoleProcess;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    [fixture, browser] = await Promise.all([fixtureDatabase(), launchBrowser(executable!)]);
    ui = await startConsole(fixture.db);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    fixture?.remove();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch = watchPage(page, ui.origin);
  });
  afterEach(async () => {
    await page.close();
    expect(watch.pageErrors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
  });

  const open = async (path: string) => {
    const response = await page.goto(new URL(path, ui.url).href);
    expect(response?.status(), path).toBe(200);
  };

  it('loads every page, each with its heading, stylesheet and script', async () => {
    for (const [path, heading] of [
      ['tools', 'Tools'],
      ['executions', 'Executions'],
      ['failures', 'Failures'],
      ['charts', 'Charts'],
      ['tools/fibonacci', 'Tool fibonacci'],
    ] as const) {
      await open(path);
      await expect(page.locator('h1').innerText()).resolves.toBe(heading);
    }
    // The stylesheet applied (no CSP refusal): the header bar is dark.
    await expect(page.locator('header.top').evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe('rgb(36, 41, 47)');
    await open('tools');
    const fibonacci = page.locator('tr[data-tool="fibonacci"]');
    await expect(fibonacci.locator('td.num').nth(1).innerText()).resolves.toBe('9'); // calls in 24 h: 2 of v1, 5 of v2, 1 of v3, 1 of v4
    await expect(fibonacci.locator('svg.sparkline rect.failures').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('tr[data-tool="weekly_report"]').innerText()).resolves.toContain('tools csv_stats');
    await open('failures');
    await expect(page.locator('#failure-groups tbody tr').count()).resolves.toBe(4); // fibonacci, csv_stats, weekly_report (its ToolCallError), html_probe
    await expect(page.locator('#failure-groups').innerText()).resolves.toMatch(/fibonacci[\s\S]*exception[\s\S]*TypeError[\s\S]*fibonacci \(fibonacci\.ts:7\)\s+3\b[\s\S]*v1, v3/);
    await open('charts');
    await expect(page.locator('#calls-chart svg rect.failures').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#latency tbody tr').count()).resolves.toBe(4);
  });

  it('filters the executions by tool, status, version and error text, with the form', async () => {
    await open('executions');
    await page.fill('input[name="tool"]', 'fibonacci');
    await page.selectOption('select[name="status"]', 'FAILURE');
    await Promise.all([page.waitForURL(/status=FAILURE/), page.click('button[type="submit"]')]);
    const rows = page.locator('#execution-rows tr');
    await expect(rows.count()).resolves.toBe(3);
    for (const text of await rows.allInnerTexts()) expect(text).toMatch(/fibonacci[\s\S]*FAILURE[\s\S]*TypeError/);
    await page.fill('input[name="version"]', '3');
    await Promise.all([page.waitForURL(/version=3/), page.click('button[type="submit"]')]);
    await expect(rows.count()).resolves.toBe(1);

    await open('executions?q=EMPTY+CELL&nested=1');
    await expect(rows.allInnerTexts()).resolves.toEqual([expect.stringContaining('csv_stats'), expect.stringContaining('weekly_report')]);
    await open('executions?status=SUCCESS&tool=html_probe');
    await expect(rows.count()).resolves.toBe(1);
    await open('executions?version=x');
    await expect(page.locator('ul.problems').innerText()).resolves.toContain('version: use a whole number');
  });

  it('opens a failing call and marks the failing line and column in the source of its version', async () => {
    await open('executions?tool=fibonacci&status=FAILURE');
    await Promise.all([page.waitForURL(/\/executions\/ex_/), page.locator('#execution-rows tr').first().locator('td.time a').click()]);
    await expect(page.locator('#error-message').innerText()).resolves.toBe("TypeError: Cannot read properties of undefined (reading 'value')");
    const heading = await page.locator('h3').first().innerText();
    const [, line, column] = /fibonacci\.ts v3, line (\d+), column (\d+)/.exec(heading) ?? [];
    expect(line).toBe('7');
    const failing = page.locator('#failing-line');
    await expect(failing.locator('td.ln').innerText()).resolves.toBe('7');
    const code = await failing.locator('td.src').innerText();
    expect(code).toContain('return { value: memo[args.n + 1].value };');
    // The marked character is the one at the column V8 reported, in the agent's own line.
    await expect(failing.locator('.col-mark').innerText()).resolves.toBe(code[Number(column) - 1]);
    // Highlighted by highlight.js on the server: the keyword is a span of its own.
    await expect(failing.locator('.hljs-keyword').first().innerText()).resolves.toBe('return');
    await expect(page.locator('#frames').innerText()).resolves.toContain(`fibonacci.ts:7:${column}`);
  });

  it('shows the calls a tool made as a tree, the failure at the bottom in its own source', async () => {
    await open('executions?tool=weekly_report&status=FAILURE');
    await Promise.all([page.waitForURL(/\/executions\/ex_/), page.locator('#execution-rows tr').first().locator('td.time a').click()]);
    const tree = page.locator('#call-tree');
    await expect(tree.locator('li').count()).resolves.toBe(2);
    await expect(tree.innerText()).resolves.toMatch(/csv_stats v1 SUCCESS[\s\S]*csv_stats v1 FAILURE[\s\S]*empty cell/);
    await Promise.all([page.waitForURL(/\/executions\/ex_/), tree.locator('li', { hasText: 'FAILURE' }).locator('a').click()]);
    await expect(page.locator('#failing-line td.src').innerText()).resolves.toContain('throw new TypeError');
    await expect(page.locator('dl.facts').innerText()).resolves.toContain('Called by');
  });

  it('diffs any two versions side by side', async () => {
    await open('tools/fibonacci');
    await expect(page.locator('#versions tbody tr').allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/^v4\s+active\s+update/),
      expect.stringMatching(/^v3\s+rollback to v1/),
      expect.stringMatching(/^v2\s+update/),
      expect.stringMatching(/^v1\s+create/),
    ]);
    await page.selectOption('select[name="from"]', '1');
    await page.selectOption('select[name="to"]', '2');
    await Promise.all([page.waitForURL(/from=1&to=2/), page.click('form.compare button')]);
    const diff = page.locator('#diff');
    await expect(diff.locator('thead').innerText()).resolves.toMatch(/v1\s+v2/);
    await expect(diff.locator('td.del').allInnerTexts()).resolves.toEqual(['  // off by one: reads past the end', '  return { value: memo[args.n + 1].value };']);
    await expect(diff.locator('td.add').allInnerTexts()).resolves.toEqual(['  return { value: memo[args.n].value };']);
    await expect(diff.locator('tr.same').count()).resolves.toBe(6);
  });

  it('shows a call at the top of the executions page as the real server logs it', async () => {
    await open('executions');
    const rows = page.locator('#execution-rows tr');
    const before = await rows.count();
    // No need to wait for the stream to open: it sends every row after the newest the page
    // was rendered with (data-events="...after=SEQ").
    const agent = await connectAgent(BIN, fixture.db, ROOT);
    try {
      const result = await agent.call('fibonacci', { n: 7 });
      expect(result.isError).toBeFalsy();
    } finally {
      await agent.close();
    }
    await page.waitForFunction((n) => document.querySelectorAll('#execution-rows tr').length === n + 1, before, { timeout: 10_000 });
    const first = rows.first();
    await expect(first.getAttribute('class')).resolves.toContain('arrived');
    await expect(first.innerText()).resolves.toMatch(/fibonacci\s+4\s+SUCCESS/);
    await expect(page.locator('#live-status').innerText()).resolves.toBe('Live: 1 new call since the page loaded.');
  });
});
