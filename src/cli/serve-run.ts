import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createStderrLogger, type Logger } from '../logger.js';
import type * as McpLayer from '../mcp/index.js';
import { sandboxExtraEnv } from '../sandbox-host/early-start.js';
import { personaOf } from '../tenants/schema.js';
import { createChameleon } from '../service/index.js';
import { readConfigFile } from './config-file.js';
import { startDiagnostics } from './diagnostics.js';
import { DEFAULT_HTTP_PORT, parseHttpAddress } from './http-address.js';
import type { Runtime } from './runtime.js';
import { resolveToken } from './serve-token.js';
import { warmUpTracebacks } from './serve-warm-up.js';
import { databasePath, sqliteOnly } from './store-access.js';
import type { ServeOptions } from './serve.js';

/** How long after it starts serving the server pays its one-time costs (see below). */
const WARM_UP_DELAY_MS = 250;
/** Longest a clean shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 5_000;
/** Of which calls in progress get this long to finish and write their log rows. */
const DRAIN_MS = 3_000;
/** Then the calls still running are failed; their answers get this long to be handed over. */
const ANSWER_MS = 1_000;

/**
 * Runs `chameleon serve` until the client leaves (stdio) or a signal arrives, then shuts down
 * cleanly: transports first, then the engine (sandbox processes killed and awaited, database
 * closed). Resolves with the exit code.
 */
