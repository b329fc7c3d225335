/**
 * Store errors say what is wrong and what to do, and promise a retry only where one can help
 * (issue 12, item 9). Faults are made for real where a test running as root can make them: a
 * damaged file, a folder as the database, a file under a file go through openStore and the
 * Store; a read-only connection, a full database (max_page_count) and a held lock are made on a
 * raw better-sqlite3 connection, and the SqliteError it throws is fed to toStoreError. An I/O
 * error and EACCES (root passes every permission check) cannot be produced here: they are
 * built with better-sqlite3's own SqliteError class and as Node's errno-shaped error.
 */
import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';

import type { AppError } from '../../../src/errors.js';
import { toStoreError } from '../../../src/store/guard.js';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { catchAppError, openTempStore, rawConnection, snapshot } from './fixtures.js';

const RETRY_SHORTLY = /try again shortly/;

/** The SqliteError (or other error) `fn` throws on a raw connection. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

/** A database file with one table of a few rows, closed. */
function smallDatabase(): string {
  const file = path.join(tempDir('chameleon-fault-'), 'chameleon.db');
  const db = new Database(file);
  db.exec('CREATE TABLE t (x)');
  db.close();
  return file;
}

function expectAdvice(error: AppError, advice: RegExp, retry: 'retry' | 'no retry'): void {
  expect(error.code).toBe('STORE_FAILURE');
  expect(error.kind).toBe('system');
  expect(error.message).toMatch(advice);
  expect(error.message).not.toMatch(RETRY_SHORTLY);
  if (retry === 'no retry') expect(error.message).toMatch(/Retrying (the same request )?will not help/);
  else expect(error.message).toMatch(/retry/i);
}

describe('store errors (real faults through openStore and the Store)', () => {
  it('openStore() says to restore from a backup when the file is not a database', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const error = catchAppError(() => openStore(file));
    expect(error.message).toMatch(/SQLITE_NOTADB/);
    expectAdvice(error, /damaged or is not a Chameleon database.*restore the file from a backup.*chameleon tools export/, 'no retry');
  });

  it('a read says to restore from a backup when pages of a real database were overwritten', () => {
    const { store, file } = openTempStore();
    for (let i = 0; i < 40; i++) store.tools.create('alice', `tool_${i}`, snapshot({ source: `export default () => ${i}; // ${'x'.repeat(2000)}` }));
    store.close();
    // Keep the header page (so the file still opens), garble everything after it.
    const bytes = fs.readFileSync(file);
    for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    fs.writeFileSync(file, bytes);
    const error = catchAppError(() => {
      const damaged = openStore(file);
      onTestFinished(() => {
        damaged.close();
      });
      damaged.tools.list('alice');
    });
    expect(error.message).toMatch(/SQLITE_CORRUPT/);
    expectAdvice(error, /restore the file from a backup/, 'no retry');
  });

  it('openStore() says to check the path and permissions when --db names a folder', () => {
    const error = catchAppError(() => openStore(tempDir()));
    expect(error.message).toMatch(/SQLITE_CANTOPEN/);
    expectAdvice(error, /names a file \(not a folder\).*may read and write/, 'no retry');
  });

  it('openStore() says to check the path when a file stands where its folder should be', () => {
    const file = path.join(tempDir(), 'plain-file');
    fs.writeFileSync(file, 'x');
    const error = catchAppError(() => openStore(path.join(file, 'chameleon.db')));
    expect(error.message).toMatch(/ENOTDIR|EEXIST/);
    expectAdvice(error, /cannot be opened/, 'no retry');
  });

  it('a closed store says the server is shutting down', () => {
    const { store } = openTempStore();
    store.close();
    const error = catchAppError(() => store.tools.list('alice'));
    expect(error.message).toMatch(/shutting down/);
    expect(error.message).not.toMatch(RETRY_SHORTLY);
  });
});

describe('toStoreError() (real SqliteErrors from raw connections)', () => {
  it('says to make the file writable for SQLITE_READONLY', () => {
    const file = smallDatabase();
    const readonly = new Database(file, { readonly: true });
    onTestFinished(() => {
      readonly.close();
    });
    const cause = thrownBy(() => readonly.exec('INSERT INTO t VALUES (1)'));
    expect(cause).toMatchObject({ code: 'SQLITE_READONLY' });
    expectAdvice(toStoreError('save the new version', cause), /read-only.*writable by the user running Chameleon/, 'no retry');
  });

  it('says to free disk space for SQLITE_FULL', () => {
    const db = rawConnection(smallDatabase());
    db.pragma('max_page_count = 3');
    const cause = thrownBy(() => db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(100_000)));
    expect(cause).toMatchObject({ code: 'SQLITE_FULL' });
    expectAdvice(toStoreError('record the execution', cause), /disk \(or quota\) holding the database is full.*free disk space/, 'no retry');
  });

  it('says to retry for SQLITE_BUSY, a lock held by another connection', () => {
    const file = smallDatabase();
    rawConnection(file).exec('BEGIN IMMEDIATE');
    const impatient = new Database(file, { timeout: 0 });
    onTestFinished(() => {
      impatient.close();
    });
    const cause = thrownBy(() => impatient.exec('INSERT INTO t VALUES (1)'));
    expect(cause).toMatchObject({ code: 'SQLITE_BUSY' });
    expectAdvice(toStoreError('create the tool', cause), /transient: retry in a few seconds/, 'retry');
  });
});

describe('toStoreError() (faults root cannot produce, built the way they arrive)', () => {
  it('says an I/O error may be transient: retry once, then check the disk', () => {
    const cause = new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE');
    expectAdvice(toStoreError('record the execution', cause), /I\/O error.*retry once.*check the disk/, 'retry');
  });

  it('says to check permissions for EACCES on the database folder', () => {
    const cause = Object.assign(new Error("EACCES: permission denied, mkdir '/srv/chameleon'"), { code: 'EACCES', errno: -13, syscall: 'mkdir' });
    expectAdvice(toStoreError('open the database at /srv/chameleon/chameleon.db', cause), /may read and write/, 'no retry');
  });

  it('keeps a neutral message, without a promise, for an error it does not know', () => {
    const error = toStoreError('read the tool', new Error('something odd'));
    expect(error.message).toBe('The tool store could not read the tool: something odd. This is a fault on the server, not in your request; the server log has the details.');
  });
});
