import type { Upstreams } from '../capabilities/mcp/upstreams.js';
import type { Config } from '../config.js';
import type { Datasources } from '../datasources/index.js';
import type { VersionRecord } from '../model.js';
import type { Logger } from '../logger.js';
import type { SandboxPool } from '../sandbox-host/supervisor.js';
import type { StoreContract } from '../store/contract.js';
import type { TypeChecker } from '../typecheck/checker.js';
import type { SourceMapCache } from '../traceback/source-maps.js';
import type { ArgumentValidator } from './arguments.js';
import type { LogWriter } from './log-writer.js';
import type { SecretValues } from './secrets.js';

/** What the service rules work with; made once by createChameleon and shared by every persona. */
export interface ServiceDeps {
  config: Readonly<Config>;
  store: StoreContract;
  pool: SandboxPool;
  validator: ArgumentValidator;
  sourceMaps: SourceMapCache;
  logger: Logger;
  now: () => Date;
  newExecutionId: () => string;
  /** Group-committed writes of log rows. */
  log: LogWriter;
  /** True once the engine has begun to close: calls still running are being stopped. */
  closing(): boolean;
  /** Connections to the upstream MCP servers of the config, made on first use. */
  upstreams: Upstreams;
  /** The host's databases (config `datasources`), for SQL tools and ctx.sql (issue 16). */
  datasources: Datasources;
  /** The host's secrets, for the capabilities of calls (call-host.ts). */
  secrets: SecretValues;
  /** The TypeScript checker's worker (issue 17), or null when the config turns it off. */
  typeChecker: TypeChecker | null;
  /** Verified active versions by `persona/tool`, checked against the tool row on every call. */
  activeVersions: Map<string, VersionRecord>;
}
