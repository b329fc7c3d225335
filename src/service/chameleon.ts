import { setImmediate as nextTurn } from 'node:timers/promises';
import { warmUpCompiler } from '../compiler/compile.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ExecutionQuery, ExecutionRecord } from '../model.js';
import { SandboxPool } from '../sandbox-host/supervisor.js';
import type { StoreContract } from '../store/contract.js';
import { openStoreAt } from '../store/open.js';
import { SourceMapCache } from '../traceback/source-maps.js';
import { createArgumentValidator } from './arguments.js';
import { getExecution, getLastError, listExecutions } from './audit.js';
import { failureGroupsSince, type FailureGroupsQuery } from './failure-groups.js';
import { diffVersions } from './version-diff.js';
import { callsBelow, nestedCounts } from './call-trace.js';
import { deleteTool, finishWrite, getTool, listedToolsPage, listTools, listToolsPage, rollbackTool, saveEdit, saveNewTool, saveUpdate, type CreateToolInput, type GateOptions, type SavedWrite, type UpdateToolInput } from './authoring.js';
import { createTypeChecker } from '../typecheck/checker.js';
import type { SourceEdit } from './source-edits.js';
import type { ServiceDeps } from './deps.js';
import { createLogWriter } from './log-writer.js';
import { newExecutionId } from './ids.js';
import { assertPersonaName } from './names.js';
import type { ProgressSink } from './progress-relay.js';
import { startRetention } from './retention.js';
import { runTool } from './running.js';
import { loadSecretValues, type SecretValues } from './secrets.js';
import { mcpDeclaration } from './mcp-declarations.js';
import { createUpstreams } from '../capabilities/mcp/upstreams.js';
import { createToolWriteTurns } from './tool-writes.js';
import { followToolChanges } from './tool-changes.js';
import type { ToolChange } from '../store/contract.js';
import { createDatasources, type Datasources } from '../datasources/index.js';

export interface ChameleonOptions {
  config: Readonly<Config>;
  logger: Logger;
  sandboxEnv?: Record<string, string>;
  /** Where the secrets' values are read from (config `secrets`): the server's environment. */
  secretEnv?: Readonly<Record<string, string | undefined>>;
}

/**
 * Opens the store `config.dbPath` names (a SQLite file or a PostgreSQL URL: store/open.ts) and
 * starts the engine on it. Rejects, leaving nothing running, when the store or a datasource
 * cannot be used.
 */
export async function createChameleon(options: ChameleonOptions) {
  const { config, logger } = options;
  // First: nothing is started yet when a secret the config names is unusable.
  const secrets = loadSecretValues(config.secrets, options.secretEnv ?? {}, logger);
  // No busy timeout: SQLite would sleep on the event loop for a lock another process holds.
  // Writes wait for it on timers instead (whenUnlocked, the log writer); reads never wait in WAL.
  const opening = openStoreAt(config.dbPath, {
    busyTimeoutMs: 0,
    kvQuotas: config.kv,
    postgres: {
      env: options.secretEnv ?? {},
      password: config.store.password,
      secretValue: (name) => secrets.value(name),
      poolSize: config.store.poolSize,
      onBackgroundError: (message, error) => logger.warn(message, { error: String(error) }),
    },
  });
  // The sandbox processes boot (~110 ms each) while a database server is connected to.
  const pool = new SandboxPool({
    ...config.sandbox,
    spareMemoryMb: config.limits.defaultMemoryMb,
    logger,
    ...(options.sandboxEnv ? { extraEnv: options.sandboxEnv } : {}),
  });
  let store: StoreContract;
  try {
    store = await opening;
  } catch (error) {
    await pool.close();
    throw error;
  }
  let datasources: Datasources;
  try {
    datasources = createDatasources(config, { logger, secretValue: (name) => secrets.value(name), env: options.secretEnv ?? {} });
  } catch (error) {
    // A datasource the config names but that cannot be used: nothing may be left running.
    await Promise.all([pool.close(), store.close()]);
    throw error;
  }
  return engine(options, store, pool, secrets, datasources);
}

