/**
 * Another process holding a SQLite database's write lock, as a backup job, the sqlite3 shell or
 * a second server would: a real node child with its own better-sqlite3 connection. It takes the
 * lock with `BEGIN <mode>`, writes a row (so the lock is a writer's, not just a reservation),
 * and commits only when told to, or when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { tempDir } from './temp-dir.js';

const SCRIPT = `
const Database = require(process.argv[2]);
const db = new Database(process.argv[3], { timeout: 10000 });
db.exec('BEGIN ' + process.argv[4]);
db.exec('CREATE TABLE IF NOT EXISTS lock_holder (at TEXT); INSERT INTO lock_holder VALUES (datetime())');
process.stdout.write('locked\\n');
process.stdin.once('data', () => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\\n');
  process.exit(0);
});
`;

export interface LockHolder {
  /** Commits (ending the lock) and waits for the process to exit. Safe to call twice. */
  release(): Promise<void>;
  /** performance.now() when the lock was released, or null while it is held. */
  releasedAt(): number | null;
}

/** Starts a process holding `file`'s write lock; resolves once it holds it. */
export async function holdWriteLock(file: string, mode: 'IMMEDIATE' | 'EXCLUSIVE' = 'IMMEDIATE'): Promise<LockHolder> {
  const script = path.join(tempDir('chameleon-lock-'), 'hold-lock.cjs');
  fs.writeFileSync(script, SCRIPT);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const child: ChildProcess = spawn(process.execPath, [script, driver, file, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('locked\n')) resolve();
    });
    void exited.then(() => reject(new Error(`the lock holder exited before taking the lock: ${stderr}`)));
  });
  let releasedAt: number | null = null;
  let releasing: Promise<void> | null = null;
  return {
    release() {
      releasing ??= (async () => {
        child.stdin!.end('release\n');
        await exited;
        releasedAt = performance.now();
        if (!output.includes('released')) throw new Error(`the lock holder did not commit: ${stderr}`);
      })();
      return releasing;
    },
    releasedAt: () => releasedAt,
  };
}
