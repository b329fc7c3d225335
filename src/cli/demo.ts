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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Option, type Command } from 'commander';

import { checkPersona } from './store-access.js';
import { createStory } from './demo-story.js';
import { DemoStepFailed, runDemoSteps, type DemoSession } from './demo-steps.js';
import type { Runtime } from './runtime.js';
import { createPalette, wantsColour } from './table.js';
import { terminalSafe } from './terminal-text.js';

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

const REQUEST_TIMEOUT_MS = 30_000;
const STDERR_TAIL_CHARS = 8_000;

export function registerDemo(program: Command, runtime: Runtime, done: (code: number) => void, env: DemoEnvironment = {}): void {
  program
    .command('demo')
    .description('Watch an agent write a tool, hit its bug, read the traceback and hot-patch it, against a real server over stdio.')
    .option('--db <file>', 'use this database instead of a throwaway one (it is kept)')
    .option('--keep', 'keep the throwaway database and print its path')
    .addOption(new Option('--persona <name>', 'the persona the demo agent works as').default('default'))
    .action(async (opts: DemoOptions) => done(await runDemo(opts, runtime, env)));
}

export async function runDemo(opts: DemoOptions, runtime: Runtime, env: DemoEnvironment = {}): Promise<number> {
  const persona = checkPersona(opts.persona);
  const palette = createPalette(wantsColour(runtime.stdout, runtime.env));
  const story = createStory(runtime.stdout, palette, 7);
  const tempDir = opts.db === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-demo-')) : null;
  const dbPath = path.resolve(opts.db ?? path.join(tempDir!, 'demo.db'));
  // The composition root may pass these; the defaults are this very node and package.
  const execPath = env.execPath ?? process.execPath;
  const binPath = env.binPath ?? fileURLToPath(new URL('../../bin/chameleon.js', import.meta.url));
  const serverArgs = [binPath, 'serve', '--db', dbPath, '--persona', persona];

  const transport = new StdioClientTransport({ command: execPath, args: serverArgs, stderr: 'pipe' });
  let serverLog = '';
  transport.stderr?.on('data', (chunk: Buffer | string) => {
    serverLog = (serverLog + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  const client = new Client({ name: 'chameleon-demo-agent', version: '1.0.0' }, { capabilities: {} });
  let listChanged = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listChanged += 1;
  });

  let interrupted = false;
  runtime.onShutdownSignal(() => {
    interrupted = true;
    void transport.close();
  });

  story.title('Chameleon demo: an agent writes a tool, hits its bug, reads the traceback and hot-patches it.');
  let code = 0;
  try {
    story.step('Start the server and connect as an MCP client over stdio');
    story.say(palette.paint('dim', `$ chameleon ${serverArgs.slice(1).join(' ')}`));
    await client.connect(transport);
    const session: DemoSession = {
      client,
      story,
      palette,
      persona,
      timeoutMs: REQUEST_TIMEOUT_MS,
      listChangedCount: () => listChanged,
      serverPid: () => transport.pid,
    };
    await runDemoSteps(session);
  } catch (err) {
    code = 1;
    story.blank();
    if (interrupted) story.fail('Interrupted.');
    else if (err instanceof DemoStepFailed) story.fail(`The demo went differently than scripted: ${err.message}`);
    else story.fail(`The demo failed: ${terminalSafe(err instanceof Error ? err.message : String(err), { max: 2_000 })}`);
    if (!interrupted && serverLog.trim() !== '') {
      story.say('Server stderr (last lines):');
      story.show(serverLog.trim().split('\n').slice(-30).join('\n'));
    }
  } finally {
    // Closing stdin asks the server to shut down; the SDK escalates to SIGTERM/SIGKILL if needed.
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
  }

  if (code === 0) {
    story.blank();
    story.ok(palette.paint('bold', 'The tool healed: same name, new version, right answer, full audit trail.'));
  }
  if (tempDir !== null && !opts.keep) {
    fs.rmSync(tempDir, { recursive: true, force: true });
  } else {
    const personaFlag = persona === 'default' ? '' : ` --persona ${persona}`;
    story.say(`The database is kept at ${dbPath}`);
    story.say(palette.paint('dim', `Look around: chameleon logs --db ${dbPath}${personaFlag}   |   chameleon tools show fibonacci --db ${dbPath}${personaFlag}`));
  }
  return interrupted ? 130 : code;
}
