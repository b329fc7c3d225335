/**
 * The composition root: the only module that reads argv and the environment and touches
 * `process`. Commands live in cli/ and get what they need through a Runtime.
 *
 * Keep this module's imports light: cli/<command>.ts only declares a command, and its work
 * (cli/<command>-run.ts, with the engine, the SDK, zod, SQLite) is imported when it runs, so
 * `chameleon serve` starts its sandbox processes sooner and `--version` stays quick.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { registerBackup } from './cli/backup.js';
import { registerDemo } from './cli/demo.js';
import { registerKv } from './cli/kv.js';
import { registerLogs } from './cli/logs.js';
import { registerPackages } from './cli/packages.js';
import { registerServe } from './cli/serve.js';
import { registerTenants } from './cli/tenants.js';
import { registerTools } from './cli/tools.js';
import { registerUi } from './cli/ui.js';
import type { Runtime } from './cli/runtime.js';
import { isAppError } from './errors.js';

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const runtime: Runtime = {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  homedir: os.homedir(),
  onShutdownSignal(handler) {
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => handler(signal));
  },
  protectStdout() {
    // Anything printed with console.log/info/debug would corrupt the JSON-RPC stream on stdout;
    // a dependency that prints goes to stderr instead. (Node binds console methods.)
    /* eslint-disable no-console -- re-pointing the console is the point here */
    console.log = console.error;
    console.info = console.error;
    console.debug = console.error;
    /* eslint-enable no-console */
  },
};

async function main(argv: string[]): Promise<number> {
  const version = packageVersion();
  let exitCode = 0;
  const program = new Command('chameleon')
    .description('An MCP server on which AI agents write, run and hot-patch their own tools.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const done = (code: number): void => {
    exitCode = code;
  };
  registerServe(program, runtime, version, done);
  registerLogs(program, runtime, done);
  registerTools(program, runtime, done);
  registerKv(program, runtime, done);
  registerPackages(program, runtime, done);
  registerBackup(program, runtime, done);
  registerUi(program, runtime, done);
  registerTenants(program, runtime, done);
  registerDemo(program, runtime, done);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isAppError(err)) {
      // Messages of AppErrors are written to be read; a stack adds nothing for the user.
      const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? ` (${err.cause.message})` : '';
      process.stderr.write(`chameleon: ${err.message}${err.kind === 'system' ? cause : ''}\n`);
      return err.kind === 'user' ? 2 : 1;
    }
    process.stderr.write(`chameleon: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
  return exitCode;
}

// No top-level await: the CLI is bundled as CommonJS (scripts/build.mjs, cli/cached-bundle.ts).
// Exit explicitly: a paused stdin or a lingering socket must not keep a finished server alive.
void main(process.argv).then((code) => process.exit(code));