export async function serve(opts: ServeOptions, runtime: Runtime, version: string): Promise<number> {
  const { token, warning: tokenWarning } = resolveToken(opts);
  const fileConfig = readConfigFile(opts.config);
  const config = parseConfig({
    ...fileConfig,
    ...withDatasourceFlags(fileConfig['datasources'], opts.datasource),
    dbPath: databasePath(opts, runtime),
    persona: opts.persona,
    logLevel: opts.logLevel,
  });
  const http = opts.http === undefined ? null : parseHttpAddress(opts.http === true ? String(DEFAULT_HTTP_PORT) : opts.http);
  if (http && opts.ui === true) sqliteOnly(config.dbPath, 'The web console (--ui)', 'Leave out --ui: `chameleon logs` and `chameleon tools` read the same store with --db.');
  // Over HTTP the MCP layer is loaded first, to check the address; over stdio only after the
  // engine has started its sandbox processes (below).
  const httpTransport = http ? await (await import('../mcp/index.js')).loadHttpTransport() : null;
  // With tenants every request needs a tenant's token (or --token): none is served anonymously.
  const tenantCount = Object.keys(config.tenants).length;
  if (http && tenantCount > 0 && opts.ui === true && !token) {
    throw new AppError('INVALID_CONFIG', 'With tenants, --ui needs --token (or CHAMELEON_TOKEN): the console shows --persona and logs in with the host\'s token, never a tenant\'s.');
  }
  if (http && token) {
    // The host's token serves --persona with no quotas: a tenant there would share its tools and log.
    const sharing = Object.entries(config.tenants).find(([name, tenant]) => personaOf(name, tenant) === config.persona);
    if (sharing) {
      throw new AppError(
        'INVALID_CONFIG',
        `tenants.${sharing[0]}: its persona ${config.persona} is the one the host's --token serves (--persona), without quotas, so the two would share tools and log. Give the tenant another persona (tenants.${sharing[0]}.persona) or serve the host on another --persona.`,
      );
    }
  }
  if (http && httpTransport && !httpTransport.isLoopbackHost(http.host) && !token && tenantCount === 0) {
    throw new AppError('INVALID_CONFIG', `Refusing to serve HTTP on ${http.host} without a token: anything but loopback needs --token or CHAMELEON_TOKEN (or --token-file).`);
  }
  if (!http) runtime.protectStdout();
  const logger = createStderrLogger(config.logLevel, (line) => runtime.stderr.write(line));
  if (!http && token) logger.warn('--token is ignored over stdio');
  if (!http && tenantCount > 0) logger.warn('tenants apply to serve --http only; over stdio the server serves --persona');
  else if (tokenWarning) logger.warn(tokenWarning);

  let signalled!: (reason: string) => void;
  const signal = new Promise<string>((resolve) => (signalled = resolve));
  runtime.onShutdownSignal((name) => signalled(name));

  // The security suite plants a canary in the server and its sandbox processes, and checks that
  // no guest output, log row or error ever contains it.
  if (runtime.env['CHAMELEON_DIAGNOSTICS'] === '1') startDiagnostics(runtime.stderr);
  const canary = runtime.env['CHAMELEON_CANARY'];
  if (canary) (globalThis as { chameleonCanary?: string }).chameleonCanary = canary;
  // The engine starts its sandbox processes at once (the first was started before this module
  // loaded: serve.ts). Each is a node start plus isolated-vm, the longest step before a first
  // call can be answered, so they boot while this process loads the MCP layer (the SDK and zod
  // schemas, ~150-250 ms) instead of after it.
  const chameleon = await createChameleon({ config, logger, sandboxEnv: sandboxExtraEnv(runtime.env), secretEnv: runtime.env });
  let mcp: typeof McpLayer;
  try {
    mcp = await import('../mcp/index.js');
  } catch (err) {
    await chameleon.close();
    throw err;
  }
  const { createInflight, createMcpServer, createToolEvents, serveStdio, tenantPrincipals } = mcp;
  const events = createToolEvents();
  // A tool written by another replica on the same store reaches this process's sessions too.
  const stopFollowing = chameleon.onToolChange((change) => events.toolsChanged(change.persona));
  const inflight = createInflight();
  const scope = chameleon.forPersona(config.persona);
  const makeServer = () => createMcpServer({ scope, logger, version, events, inflight });
  // Tenants (issue 19): each token serves its persona behind its quotas; `events` is keyed by
  // persona, so one tenant's tools/list_changed reaches only its own sessions.
  const principals =
    http && tenantCount > 0
      ? tenantPrincipals({
          tenants: config.tenants,
          config,
          forPersona: (persona, personaConfig) => chameleon.forPersona(persona, personaConfig),
          serverFor: (tenantScope) => createMcpServer({ scope: tenantScope, logger, version, events, inflight }),
          host: token === undefined ? undefined : { token, makeServer },
        })
      : undefined;
  // Room for the largest source plus the largest arguments, even with every character escaped,
  // and no more: the server parses a whole message before it can refuse it, and parsing costs
  // its event loop ~10-25 ms per MB of JSON on a 2-core machine (more for many small values).
  // The former 10 MB floor let one refused message stall every session for 100+ ms
  // (test/security/stdio-oversize-message.test.ts). Default: 3.5 MB.
  const { maxArgumentsBytes } = config.payload;
  const maxSourceBytes = Math.max(config.payload.maxSourceBytes, ...Object.values(config.tenants).map((t) => t.quotas.sourceBytes ?? 0));
  const maxMessageBytes = 2 * (maxArgumentsBytes + maxSourceBytes) + 1024 * 1024;

  // The console reads the file through its own read-only connection, never the engine's.
  let consoleApp: Awaited<ReturnType<typeof openConsole>> | null = null;
  if (!http && opts.ui === true) logger.warn('--ui needs --http; the console is not served over stdio');
  let stopAccepting: () => void = () => {};
  let stop: () => Promise<void>;
  let ended: Promise<string>;
  try {
    if (http && opts.ui === true) consoleApp = await openConsole(config.dbPath, config.persona, token, logger);
    if (http && httpTransport) {
      const service = await httpTransport.serveHttp({
        ...http,
        token,
        principals,
        allowedHosts: opts.allowHost ?? [],
        allowedOrigins: opts.allowOrigin ?? [],
        makeServer,
        logger,
        maxBodyBytes: maxMessageBytes,
        maxConnections: config.http.maxConnections,
        headersTimeoutMs: config.http.headersTimeoutMs,
        requestTimeoutMs: config.http.requestTimeoutMs,
        maxSessions: config.http.maxSessions,
        maxSessionsPerClient: config.http.maxSessionsPerClient,
        sessionIdleMs: config.http.sessionIdleMs,
        stateless: config.http.stateless,
        fastPath: config.http.fastPath,
        ...(consoleApp ? { console: consoleApp.app } : {}),
      });
      if (consoleApp) logger.info(`web console at ${service.url.replace(/\/mcp$/, '/ui/')}`, { auth: token ? 'login with the token' : 'none (loopback)' });
      const auth = tenantCount > 0 ? `${tenantCount} tenant token(s)${token ? ' and the host token' : ''}` : token ? 'bearer token' : 'none (loopback)';
      logger.info(`listening on ${service.url}`, { persona: config.persona, db: chameleon.storeLocation, auth, sessions: config.http.stateless ? 'none (stateless)' : 'yes' });
      stopAccepting = () => service.stopAccepting();
      stop = async () => {
        await service.close();
        consoleApp?.close();
      };
      ended = new Promise<string>(() => {});
    } else {
      const session = await serveStdio({ server: makeServer(), stdin: runtime.stdin, stdout: runtime.stdout, maxMessageBytes, warn: (message) => logger.warn(message) });
      logger.info('serving MCP over stdio', { persona: config.persona, db: chameleon.storeLocation });
      stop = () => session.close();
      ended = session.ended;
    }
  } catch (err) {
    consoleApp?.close();
    await chameleon.close();
    throw err;
  }
  // Pay one-time costs now (the tool listing's, the traceback machinery's, then the first
  // create_tool's), not inside the first tools/list, the first failing call or the first
  // create_tool; a moment after start-up, so that a client calling a stored tool at once does
  // not wait behind them. (Reading the listing of 10,000 tools takes ~50-70 ms.)
  setTimeout(() => {
    void Promise.resolve()
      .then(() => scope.listedToolsPage(undefined, 1))
      .catch((err: unknown) => logger.debug('tool listing warm-up failed', { error: String(err) }))
      .then(() => nextTurn())
      .then(() => warmUpTracebacks())
      .catch((err: unknown) => logger.debug('traceback warm-up failed', { error: String(err) }))
      .then(() => nextTurn())
      .then(() => chameleon.warmUpAuthoring())
      .catch((err: unknown) => logger.debug('authoring warm-up failed', { error: String(err) }));
  }, WARM_UP_DELAY_MS).unref();

  const reason = await Promise.race([ended, signal]);
  return shutdown(reason, logger, async () => {
    stopAccepting();
    stopFollowing();
    if (inflight.count() > 0) {
      logger.info(`waiting up to ${DRAIN_MS} ms for ${inflight.count()} call(s) in progress`);
      await inflight.drain(DRAIN_MS);
    }
    if (inflight.count() > 0) logger.warn(`stopping ${inflight.count()} call(s) still running after ${DRAIN_MS} ms`);
    // The engine before the transports: closing it fails the calls still running (a failure
    // that says the server shut down, logged like any call), and their answers must go out
    // over transports still open. Closed first, the transports left those clients unanswered.
    await chameleon.close();
    await inflight.drain(ANSWER_MS);
    await stop();
  });
}

