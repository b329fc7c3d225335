import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type ConfigInput } from '../../src/config.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { createChameleon, type Chameleon } from '../../src/service/index.js';

export interface TestEngine {
  app: Chameleon;
  dbPath: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * A real engine (sandbox processes, SQLite file in a temp dir). Call close() in afterAll.
 * With `dbPath`, the engine opens that database instead (a restart, or a second server with
 * another config on the same file), and close() leaves the file where it is. `logger` sees
 * what the server would write to stderr (silent by default).
 */
export async function startEngine(overrides: Partial<ConfigInput> = {}, options: { secretEnv?: Record<string, string>; dbPath?: string; logger?: Logger } = {}): Promise<TestEngine> {
  const dir = options.dbPath === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-engine-')) : path.dirname(options.dbPath);
  const dbPath = options.dbPath ?? path.join(dir, 'chameleon.db');
  let app: Chameleon;
  try {
    app = await createChameleon({
      config: parseConfig({ dbPath, sandbox: { processes: 1 }, ...overrides }),
      logger: options.logger ?? silentLogger,
      ...(options.secretEnv ? { secretEnv: options.secretEnv } : {}),
    });
  } catch (error) {
    if (options.dbPath === undefined) fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    app,
    dbPath,
    dir,
    async close() {
      await app.close();
      if (options.dbPath === undefined) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Object schema shorthand for tests. */
export const anyObject = { type: 'object' } as const;
