import { Option, type Command } from 'commander';
import { sandboxExtraEnv, startSandboxEarly } from '../sandbox-host/early-start.js';
import { DEFAULT_HTTP_PORT } from './http-address.js';
import type { Runtime } from './runtime.js';

export interface ServeOptions {
  db?: string;
  persona: string;
  http?: string | true;
  token?: string;
  /** Where `token` came from (commander's value source: 'cli' for argv). Set by the action. */
  tokenSource?: string;
  tokenFile?: string;
  allowHost?: string[];
  allowOrigin?: string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  config?: string;
  /** HTTP: also serve the web console at /ui (read-only; behind the token when there is one). */
  ui?: boolean;
  /** `name=file.db`: a SQLite datasource, read-only (issue 16). */
  datasource?: string[];
}

export function registerServe(program: Command, runtime: Runtime, version: string, done: (code: number) => void): void {
  program
    .command('serve')
    .description('Serve MCP over stdio (default) or Streamable HTTP. Logs go to stderr; over stdio, stdout carries only the protocol.')
    .addOption(new Option('--db <file|url>', 'SQLite database file (created if missing), or postgres://user@host:port/db for replicas on one PostgreSQL [default: ~/.chameleon/chameleon.db]').env('CHAMELEON_DB'))
    .addOption(new Option('--persona <name>', 'the persona this server serves; it sees only its own tools and log').env('CHAMELEON_PERSONA').default('default'))
    .addOption(
      new Option('--http [address]', `serve Streamable HTTP at [HOST:]PORT on path /mcp instead of stdio (default 127.0.0.1:${DEFAULT_HTTP_PORT}; port 0 picks a free one)`),
    )
    .addOption(new Option('--token <token>', 'HTTP bearer token; required unless bound to loopback. Prefer CHAMELEON_TOKEN or --token-file: argv is visible to other users').env('CHAMELEON_TOKEN'))
    .addOption(new Option('--token-file <file>', 'read the HTTP bearer token from this file (surrounding whitespace ignored)').env('CHAMELEON_TOKEN_FILE'))
    .addOption(new Option('--allow-host <host...>', 'HTTP: also accept these Host headers (name:port)'))
    .addOption(new Option('--allow-origin <origin...>', 'HTTP: also accept requests from these browser Origins'))
    .addOption(new Option('--ui', 'HTTP: also serve the web console at /ui, read-only, behind the same token (a login form sets a cookie)'))
    .addOption(new Option('--config <file>', 'JSON file with limits, payload and sandbox settings (see docs/configuration.md)').env('CHAMELEON_CONFIG'))
    .addOption(new Option('--datasource <name=file...>', 'a SQLite database SQL tools and ctx.sql may read, opened read-only (repeatable; config `datasources` for PostgreSQL)'))
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['debug', 'info', 'warn', 'error', 'silent']).env('CHAMELEON_LOG_LEVEL').default('info'))
    .action(async (opts: ServeOptions, command: Command) => {
      opts.tokenSource = command.getOptionValueSource('token');
      // The first sandbox process boots while the rest of the server loads (early-start.ts).
      startSandboxEarly(sandboxExtraEnv(runtime.env));
      // Loaded on use: the engine and the SDK cost ~0.5 s to import, which --help and the
      // other commands should not pay.
      const { serve } = await import('./serve-run.js');
      done(await serve(opts, runtime, version));
    });
}

