/**
 * Information leak: the server's environment must not reach guest code, and some of it is
 * read by ICU rather than by anyone's code — TZ decides Date's time zone, LANG/LC_ALL the
 * default locale of Intl and toLocaleString. Start the server with an unusual TZ and locale
 * and ask the realm what it sees: the sandbox process gets only PATH and its own settings,
 * so neither may show. (What the realm still sees is the *sandbox machine's* clock and its
 * /etc/localtime zone: stated as a residual risk, not hidden.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

const SERVER_TZ = 'Pacific/Chatham';
const SERVER_LOCALE = 'de_DE.UTF-8';

let server: SecurityServer;
const saved = { TZ: process.env['TZ'], LANG: process.env['LANG'], LC_ALL: process.env['LC_ALL'] };
beforeAll(async () => {
  // The harness hands the server this process's environment plus the canary.
  process.env['TZ'] = SERVER_TZ;
  process.env['LANG'] = SERVER_LOCALE;
  process.env['LC_ALL'] = SERVER_LOCALE;
  server = await startSecurityServer();
});
afterAll(async () => {
  await server.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const code = `
export default () => {
  const dtf = new Intl.DateTimeFormat().resolvedOptions();
  return {
    timeZone: dtf.timeZone,
    locale: dtf.locale,
    numberLocale: new Intl.NumberFormat().resolvedOptions().locale,
    offsetMinutes: new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset(),
    dateString: new Date(0).toString(),
    grouping: (1234567.5).toLocaleString(),
  };
};
`;

it("the server's TZ and locale do not reach the realm", async () => {
  const seen = await attackResult<Record<string, string | number>>(server, 'server_env_intl', code);
  expect(seen.timeZone).not.toBe(SERVER_TZ);
  // Chatham is UTC+13:45 in January: an offset of -825 minutes would mean TZ leaked.
  expect(seen.offsetMinutes).not.toBe(-825);
  expect(String(seen.dateString)).not.toMatch(/Chatham|\+1345/);
  expect(String(seen.locale)).not.toMatch(/^de/);
  expect(String(seen.numberLocale)).not.toMatch(/^de/);
  // German grouping would print 1.234.567,5.
  expect(seen.grouping).not.toBe('1.234.567,5');
  await expectContained(server, { tool: 'server_env_intl' });
});
