import { setImmediate as nextTurn } from 'node:timers/promises';
import { warmUpCompiler } from '../compiler/compile.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ExecutionQuery, ExecutionRecord } from '../model.js';
import { SandboxPool } from '../sandbox-host/supervisor.js';
import { openStore } from '../store/index.js';
import { SourceMapCache } from '../traceback/source-maps.js';
import { createArgumentValidator } from './arguments.js';
import { getExecution, getLastError, listExecutions } from './audit.js';
import { callsBelow, nestedCounts } from './call-trace.js';
import { createTool, deleteTool, editTool, getTool, listedToolsPage, listTools, listToolsPage, rollbackTool, updateTool, type CreateToolInput, type GateOptions, type UpdateToolInput } from './authoring.js';
import type { SourceEdit } from './source-edits.js';
import type { ServiceDeps } from './deps.js';
import { createLogWriter } from './log-writer.js';
import { newExecutionId } from './ids.js';
import { assertPersonaName } from './names.js';
import type { ProgressSink } from './progress-relay.js';
import { startRetention } from './retention.js';
import { runTool } from './running.js';
import { loadSecretValues } from './secrets.js';
import { mcpDeclaration } from './mcp-declarations.js';
import { createUpstreams } from '../capabilities/mcp/upstreams.js';
import { createToolWriteTurns } from './tool-writes.js';
import { createDatasources, type Datasources } from '../datasources/index.js';

/**
 * The engine: one store, one pool of sandbox processes, and the rules. Everything a client
 * does goes through a persona scope, so a persona can only ever touch its own tools and log.
 */
export function createChameleon(options: {
  config: Readonly<Config>;
  logger: Logger;
  sandboxEnv?: Record<string, string>;
  /** Where the secrets' values are read from (config `secrets`): the server's environment. */
  secretEnv?: Readonly<Record<string, string | undefined>>;
}) {
  const { config, logger } = options;
  // No busy timeout: SQLite would sleep on the event loop for a lock another process holds.
  // Writes wait for it on timers instead (whenUnlocked, the log writer); reads never wait in WAL.
  const store = openStore(config.dbPath, { busyTimeoutMs: 0, kvQuotas: config.kv });
  const pool = new SandboxPool({
    ...config.sandbox,
    spareMemoryMb: config.limits.defaultMemoryMb,
    logger,
    ...(options.sandboxEnv ? { extraEnv: options.sandboxEnv } : {}),
  });
  const secrets = loadSecretValues(config.secrets, options.secretEnv ?? {}, logger);
  let datasources: Datasources;
  try {
    datasources = createDatasources(config, { logger, secretValue: (name) => secrets.value(name), env: options.secretEnv ?? {} });
  } catch (error) {
    // A datasource the config names but that cannot be used: nothing may be left running.
    void pool.close();
    store.close();
    throw error;
  }
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
    closing: () => closing !== null,
  };
  const writes = createToolWriteTurns();
  const retention = startRetention(store, config, logger);
  let closing: Promise<void> | null = null;
  // Calls in flight, so that close() lets each one write its log row before the store closes.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  return {
    config,
    forPersona(persona: string) {
      assertPersonaName(persona);
      return {
        persona,
        createTool: (input: CreateToolInput) => track(writes.run(`${persona}/${input.name}`, () => createTool(deps, persona, input))),
        updateTool: (input: UpdateToolInput) => track(writes.run(`${persona}/${input.name}`, () => updateTool(deps, persona, input))),
        editTool: (name: string, edits: readonly SourceEdit[], options?: GateOptions) => track(writes.run(`${persona}/${name}`, () => editTool(deps, persona, name, edits, options))),
        // They may wait for a lock another process holds, so they take their turn like the
        // others: a rollback sent after an update is not overtaken by it once the lock goes.
        rollbackTool: (name: string, version: number) => track(writes.run(`${persona}/${name}`, () => rollbackTool(deps, persona, name, version))),
        deleteTool: (name: string) => track(writes.run(`${persona}/${name}`, () => deleteTool(deps, persona, name))),
        getTool: (name: string, version?: number) => getTool(deps, persona, name, version),
        /** The declaration of ctx.mcp of a version (its upstreams asked for their tools), or null. */
        mcpDeclaration: (name: string, version?: number) => mcpDeclaration(getTool(deps, persona, name, version).capabilities, deps.upstreams),
        listTools: () => listTools(deps, persona),
        listToolsPage: (cursor: string | undefined, limit: number) => listToolsPage(deps, persona, cursor, limit),
        listedToolsPage: (cursor: string | undefined, limit: number) => listedToolsPage(deps, persona, cursor, limit),
        /** `progress`: where the call's ctx.progress goes, when the request asked for progress (progress-relay.ts). */
        runTool: (name: string, args: unknown, progress?: ProgressSink) => track(runTool(deps, persona, name, args, undefined, progress)),
        getLastError: (toolName?: string) => getLastError(deps, persona, toolName),
        listExecutions: (query?: ExecutionQuery) => listExecutions(deps, persona, query),
        getExecution: (id: string) => getExecution(deps, persona, id),
        /** The calls made below an execution by the tools it called (ctx.tools). */
        callsBelow: (row: ExecutionRecord) => callsBelow(deps.store.executions, persona, row),
        /** How many calls each root among `rows` led to. */
        nestedCounts: (rows: readonly ExecutionRecord[]) => nestedCounts(deps.store.executions, persona, rows),
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
    /** Pids of the sandbox processes, for diagnostics and tests. */
    sandboxPids: () => pool.pids(),
    /**
     * Stops the sandbox processes (calls still running fail with kind internal), lets every
     * call write its log row, then closes the database. Safe to call twice.
     */
    close(): Promise<void> {
      closing ??= retention
        .stop()
        .then(() => pool.close())
        .then(() => Promise.allSettled([...inFlight]))
        .then(() => deps.upstreams.close())
        .then(() => deps.datasources.close())
        .then(() => store.close());
      return closing;
    },
  };
}

export type Chameleon = ReturnType<typeof createChameleon>;
export type PersonaScope = ReturnType<Chameleon['forPersona']>;
