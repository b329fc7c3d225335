import path from 'node:path';

import Database from 'better-sqlite3';
import { onTestFinished } from 'vitest';

import { AppError } from '../../../src/errors.js';
import type { ExecutionRecord, VersionSnapshot } from '../../../src/model.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A clock that moves one second per reading, from 2026-11-30T20:00:00.000Z. */
export function steppingClock(start = Date.parse('2026-11-30T20:00:00.000Z')): () => Date {
  let next = start;
  return () => {
    const at = new Date(next);
    next += 1000;
    return at;
  };
}

/** A store on a fresh file in a temp dir, closed when the test finishes. */
export function openTempStore(): { store: Store; file: string } {
  const file = path.join(tempDir('chameleon-store-'), 'chameleon.db');
  const store = openStore(file, { now: steppingClock() });
  onTestFinished(() => {
    store.close();
  });
  return { store, file };
}

/** A second, raw connection to the same file, for tampering and inspection. */
export function rawConnection(file: string): Database.Database {
  const db = new Database(file);
  onTestFinished(() => {
    db.close();
  });
  return db;
}

export function snapshot(overrides: Partial<VersionSnapshot> = {}): VersionSnapshot {
  return {
    description: 'Adds two numbers.',
    inputSchema: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    },
    language: 'typescript',
    limits: { timeoutMs: 1000, memoryMb: 64 },
    source: 'export default ({ a, b }: { a: number; b: number }) => a + b;\n',
    compiledJs: 'module.exports.default = ({ a, b }) => a + b;\n',
    sourceMap: '{"version":3,"sources":["add.ts"],"names":[],"mappings":"AAAA"}',
    capabilities: {},
    ...overrides,
  };
}

let counter = 0;

/** A successful call row; ids are unique within the test process. */
export function execution(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  counter += 1;
  return {
    id: `exec-${String(counter)}`,
    timestamp: '2026-11-30T20:00:00.000Z',
    persona: 'alice',
    toolName: 'add',
    operation: 'call',
    version: 1,
    hash: 'a'.repeat(64),
    argumentsJson: '{"a":1,"b":2}',
    status: 'SUCCESS',
    errorKind: null,
    errorName: null,
    errorMessage: null,
    resultSummary: '3',
    frames: null,
    rawStack: null,
    codeFrame: null,
    errorFacts: null,
    consoleOutput: '',
    durationMs: 1.25,
    cpuMs: 0.5,
    heapUsedBytes: 1_048_576,
    effects: null,
    ...overrides,
  };
}

/** A failed call row. */
export function failure(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return execution({
    status: 'FAILURE',
    errorKind: 'exception',
    errorName: 'TypeError',
    errorMessage: 'x is not a function',
    resultSummary: null,
    frames: [{ function: 'main', tool: 'add', version: 1, file: 'add.ts', line: 3, column: 7 }],
    rawStack: 'TypeError: x is not a function\n    at main (tool:add@1:3:7)',
    codeFrame: '> 3 | x();\n    |       ^',
    errorFacts: { properties: { code: 'E_X' }, cause: { name: 'Error', message: 'inner', frames: [{ function: 'inner', tool: 'add', version: 1, file: 'add.ts', line: 2, column: 3 }] } },
    ...overrides,
  });
}

/** Runs `fn`, which must throw an AppError, and returns that error for checks. */
export function catchAppError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, nothing was thrown');
}
