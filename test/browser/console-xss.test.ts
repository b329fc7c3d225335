/**
 * Hostile content is the norm: the fixture's html_probe tool carries script payloads in its
 * description, source, arguments, console output, result and error message. Every page that
 * shows them must show them as text; and the Content-Security-Policy must stop what escaping
 * would miss (markup injected into the page here by the test itself): no dialog opens, no
 * request leaves for another origin.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { chromiumPath, launchBrowser, watchPage, type PageWatch } from './helpers/browser.js';
import { fixtureDatabase, startConsole, type ConsoleProcess } from './helpers/console-process.js';
import { PAYLOADS } from './helpers/fixture.js';

const executable = chromiumPath();

describe.skipIf(executable === null)('hostile content in the web console', () => {
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
    page = await browser.newPage();
    watch = watchPage(page, ui.origin);
  });
  afterEach(async () => {
    await page.close();
  });

  /** Nothing of the payloads became markup: one script (ours), no frame, no handler, no javascript: link. */
  async function expectInert(): Promise<void> {
    await expect(page.locator('script').count()).resolves.toBe(1);
    await expect(page.locator('script').getAttribute('src')).resolves.toBe('/ui/static/console.js');
    await expect(page.locator('iframe, textarea, #xss-link, #xss-remote, [onerror], [onload]').count()).resolves.toBe(0);
    await expect(page.locator('a[href^="javascript:" i]').count()).resolves.toBe(0);
    expect(watch.dialogs).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
  }

  async function pathsOfProbe(): Promise<string[]> {
    await page.goto(new URL('executions?tool=html_probe', ui.url).href);
    const links = await page.locator('#execution-rows td.time a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(links).toHaveLength(2);
    return ['tools', 'executions', 'executions?tool=html_probe&status=FAILURE', 'failures', 'charts', 'tools/html_probe', ...links.map((l) => l.replace(/^\/ui\//, ''))];
  }

  it('shows tool code, arguments, console output, results and error messages as text on every page', async () => {
    for (const path of await pathsOfProbe()) {
      const response = await page.goto(new URL(path, ui.url).href);
      expect(response?.status(), path).toBe(200);
      await expectInert();
    }
    // The failing call's page shows each payload as the characters it is.
    await page.goto(new URL('executions?tool=html_probe&status=FAILURE', ui.url).href);
    await page.locator('#execution-rows td.time a').first().click();
    await page.waitForURL(/executions\/ex_/);
    const text = await page.locator('main').innerText();
    for (const payload of Object.values(PAYLOADS)) expect(text).toContain(payload);
    await expect(page.locator('#error-message').innerText()).resolves.toContain(PAYLOADS.img);
    await expect(page.locator('#console').innerText()).resolves.toContain(PAYLOADS.script);
    await expect(page.locator('#arguments').innerText()).resolves.toContain('</textarea>');
    await expectInert();
    // The tool page: the description and the source (its first line is a comment of payloads).
    await page.goto(new URL('tools/html_probe', ui.url).href);
    await expect(page.locator('p.description').innerText()).resolves.toContain(PAYLOADS.attribute);
    await expect(page.locator('#source tr').first().innerText()).resolves.toContain(PAYLOADS.remote);
    await expectInert();
  });

  it('sends the security headers with every page and asset', async () => {
    for (const path of ['tools', 'executions', 'static/console.js', 'static/console.css', 'no-such-page']) {
      const response = await page.goto(new URL(path, ui.url).href);
      const headers = response!.headers();
      expect(headers['content-security-policy'], path).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(headers['x-content-type-options'], path).toBe('nosniff');
      expect(headers['referrer-policy'], path).toBe('no-referrer');
    }
  });

  it('blocks, by its CSP, markup that escaping would have missed: no script runs, nothing is fetched elsewhere', async () => {
    await page.goto(new URL('executions', ui.url).href);
    const violations = await page.evaluate(async (payloads) => {
      const seen: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
      const box = document.createElement('div');
      // As if a page had interpolated these without escaping them.
      box.innerHTML = `${payloads.img}${payloads.remote}${payloads.attribute}<svg><image href="http://127.0.0.2:9/i.svg"></image></svg><link rel="stylesheet" href="http://127.0.0.2:9/x.css"><form action="http://127.0.0.2:9/post"><button id="post">go</button></form>`;
      document.body.append(box);
      const script = document.createElement('script');
      script.textContent = 'alert("xss-inline")';
      document.body.append(script);
      const handler = document.createElement('div');
      handler.setAttribute('onclick', 'alert("xss-handler")');
      document.body.append(handler);
      handler.click();
      (box.querySelector('form') as HTMLFormElement).submit();
      // Let the browser try the loads and report the violations.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return seen;
    }, PAYLOADS);
    await page.waitForTimeout(200);
    expect(watch.dialogs).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.blockedByCsp).toEqual(expect.arrayContaining(['http://127.0.0.2:9/tracker.png', 'http://127.0.0.2:9/x.css']));
    // Each attempt was refused by a directive of the policy, not merely absent.
    expect(violations.some((v) => v.startsWith('script-src'))).toBe(true);
    expect(violations.some((v) => v.startsWith('img-src'))).toBe(true);
    expect(violations.some((v) => v.startsWith('form-action'))).toBe(true);
    expect(page.url()).toMatch(/\/ui\/executions$/);
  });
});
