/** What `chameleon demo` does (declared in demo.ts, loaded when it runs). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { checkPersona } from './store-access.js';
import { createStory } from './demo-story.js';
import { DemoStepFailed, runDemoSteps, type DemoSession } from './demo-steps.js';
import { startForecastService } from './demo-world-script.js';
import { runWorldSteps } from './demo-world-steps.js';
import { SQL_DATASOURCE } from './demo-sql-script.js';
import { runSqlSteps } from './demo-sql-steps.js';
import { createDemoShop } from '../datasources/demo-shop.js';
import type { DemoEnvironment, DemoOptions } from './demo.js';
import type { Runtime } from './runtime.js';
import { createPalette, wantsColour } from './table.js';
import { terminalSafe } from '../terminal-text.js';

const REQUEST_TIMEOUT_MS = 30_000;
const STDERR_TAIL_CHARS = 8_000;

export async function runDemo(opts: DemoOptions, runtime: Runtime, env: DemoEnvironment = {}): Promise<number> {
  const persona = checkPersona(opts.persona);
  const palette = createPalette(wantsColour(runtime.stdout, runtime.env));
  const story = createStory(runtime.stdout, palette, 11);
  const tempDir = opts.db === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-demo-')) : null;
  const dbPath = path.resolve(opts.db ?? path.join(tempDir!, 'demo.db'));
  // The composition root may pass these; the defaults are this very node and package.
  const execPath = env.execPath ?? process.execPath;
  const binPath = env.binPath ?? fileURLToPath(new URL('../../bin/chameleon.js', import.meta.url));
  // The second act's forecast service, and a config that lets tools fetch from it alone.
  const service = await startForecastService();
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-demo-config-'));
  const configPath = path.join(configDir, 'config.json');
  // The third act's shop database, which the server reads as a read-only datasource.
  const shopPath = path.join(configDir, 'shop.db');
  createDemoShop(shopPath);
  fs.writeFileSync(configPath, JSON.stringify({ capabilities: { fetch: { allow: [`localhost:${service.port}`] } }, datasources: { [SQL_DATASOURCE]: { sqlite: shopPath } } }));
  const serverArgs = [binPath, 'serve', '--db', dbPath, '--persona', persona, '--config', configPath];

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
    await runWorldSteps(session, service);
    await runSqlSteps(session, shopPath);
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
    await service.close();
    fs.rmSync(configDir, { recursive: true, force: true });
  }

  if (code === 0) {
    story.blank();
    story.ok(palette.paint('bold', 'Every tool healed: broken code and a broken query located, fixed, right answers, every call and effect on record.'));
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
