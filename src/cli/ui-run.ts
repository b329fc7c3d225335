/** What `chameleon ui` does (declared in ui.ts): open the store read-only, serve the console until a signal. */
import fs from 'node:fs';

import { AppError } from '../errors.js';
import { createStderrLogger } from '../logger.js';
import type { Runtime } from './runtime.js';
import { resolveToken } from './serve-token.js';
import { checkPersona, databasePath, sqliteOnly } from './store-access.js';
import type { UiOptions } from './ui.js';

export async function ui(opts: UiOptions, runtime: Runtime): Promise<number> {
  const { token, warning } = resolveToken(opts);
  const dbPath = databasePath(opts, runtime);
  sqliteOnly(dbPath, 'The web console', 'Read the log with `chameleon logs --db URL`, and the tools with `chameleon tools list --db URL`.');
  if (!fs.existsSync(dbPath)) throw new AppError('INVALID_ARGUMENT', `No database at ${dbPath}. Pass --db FILE (or set CHAMELEON_DB) to the file \`chameleon serve\` uses.`);
  const scope = opts.allPersonas === true ? ({ all: true } as const) : { persona: checkPersona(opts.persona) };
  const logger = createStderrLogger('info', (line) => runtime.stderr.write(line));
  if (warning) logger.warn(warning);
  const { openReadOnlyStore } = await import('../store/read-only.js');
  const { serveConsole } = await import('../console/serve-console.js');
  const store = openReadOnlyStore(dbPath);
  let server;
  try {
    server = await serveConsole({ store, scope, port: opts.port, token, logger });
  } catch (err) {
    store.close();
    throw err;
  }
  runtime.stderr.write(`Chameleon console (read-only, ${'persona' in scope ? `persona ${scope.persona}` : 'all personas'}${token ? ', login with the token' : ''}): ${server.url}\n`);
  const signal = await new Promise<string>((resolve) => runtime.onShutdownSignal(resolve));
  runtime.stderr.write(`Stopping the console (${signal}).\n`);
  await server.close();
  store.close();
  return 0;
}
