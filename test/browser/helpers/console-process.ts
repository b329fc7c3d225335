/** `chameleon ui` as a child process (the built CLI), and the fixture database it reads. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { BIN, ROOT, spawnCli, waitFor, type Spawned } from '../../e2e/helpers/cli.js';
import { buildConsoleFixture } from './fixture.js';

export { BIN, ROOT };

export interface ConsoleProcess extends Spawned {
  /** `http://127.0.0.1:PORT/ui/` */
  url: string;
  origin: string;
  stop(): Promise<void>;
}

export async function startConsole(db: string, args: string[] = [], env: Record<string, string> = {}): Promise<ConsoleProcess> {
  const spawned = spawnCli(['ui', '--db', db, '--port', '0', ...args], env);
  try {
    const url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/ui\/)/.exec(spawned.stderr())?.[1], 15_000, () => `the console did not start; stderr:\n${spawned.stderr()}`);
    return {
      ...spawned,
      url,
      origin: new URL(url).origin,
      async stop() {
        spawned.child.kill('SIGTERM');
        const timer = setTimeout(() => spawned.kill(), 5_000);
        await spawned.exited;
        clearTimeout(timer);
      },
    };
  } catch (err) {
    spawned.kill();
    throw err;
  }
}

/** A temp folder with the fixture database, filled by the real server. */
export async function fixtureDatabase(): Promise<{ dir: string; db: string; remove(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-console-'));
  const db = path.join(dir, 'console.db');
  await buildConsoleFixture(BIN, db, ROOT);
  return { dir, db, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