async function shutdown(reason: string, logger: Logger, close: () => Promise<void>): Promise<number> {
  logger.info(`shutting down (${reason})`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), SHUTDOWN_DEADLINE_MS);
  });
  try {
    const outcome = await Promise.race([close().then(() => 'done' as const), deadline]);
    if (outcome === 'late') {
      logger.error(`shutdown did not finish within ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
      return 1;
    }
    return 0;
  } catch (err) {
    logger.error('shutdown failed', { error: err instanceof Error ? err.stack : String(err) });
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `--datasource name=file.db` (repeatable) adds a SQLite datasource to the config file's, the
 * flag winning over a file entry of the same name. Paths are taken from the working directory.
 */
export function withDatasourceFlags(fromFile: unknown, flags: readonly string[] | undefined): { datasources?: unknown } {
  if (flags === undefined || flags.length === 0) return fromFile === undefined ? {} : { datasources: fromFile };
  const datasources: Record<string, unknown> = fromFile !== null && typeof fromFile === 'object' && !Array.isArray(fromFile) ? { ...(fromFile as Record<string, unknown>) } : {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    if (at <= 0 || at === flag.length - 1) throw new AppError('INVALID_CONFIG', `--datasource ${JSON.stringify(flag)}: write it as name=file.db, e.g. --datasource shop=./shop.db.`);
    datasources[flag.slice(0, at)] = { sqlite: path.resolve(flag.slice(at + 1)) };
  }
  return { datasources };
}

/** The web console over its own read-only connection to the server's file (opened after the engine migrated it). */
async function openConsole(dbPath: string, persona: string, token: string | undefined, logger: Logger) {
  const { openReadOnlyStore } = await import('../store/read-only.js');
  const { createConsoleApp } = await import('../console/app.js');
  const store = openReadOnlyStore(dbPath);
  const app = createConsoleApp({ store, scope: { persona }, token, logger });
  return {
    app,
    close() {
      app.close();
      store.close();
    },
  };
}
