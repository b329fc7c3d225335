import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { privateRangeProblem } from './capabilities/egress/address-ranges.js';
import { patternProblem } from './capabilities/egress/host-patterns.js';
import { AppError } from './errors.js';
import { isPostgresUrl } from './store/location.js';
import { DEFAULT_KV_QUOTAS, NAME_PATTERN } from './model.js';
import { tenantProblems, TenantsSchema } from './tenants/schema.js';

/** A value of an upstream's env or headers: text, or the name of one of `secrets`. */
const CONFIG_VALUE = z.union([z.string().max(65_536), z.object({ secret: z.string().min(1).max(64) }).strict()]);

/** The machine's cores, between 2 and 8: the default parallelism of one tool's calls. */
const DEFAULT_PARALLEL_CALLS = Math.min(8, Math.max(2, os.availableParallelism()));

const KB = 1024;
const MB = 1024 * KB;

/**
 * Every setting Chameleon has, with its bounds. Parsed once by the composition root, frozen,
 * and passed down; nothing else reads argv or the environment. docs/configuration.md has the same table.
 */
export const ConfigSchema = z
  .object({
    dbPath: z.string().min(1),
    persona: z.string().regex(NAME_PATTERN, 'must match ^[a-z][a-z0-9_]{0,63}$').default('default'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    limits: z
      .object({
        defaultTimeoutMs: z.number().int().min(10).max(600_000).default(5_000),
        maxTimeoutMs: z.number().int().min(10).max(600_000).default(60_000),
        defaultMemoryMb: z.number().int().min(8).max(4_096).default(64),
        maxMemoryMb: z.number().int().min(8).max(4_096).default(512),
        /** Live tools one persona may have; create_tool and `tools import` refuse past it. */
        maxToolsPerPersona: z.number().int().min(1).max(1_000_000).default(10_000),
      })
      .strict()
      .prefault({}),
    payload: z
      .object({
        maxResultBytes: z.number().int().min(KB).max(64 * MB).default(MB),
        maxConsoleBytes: z.number().int().min(KB).max(16 * MB).default(64 * KB),
        maxSourceBytes: z.number().int().min(KB).max(16 * MB).default(256 * KB),
        maxArgumentsBytes: z.number().int().min(KB).max(64 * MB).default(MB),
      })
      .strict()
      .prefault({}),
    sandbox: z
      .object({
        processes: z.number().int().min(1).max(16).default(2),
        killGraceMs: z.number().int().min(50).max(60_000).default(100),
        rssFactor: z.number().min(1).max(64).default(4),
        maxIsolatesPerProcess: z.number().int().min(1).max(4_096).default(64),
        /**
         * Isolates one tool's calls may run in at once (issue 12). More than the machine's cores
         * only shares the same cores between more calls, each then running slower.
         */
        parallelCallsPerTool: z.number().int().min(1).max(64).default(DEFAULT_PARALLEL_CALLS),
        /** Calls of one tool that may wait for a free isolate; the next is refused as `overloaded`. */
        maxWaitingCallsPerTool: z.number().int().min(0).max(100_000).default(256),
      })
      .strict()
      .prefault({}),
    /**
     * The TypeScript checker of create/update (issue 17): advisory diagnostics in a worker
     * thread, off the event loop. A write waits for them at most `answerWaitMs` after the
     * version is saved (the version is live meanwhile); past it the answer says they are
     * pending and get_tool shows them once they come.
     */
    typecheck: z
      .object({
        enabled: z.boolean().default(true),
        answerWaitMs: z.number().int().min(0).max(60_000).default(5_000),
        /** A check's deadline in the worker (the first includes loading TypeScript); past it the worker is replaced. */
        timeoutMs: z.number().int().min(100).max(600_000).default(20_000),
        maxQueued: z.number().int().min(1).max(1_000).default(16),
        memoryMb: z.number().int().min(16).max(8_192).default(512),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        /**
         * How long a write (a call's log row, a new version) waits for a lock another process
         * holds on the database before failing with STORE_FAILURE. The wait is on timers: other
         * requests are answered meanwhile (issue 12). 0 fails at once.
         */
        lockWaitMs: z.number().int().min(0).max(600_000).default(10_000),
        /**
         * PostgreSQL (--db postgres://...): the password when neither the URL nor PGPASSWORD has
         * one, read from an environment variable or one of `secrets` (as datasources' password).
         */
        password: z.union([z.object({ env: z.string().min(1).max(200) }).strict(), z.object({ secret: z.string().min(1).max(64) }).strict()]).optional(),
        /** PostgreSQL: connections this server keeps open to the store's database. */
        poolSize: z.number().int().min(1).max(100).default(10),
      })
      .strict()
      .prefault({}),
    /**
     * Pruning the execution log in the background (store/retention.ts). Unset, the log grows
     * for ever, as before: deleting an audit trail is the host's decision.
     */
    retention: z
      .object({
        maxAgeDays: z.number().positive().max(36_500).optional(),
        maxRowsPerPersona: z.number().int().min(1).max(1_000_000_000).optional(),
        /** How often the server looks for rows to prune. */
        intervalMs: z.number().int().min(1_000).max(86_400_000).default(600_000),
        /** Rows deleted per transaction; the server answers between batches. */
        batchRows: z.number().int().min(1).max(100_000).default(500),
      })
      .strict()
      .prefault({}),
    /**
     * What tools may ask the server to do for them (issue 14). A tool's manifest
     * (capabilities.fetch) must stay within `fetch.allow`; the default allows nothing, so an
     * unconfigured server's tools reach no network.
     */
    capabilities: z
      .object({
        fetch: z
          .object({
            /** Host patterns tools may declare: `api.github.com`, `*.example.org`, `localhost:8080`, `*` (any public host). */
            allow: z.array(z.string().min(1).max(300)).max(1_000).default([]),
            /** Private address ranges (CIDR) tools may reach by a name that resolves there, e.g. `10.0.0.0/8`. */
            privateRanges: z.array(z.string().min(1).max(100)).max(1_000).default([]),
            maxRequestsPerCall: z.number().int().min(1).max(10_000).default(50),
            // The channel from the sandbox carries at most 16 MiB characters a request (sandbox/capabilities/host-requests.ts).
            maxRequestBytes: z.number().int().min(0).max(16 * MB).default(MB),
            maxResponseBytes: z.number().int().min(KB).max(256 * MB).default(5 * MB),
            /** Response bytes one call may receive over all its requests. */
            maxBytesPerCall: z.number().int().min(KB).max(1024 * MB).default(20 * MB),
            maxRedirects: z.number().int().min(0).max(20).default(5),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Secrets tools may use without seeing them: each is read from the server's environment
     * (`env`) and put into requests to its `hosts` only (patterns as in capabilities.fetch.allow).
     */
    secrets: z
      .record(
        z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'secret names are upper case: letters, digits and underscores, starting with a letter'),
        z.object({ env: z.string().min(1).max(200), hosts: z.array(z.string().min(1).max(300)).min(1).max(100) }).strict(),
      )
      .default({}),
    // ctx.kv (issue 14): what one tool's namespace may hold and one call may do. An entry
    // counts its key's and its value's UTF-8 bytes (model.ts KvQuotas).
    kv: z
      .object({
        maxValueBytes: z.number().int().min(KB).max(16 * MB).default(DEFAULT_KV_QUOTAS.maxValueBytes),
        maxKeysPerNamespace: z.number().int().min(1).max(10_000_000).default(DEFAULT_KV_QUOTAS.maxKeysPerNamespace),
        maxBytesPerNamespace: z.number().int().min(KB).max(16 * 1024 * MB).default(DEFAULT_KV_QUOTAS.maxBytesPerNamespace),
        maxOperationsPerCall: z.number().int().min(1).max(1_000_000).default(DEFAULT_KV_QUOTAS.maxOperationsPerCall),
      })
      .strict()
      .prefault({}),
    /**
     * Upstream MCP servers tools may call (`capabilities.mcp`, issue 15): a command to start
     * over stdio, or a Streamable HTTP URL. Values of `env` and `headers` are text or
     * `{ "secret": NAME }`, one of `secrets` (its value never reaches a tool).
     */
    upstreams: z
      .record(
        z.string().regex(NAME_PATTERN, 'upstream names must match ^[a-z][a-z0-9_]{0,63}$'),
        z.union([
          z
            .object({
              command: z.string().min(1).max(4_096),
              args: z.array(z.string().max(4_096)).max(256).optional(),
              env: z.record(z.string().min(1).max(256), CONFIG_VALUE).optional(),
              cwd: z.string().min(1).max(4_096).optional(),
            })
            .strict(),
          z.object({ url: z.url({ protocol: /^https?$/ }), headers: z.record(z.string().min(1).max(256), CONFIG_VALUE).optional() }).strict(),
        ]),
      )
      .default({}),
    /**
     * npm packages tools may import (issue 15). The compiler bundles what a tool imports from
     * `dir` (default: `<folder of dbPath>/packages/node_modules`, where `chameleon packages add`
     * installs), for packages named in `allow` only; their own dependencies come with them.
     */
    packages: z
      .object({
        dir: z.string().min(1).max(4_096).optional(),
        allow: z
          .array(z.string().regex(/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/, 'must be an npm package name, e.g. `csv-parse` or `@scope/name`').max(214))
          .max(1_000)
          .default([]),
        /** The largest compiled bundle: the tool's code with its libraries and packages, in bytes. */
        maxBundleBytes: z.number().int().min(KB).max(64 * MB).default(2 * MB),
      })
      .strict()
      .prefault({}),
    // ctx.tools (issue 15): one tool calling another. Each callee is a call of its own (own
    // isolate, limits, log row) that never outlives its caller's deadline; these bound a tree.
    tools: z
      .object({
        /** How deep calls may nest: the agent's call is depth 0, a tool it calls depth 1. */
        maxDepth: z.number().int().min(1).max(32).default(8),
        /** Calls of other tools one agent call may lead to, at every depth together. */
        maxCallsPerRoot: z.number().int().min(1).max(10_000).default(100),
        /** Calls of other tools one call may have running at once (the sandbox's own bound on requests is 64). */
        maxInFlightPerCall: z.number().int().min(1).max(64).default(16),
      })
      .strict()
      .prefault({}),
    /**
     * Databases SQL tools and ctx.sql read (issue 16): a SQLite file (opened read-only) or a
     * PostgreSQL URL (each query in a READ ONLY transaction; the role must not be able to reach
     * server files). None by default. A password is best given as `{ env }` or `{ secret }`.
     */
    datasources: z
      .record(
        z.string().regex(NAME_PATTERN, 'datasource names must match ^[a-z][a-z0-9_]{0,63}$'),
        z.union([
          z.object({ sqlite: z.string().min(1).max(4_096) }).strict(),
          z
            .object({
              postgres: z.string().min(1).max(4_096),
              password: z.union([z.object({ env: z.string().min(1).max(200) }).strict(), z.object({ secret: z.string().min(1).max(64) }).strict()]).optional(),
            })
            .strict(),
        ]),
      )
      .default({}),
    // Bounds of SQL tools and ctx.sql queries (issue 16); each query's time is its call's.
    sql: z
      .object({
        /** Rows a query returns; more are cut and the result says `truncated`. */
        maxRows: z.number().int().min(1).max(1_000_000).default(1_000),
        /** Bytes of a query's rows as JSON; the row past it is cut, with the rest. */
        maxBytes: z.number().int().min(KB).max(64 * MB).default(MB),
        /** SQLite: query processes per datasource (queries at once; each is a process ~30 MB). */
        sqliteProcesses: z.number().int().min(1).max(16).default(2),
        /** PostgreSQL: connections per datasource. */
        postgresPoolSize: z.number().int().min(1).max(64).default(4),
      })
      .strict()
      .prefault({}),
    /**
     * The regression gate (issue 17): before update_tool/edit_tool make a new version active,
     * it runs the tool's declared tests and replays recent successful calls against it.
     */
    gate: z
      .object({
        /** Distinct recent successful calls (by argument hash) of the active version replayed; 0 replays none. */
        replayCalls: z.number().int().min(0).max(200).default(20),
        /** The whole gate's time; cases still running then are stopped and refuse the version (force passes it). */
        timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
        /** Cases run at once (they share the tool's lanes with its live calls: sandbox.parallelCallsPerTool). */
        parallelism: z.number().int().min(1).max(16).default(2),
      })
      .strict()
      .prefault({}),
    /** `serve --http` only: agents known by their bearer tokens, each with its persona and quotas (tenants/schema.ts). */
    tenants: TenantsSchema,
    // `serve --http` only. Bounds what idle or hostile local clients can hold (issue 12).
    http: z
      .object({
        /** Open TCP connections at once; more are closed on accept. Each costs a descriptor. */
        maxConnections: z.number().int().min(1).max(65_536).default(256),
        /** A request's headers must arrive within this (slowloris), its body within requestTimeoutMs. */
        headersTimeoutMs: z.number().int().min(1_000).max(600_000).default(10_000),
        requestTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
        /** Sessions at once; a new one is refused (503), never allowed to evict one in use. */
        maxSessions: z.number().int().min(1).max(4_096).default(64),
        /** Sessions at once from one remote address (429 past it). */
        maxSessionsPerClient: z.number().int().min(1).max(4_096).default(32),
        /** A session with no request and no open stream for this long is closed. */
        sessionIdleMs: z.number().int().min(1_000).max(86_400_000).default(1_800_000),
        /**
         * No sessions: no Mcp-Session-Id is issued, so replicas behind a load balancer need no
         * affinity. Gives up cancellation and per-session streams (docs/http.md).
         */
        stateless: z.boolean().default(false),
        /** Single-request POSTs answered without the SDK's transport (src/mcp/http-routed.ts); false for the SDK's path throughout. */
        fastPath: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Patterns and ranges in the egress's own terms (src/capabilities/egress/), each with its path.
    const check = (path: Array<string | number>, problem: string | null) => {
      if (problem !== null) ctx.addIssue({ code: 'custom', path, message: problem });
    };
    c.capabilities.fetch.allow.forEach((p, i) => check(['capabilities', 'fetch', 'allow', i], patternProblem(p)));
    c.capabilities.fetch.privateRanges.forEach((r, i) => check(['capabilities', 'fetch', 'privateRanges', i], privateRangeProblem(r)));
    for (const [name, secret] of Object.entries(c.secrets)) secret.hosts.forEach((p, i) => check(['secrets', name, 'hosts', i], patternProblem(p)));
    for (const problem of tenantProblems(c.tenants, c)) check(problem.path, problem.message);
    // ctx.mcp.call(server, tool, args) takes that name.
    if (Object.hasOwn(c.upstreams, 'call')) check(['upstreams', 'call'], 'the name call is taken by ctx.mcp.call: choose another');
    for (const [name, source] of Object.entries(c.datasources)) {
      if (!('postgres' in source)) continue;
      check(['datasources', name, 'postgres'], /^postgres(ql)?:\/\/./.test(source.postgres) && URL.canParse(source.postgres) ? null : 'must be a URL postgres://user@host:port/database');
      const secret = source.password && 'secret' in source.password ? source.password.secret : null;
      if (secret !== null && !Object.hasOwn(c.secrets, secret)) check(['datasources', name, 'password'], `names the secret ${secret}, which is not in secrets`);
    }
    const storeSecret = c.store.password && 'secret' in c.store.password ? c.store.password.secret : null;
    if (storeSecret !== null && !Object.hasOwn(c.secrets, storeSecret)) check(['store', 'password'], `names the secret ${storeSecret}, which is not in secrets`);
    for (const [name, upstream] of Object.entries(c.upstreams)) {
      const values = 'command' in upstream ? { env: upstream.env } : { headers: upstream.headers };
      for (const [field, record] of Object.entries(values)) {
        for (const [key, value] of Object.entries(record ?? {})) {
          if (typeof value !== 'string' && !Object.hasOwn(c.secrets, value.secret)) {
            check(['upstreams', name, field, key], `names the secret ${value.secret}, which is not in secrets`);
          }
        }
      }
    }
  })
  .refine((c) => c.http.headersTimeoutMs <= c.http.requestTimeoutMs, {
    message: 'http.headersTimeoutMs must not exceed http.requestTimeoutMs',
    path: ['http', 'headersTimeoutMs'],
  })
  .refine((c) => c.limits.defaultTimeoutMs <= c.limits.maxTimeoutMs, {
    message: 'limits.defaultTimeoutMs must not exceed limits.maxTimeoutMs',
    path: ['limits', 'defaultTimeoutMs'],
  })
  .refine((c) => c.kv.maxValueBytes <= c.kv.maxBytesPerNamespace, {
    message: 'kv.maxValueBytes must not exceed kv.maxBytesPerNamespace',
    path: ['kv', 'maxValueBytes'],
  })
  .refine((c) => c.limits.defaultMemoryMb <= c.limits.maxMemoryMb, {
    message: 'limits.defaultMemoryMb must not exceed limits.maxMemoryMb',
    path: ['limits', 'defaultMemoryMb'],
  });

export type Config = z.infer<typeof ConfigSchema>;

/** The packages folder: `packages.dir` as an absolute path, or the default beside the database. */
export function packagesDir(config: Pick<Config, 'dbPath' | 'packages'>): string {
  if (config.packages.dir !== undefined) return path.resolve(config.packages.dir);
  // A database server has no folder beside it: each machine keeps its packages in the home folder.
  const beside = isPostgresUrl(config.dbPath) ? path.join(os.homedir(), '.chameleon') : path.dirname(path.resolve(config.dbPath));
  return path.join(beside, 'packages', 'node_modules');
}
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Parses and freezes configuration; every problem is reported with its path. */
export function parseConfig(input: unknown): Readonly<Config> {
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new AppError('INVALID_CONFIG', `Invalid configuration: ${problems}.`, { cause: parsed.error });
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