/** The engine on an open store: the persona scopes, warm-up and close. */
function engine(options: ChameleonOptions, store: StoreContract, pool: SandboxPool, secrets: SecretValues, datasources: Datasources) {
  const { config, logger } = options;
  const deps: ServiceDeps = {
    config,
    store,
    pool,
    validator: createArgumentValidator({ maxArgumentsBytes: config.payload.maxArgumentsBytes }),
    sourceMaps: new SourceMapCache(),
    logger,
    now: () => new Date(),
    newExecutionId: () => newExecutionId(),
    activeVersions: new Map(),
    secrets,
    upstreams: createUpstreams(config.upstreams, (name) => secrets.value(name), logger),
    datasources,
    log: createLogWriter(store, { lockWaitMs: config.store.lockWaitMs }),
    // Started on the first check of a TypeScript version, never at server start (loading TypeScript costs ~0.5 s).
    typeChecker: config.typecheck.enabled ? createTypeChecker({ ...config.typecheck, logger }) : null,
    closing: () => closing !== null,
  };
  /** A tenant's scope runs on the same engine with its own limits (tenants/effective-config.ts). */
  const depsWith = (personaConfig: Readonly<Config> | undefined): ServiceDeps => (personaConfig === undefined ? deps : { ...deps, config: personaConfig });
  const writes = createToolWriteTurns();
  const retention = startRetention(store, config, logger);
  /** A write in its tool's turn, then its type report awaited outside the turn (authoring.ts finishWrite). */
  const write = (persona: string, name: string, save: () => Promise<SavedWrite>) => track(writes.run(`${persona}/${name}`, save).then((saved) => finishWrite(deps, persona, saved)));
  let closing: Promise<void> | null = null;
  // Calls (and reads) in flight, so that close() lets each one write its log row (or finish
  // reading) before the store closes.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  return {
    config,
    /** Where the data is, fit to print (a PostgreSQL URL without its password). */
    storeLocation: store.location,
    forPersona(persona: string, personaConfig?: Readonly<Config>) {
      assertPersonaName(persona);
      const deps = depsWith(personaConfig);
      return {
        persona,
        createTool: (input: CreateToolInput) => write(persona, input.name, () => saveNewTool(deps, persona, input)),
        updateTool: (input: UpdateToolInput) => write(persona, input.name, () => saveUpdate(deps, persona, input)),
        editTool: (name: string, edits: readonly SourceEdit[], options?: GateOptions) => write(persona, name, () => saveEdit(deps, persona, name, edits, options)),
        // They may wait for a lock another process holds, so they take their turn like the
        // others: a rollback sent after an update is not overtaken by it once the lock goes.
        rollbackTool: (name: string, version: number) => track(writes.run(`${persona}/${name}`, () => rollbackTool(deps, persona, name, version))),
        deleteTool: (name: string) => track(writes.run(`${persona}/${name}`, () => deleteTool(deps, persona, name))),
        getTool: (name: string, version?: number) => track(getTool(deps, persona, name, version)),
        /** The declaration of ctx.mcp of a version (its upstreams asked for their tools), or null. */
        mcpDeclaration: (name: string, version?: number) => track(getTool(deps, persona, name, version)).then((details) => mcpDeclaration(details.capabilities, deps.upstreams)),
        listTools: () => track(listTools(deps, persona)),
        listToolsPage: (cursor: string | undefined, limit: number) => track(listToolsPage(deps, persona, cursor, limit)),
        listedToolsPage: (cursor: string | undefined, limit: number) => track(listedToolsPage(deps, persona, cursor, limit)),
        /** `progress`: where the call's ctx.progress goes, when the request asked for progress (progress-relay.ts). */
        runTool: (name: string, args: unknown, progress?: ProgressSink) => track(runTool(deps, persona, name, args, undefined, progress)),
        getLastError: (toolName?: string) => track(getLastError(deps, persona, toolName)),
        listExecutions: (query?: ExecutionQuery) => track(listExecutions(deps, persona, query)),
        /** Two versions compared (get_tool diff): defaults previous -> active. */
        diffVersions: (name: string, from?: number, to?: number) => track(diffVersions(deps.store, persona, name, from, to)),
        /** Failures grouped by fingerprint (list_executions group_by). */
        failureGroups: (query: FailureGroupsQuery) => track(failureGroupsSince(deps.store, persona, deps.now().getTime(), query)),
        getExecution: (id: string) => track(getExecution(deps, persona, id)),
        /** The calls made below an execution by the tools it called (ctx.tools). */
        callsBelow: (row: ExecutionRecord) => track(callsBelow(deps.store.executions, persona, row)),
        /** How many calls each root among `rows` led to. */
        nestedCounts: (rows: readonly ExecutionRecord[]) => track(nestedCounts(deps.store.executions, persona, rows)),
        /** Rows of the persona's log, counting at most `cap` (a tenant's logRows quota). */
        logRows: (cap: number) => track(deps.store.executions.countRows(persona, cap)),
      };
    },
    /**
     * Pays the one-time costs of a process's first create_tool ahead of it, each of which blocks
     * the event loop: ajv's first compile, the loading of swc's library, and esbuild's start
     * (compile.ts). (The meta-schema check is generated code: arguments.ts.) Writes nothing.
     */
    async warmUpAuthoring(): Promise<void> {
      deps.validator.checkSchema({ type: 'object', properties: {} });
      // Calls that arrived meanwhile go first: a call waits behind one step, not all of them.
      await nextTurn();
      await warmUpCompiler();
    },
    /**
     * Tools another process changed on the same store (a replica on the same PostgreSQL): the
     * server announces tools/list_changed to that persona's sessions (tool-changes.ts). Returns
     * the unsubscribe function.
     */
    onToolChange: (listener: (change: ToolChange) => void) => followToolChanges(store, deps.activeVersions, listener),
    /** Pids of the sandbox processes, for diagnostics and tests. */
    sandboxPids: () => pool.pids(),
    /**
     * Stops the sandbox processes (calls still running fail with kind internal), lets every
     * call write its log row, then closes the database. Safe to call twice.
     */
    close(): Promise<void> {
      // The checker with the pool: a write waiting for its type report is answered (unavailable) at once.
      closing ??= retention
        .stop()
        .then(() => Promise.all([pool.close(), deps.typeChecker?.close()]))
        .then(() => Promise.allSettled([...inFlight]))
        .then(() => deps.upstreams.close())
        .then(() => deps.datasources.close())
        .then(() => store.close());
      return closing;
    },
  };
}

export type Chameleon = Awaited<ReturnType<typeof createChameleon>>;
export type PersonaScope = ReturnType<Chameleon['forPersona']>;
