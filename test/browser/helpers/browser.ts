/**
 * Debian's Chromium, driven by playwright-core (which downloads no browser of its own). Without
 * it the browser tier is skipped, saying how to install it, unless CHAMELEON_REQUIRE_BROWSER=1
 * (set by .ci/run), which makes a missing browser a failure.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';

/** CHAMELEON_CHROMIUM, when set, is the only one looked at (so a missing browser can be tried too). */
const CANDIDATES = process.env['CHAMELEON_CHROMIUM'] ? [process.env['CHAMELEON_CHROMIUM']] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

export const INSTALL_HINT = 'Chromium is not installed, so the browser tests (test/browser) are skipped. Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHAMELEON_CHROMIUM to a Chromium executable.';

export function chromiumPath(): string | null {
  const found = CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
  if (found === null) {
    if (process.env['CHAMELEON_REQUIRE_BROWSER'] === '1') throw new Error(`CHAMELEON_REQUIRE_BROWSER=1 but ${INSTALL_HINT}`);
    process.stderr.write(`\n${INSTALL_HINT}\n\n`);
  }
  return found;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  // --no-sandbox: Chromium's sandbox refuses to start as root, which CI is.
  return chromium.launch({ executablePath, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

/** What a page did that it must not: dialogs opened, requests to any origin but `origin`, errors. */
export interface PageWatch {
  dialogs: string[];
  /**
   * Requests for any other origin that the browser did not block by the CSP (Chromium reports a
   * blocked request too, failed with reason 'csp' before anything is sent).
   */
  readonly foreignRequests: string[];
  /** Requests for other origins the CSP blocked. */
  blockedByCsp: string[];
  pageErrors: string[];
  cspViolations: string[];
}

export function watchPage(page: Page, origin: string): PageWatch {
  const attempted: Request[] = [];
  const blocked = new Set<Request>();
  const watch: PageWatch = {
    dialogs: [],
    get foreignRequests() {
      return attempted.filter((r) => !blocked.has(r)).map((r) => r.url());
    },
    get blockedByCsp() {
      return [...blocked].map((r) => r.url());
    },
    pageErrors: [],
    cspViolations: [],
  };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request: Request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) attempted.push(request);
  });
  page.on('requestfailed', (request) => {
    // Chromium names the reason 'csp' through the DevTools protocol (net::ERR_BLOCKED_BY_CSP in its logs).
    if (request.failure()?.errorText === 'csp') blocked.add(request);
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) watch.cspViolations.push(message.text());
  });
  return watch;
}
