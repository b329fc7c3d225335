/**
 * `chameleon demo` (also `npm run demo`): the self-healing loop, end to end, as a story.
 *
 * It starts the real server (`node bin/chameleon.js serve`, the launcher users run) as a child
 * process and drives it over stdio with the MCP SDK client as a scripted agent: create a
 * TypeScript tool with a bug, call it, read get_last_error, patch it with update_tool, call it
 * again and check the answer, then read the audit trail. Every step checks what came back
 * (structuredContent, not prose); the first surprise stops the demo with exit code 1 and the
 * server's stderr. A throwaway database is used and removed unless --db or --keep says otherwise.
 *
 * Wiring (src/cli.ts): `registerDemo(program, runtime, (code) => (exitCode = code));`
 * (optionally with `{ execPath: process.execPath }` as a fourth argument).
 */
import { Option, type Command } from 'commander';

import type { Runtime } from './runtime.js';

export interface DemoOptions {
  db?: string;
  keep?: boolean;
  persona: string;
}

export interface DemoEnvironment {
  /** The node binary that runs the server; default: the one running this CLI. */
  execPath?: string;
  /** The launcher to start; default: this package's bin/chameleon.js. */
  binPath?: string;
}

export function registerDemo(program: Command, runtime: Runtime, done: (code: number) => void, env: DemoEnvironment = {}): void {
  program
    .command('demo')
    .description('Watch an agent write a tool, hit its bug, read the traceback and hot-patch it, against a real server over stdio.')
    .option('--db <file>', 'use this database instead of a throwaway one (it is kept)')
    .option('--keep', 'keep the throwaway database and print its path')
    .addOption(new Option('--persona <name>', 'the persona the demo agent works as').default('default'))
    .action(async (opts: DemoOptions) => {
      // Loaded on use: the SDK client is for the demo alone.
      const { runDemo } = await import('./demo-run.js');
      done(await runDemo(opts, runtime, env));
    });
}
