/**
 * Failure groups on PostgreSQL (src/store/postgres/failure-groups.ts): the same answers as the
 * SQLite store for the same rows, and the figures themselves.
 */
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ExecutionRecord } from '../../../src/model.js';
import { openStore } from '../../../src/store/index.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { logStores } from '../../helpers/pg-log-store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, failure } from '../../unit/store/fixtures.js';

const unavailable = postgresUnavailable();
if (unavailable !== null) console.warn(`Skipping the PostgreSQL failure group tests: ${unavailable}.`);

const at = (second: number) => `2026-12-06T09:00:${String(second).padStart(2, '0')}.000Z`;

function rows(): ExecutionRecord[] {
  return [
    failure({ version: 1, timestamp: at(1), fingerprint: 'aaaa', errorMessage: 'first' }),
    failure({ version: 2, timestamp: at(2), fingerprint: 'aaaa', errorMessage: 'second' }),
    failure({ version: 2, timestamp: at(3), fingerprint: 'bbbb' }),
    failure({ version: null, operation: 'update', timestamp: at(4), fingerprint: 'aaaa', frames: [] }),
    failure({ toolName: 'add', version: 3, timestamp: at(5), fingerprint: 'aaaa', parentExecutionId: 'p', rootExecutionId: 'p' }),
    failure({ toolName: 'other', timestamp: at(6), fingerprint: 'aaaa' }),
    failure({ version: 1, timestamp: at(7) }),
    execution({ version: 2, timestamp: at(8) }),
    execution({ version: 1, timestamp: at(8) }),
    failure({ persona: 'bob', timestamp: at(9), fingerprint: 'aaaa' }),
  ];
}

describe.skipIf(unavailable !== null)('PostgreSQL failure groups', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('groups, counts occurrences and gives version figures as the SQLite store does', async () => {
    const log = rows();
    const { executions, failureGroups } = await logStores(server);
    await executions.insertMany(log);
    const lite = openStore(path.join(tempDir('chameleon-pg-groups-'), 'c.db'), { backgroundCheckpoints: false });
    try {
      lite.executions.insertMany(log);
      for (const persona of ['alice', 'bob', 'carol']) {
        for (const [tool, fingerprint] of [['add', 'aaaa'], ['add', 'bbbb'], ['other', 'aaaa'], ['add', 'none']] as const) {
          expect(await failureGroups.occurrences(persona, tool, fingerprint)).toEqual(lite.failureGroups.occurrences(persona, tool, fingerprint));
        }
        for (const query of [{ limit: 10 }, { limit: 1 }, { limit: 10, includeNested: true, toolName: 'add' }, { limit: 10, since: at(3), toolName: 'add' }, { limit: 10, since: at(6) }]) {
          expect(await failureGroups.groups(persona, query)).toEqual(lite.failureGroups.groups(persona, query));
        }
        for (const since of ['', at(3)]) {
          expect(await failureGroups.versionStats(persona, 'add', [1, 2, 9], since)).toEqual(lite.failureGroups.versionStats(persona, 'add', [1, 2, 9], since));
        }
      }
    } finally {
      lite.close();
    }
    expect(await failureGroups.occurrences('alice', 'add', 'aaaa')).toEqual([
      { version: null, count: 1, firstAt: at(4), lastAt: at(4) },
      { version: 1, count: 1, firstAt: at(1), lastAt: at(1) },
      { version: 2, count: 1, firstAt: at(2), lastAt: at(2) },
      { version: 3, count: 1, firstAt: at(5), lastAt: at(5) },
    ]);
    const groups = await failureGroups.groups('alice', { limit: 10 });
    expect(groups.map((g) => [g.toolName, g.fingerprint, g.count, g.versions, g.firstSeen, g.lastSeen])).toEqual([
      ['other', 'aaaa', 1, [1], at(6), at(6)],
      ['add', 'aaaa', 3, [null, 1, 2], at(1), at(4)],
      ['add', 'bbbb', 1, [2], at(3), at(3)],
    ]);
    expect(groups[1]!.sample.operation).toBe('update');
    const [v1, v2, v9] = await failureGroups.versionStats('alice', 'add', [1, 2, 9], '');
    expect(v1).toMatchObject({ version: 1, calls: 3, failures: 2, lastFailure: { timestamp: at(7) } });
    expect(v2).toMatchObject({ version: 2, calls: 3, failures: 2, lastFailure: { fingerprint: 'bbbb' } });
    expect(v9).toEqual({ version: 9, calls: 0, failures: 0, lastFailure: null });
  });

  it('answers occurrences from the partial fingerprint index', async () => {
    const { pool } = await logStores(server);
    const client = await pool.connect();
    try {
      // A tiny table is read whole by choice; forbid that to see which index the query can use.
      await client.query('SET enable_seqscan = off');
      const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(
        "EXPLAIN SELECT version, count(*) FROM executions WHERE persona = 'alice' AND tool_name = 'add' AND fingerprint = 'aaaa' AND status = 'FAILURE' GROUP BY version",
      );
      expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('executions_failures_by_fingerprint');
    } finally {
      client.release();
    }
  });
});
