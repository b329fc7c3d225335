import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dir.js';
import { spawnCli } from '../unit/cli/program.js';

/**
 * `chameleon backup FILE` against a database a live engine holds open and has just written to
 * (its rows still in the -wal file), as an operator would run it next to `chameleon serve`.
 */
let engine: TestEngine;
const CALLS = 20;

beforeAll(async () => {
  engine = await startEngine();
  const scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'double', description: 'Doubles.', code: 'export default (a: { n: number }) => a.n * 2;' })).ok).toBe(true);
  for (let n = 0; n < CALLS; n++) expect(await scope.runTool('double', { n })).toMatchObject({ ok: true, result: n * 2 });
});
afterAll(() => engine.close());

function countsIn(file: string): { tools: number; executions: number; integrity: unknown } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      tools: Number(db.prepare('SELECT COUNT(*) FROM tools').pluck().get()),
      executions: Number(db.prepare('SELECT COUNT(*) FROM executions').pluck().get()),
      integrity: db.pragma('integrity_check', { simple: true }),
    };
  } finally {
    db.close();
  }
}

describe('chameleon backup', () => {
  it('backup writes a consistent copy with every row, while the engine still holds the database', () => {
    const destination = path.join(tempDir('chameleon-backup-'), 'copy.db');
    const run = spawnCli(['backup', destination, '--db', engine.dbPath]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Backed up .* to .*copy\.db \(\d+ pages\)/);
    // The copy stands alone (no -wal, no temporary file beside it), with every row in it.
    expect(fs.readdirSync(path.dirname(destination))).toEqual(['copy.db']);
    expect(countsIn(destination)).toEqual({ tools: 1, executions: CALLS, integrity: 'ok' });
  });

  it('backup refuses to overwrite a file, or to write over the database itself, and says what to do', () => {
    const destination = path.join(tempDir('chameleon-backup-'), 'taken.db');
    fs.writeFileSync(destination, 'precious');
    const taken = spawnCli(['backup', destination, '--db', engine.dbPath]);
    expect(taken.status).not.toBe(0);
    expect(taken.stderr).toMatch(/already exists: remove it or name a new file/);
    expect(fs.readFileSync(destination, 'utf8')).toBe('precious');
    const self = spawnCli(['backup', engine.dbPath, '--db', engine.dbPath]);
    expect(self.status).not.toBe(0);
    expect(self.stderr).toMatch(/another file than the database itself/);
  });

  it('backup says where to point --db when there is no database', () => {
    const dir = tempDir('chameleon-backup-');
    const missing = spawnCli(['backup', path.join(dir, 'copy.db'), '--db', path.join(dir, 'nope.db')]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/No database at .*nope\.db\. Pass --db FILE/);
    expect(fs.existsSync(path.join(dir, 'nope.db'))).toBe(false);
  });
});
