import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const child = fileURLToPath(new URL('../fixtures/durability-child.mjs', import.meta.url));

describe('execution log durability', () => {
  it('keeps every call that returned, and a sound database, when the process is SIGKILLed mid-run', async () => {
    const dbPath = path.join(tempDir(), 'durable.db');
    const proc = spawn(process.execPath, ['--no-node-snapshot', child, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const returned: string[] = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`child exited early with ${String(code)}`)));
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('RETURNED ')) returned.push(line.slice(9));
        if (returned.length >= 200 && !proc.killed) {
          proc.kill('SIGKILL'); // In the middle of a stream of calls, some of them in flight.
          resolve();
        }
      });
    });
    await new Promise((r) => proc.once('close', r));

    const store = openStore(dbPath);
    try {
      const missing = returned.filter((id) => !store.executions.get('default', id));
      expect(missing).toEqual([]);
      const rows = store.executions.list('default', { limit: 1000 });
      expect(rows.some((r) => r.status === 'FAILURE' && r.errorMessage?.startsWith('odd'))).toBe(true);
    } finally {
      store.close();
    }
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 60_000);
});
