import net from 'node:net';

import { describe, expect, it } from 'vitest';

import { openPostgresStore, parsePostgresUrl, redact, resolvePassword } from '../../../../src/store/postgres/index.js';
import { unavailable, usePostgres } from './pg-fixtures.js';

describe('PostgreSQL URLs and passwords', () => {
  it('parsePostgresUrl() takes user, host, port and database; location drops the password', () => {
    const target = parsePostgresUrl('postgres://app:s%40cret@db.internal:6543/chameleon');
    expect(target).toMatchObject({ address: 'db.internal:6543', database: 'chameleon', user: 'app', passwordInUrl: 's@cret' });
    expect(target.location).toBe('postgres://app@db.internal:6543/chameleon');
    expect(parsePostgresUrl('postgresql://app@db/x').address).toBe('db:5432');
    expect(redact('postgres://app:pw@h/x')).not.toContain('pw');
  });

  it.each([
    ['postgres://db.internal/chameleon', 'names no user'],
    ['postgres://app@db.internal/', 'names no database'],
    ['postgres://app@db.internal', 'names no database'],
  ])('parsePostgresUrl(%s) is refused: %s', (url, why) => {
    expect(() => parsePostgresUrl(url)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining(why) }));
  });

  it.each([
    ['postgres://u:S3cr/etXYZ@h/db', ['S3cr', 'etXYZ']],
    ['postgres://u:Pw:QQ9:zz8@h:x/db', ['Pw', 'QQ9', 'zz8']],
    ['postgres://u:Ab@Cd:Ef@Gh@h:port/db', ['Ab', 'Cd', 'Ef', 'Gh']],
  ])('a URL that does not parse, %s, is refused without any of its password', (url, parts) => {
      let message = '';
      try {
        parsePostgresUrl(url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/is not a usable PostgreSQL URL/);
      for (const part of parts) expect(message).not.toContain(part);
  });

  it('resolvePassword() takes the URL first, then PGPASSWORD, then store.password', () => {
    const withPw = parsePostgresUrl('postgres://app:url-pw@h/x');
    const without = parsePostgresUrl('postgres://app@h/x');
    const env = { PGPASSWORD: 'env-pw', DB_PW: 'named-pw' };
    expect(resolvePassword(withPw, { env })).toBe('url-pw');
    expect(resolvePassword(without, { env, configured: { env: 'DB_PW' } })).toBe('env-pw');
    expect(resolvePassword(without, { env: { DB_PW: 'named-pw' }, configured: { env: 'DB_PW' } })).toBe('named-pw');
    expect(resolvePassword(without, { env: {}, configured: { secret: 'DB' }, secretValue: (n) => (n === 'DB' ? 'secret-pw' : undefined) })).toBe('secret-pw');
    expect(resolvePassword(without, { env: {} })).toBeUndefined();
    expect(() => resolvePassword(without, { env: {}, configured: { env: 'MISSING' } })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('MISSING') }));
  });

  it('a PostgreSQL connection refused: STORE_FAILURE naming the address and what to start or change', async () => {
    // A port nobody listens on: taken and released.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const failure = await openPostgresStore(`postgres://app:pw@127.0.0.1:${String(port)}/chameleon`).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'STORE_FAILURE' });
    const message = (failure as Error).message;
    expect(message).toContain(`Cannot connect to PostgreSQL at postgres://app@127.0.0.1:${String(port)}/chameleon: the connection was refused at 127.0.0.1:${String(port)} (ECONNREFUSED)`);
    expect(message).toContain('Start the server');
    expect(message).not.toContain(':pw@');
  });
});

const pg = usePostgres();

describe.skipIf(unavailable !== null)('PostgreSQL connection failures a server can give', () => {
  it('a database that does not exist: STORE_FAILURE saying to create it', async () => {
    const url = pg.server().url('no_such_db');
    await expect(openPostgresStore(url)).rejects.toMatchObject({
      code: 'STORE_FAILURE',
      message: expect.stringMatching(/database no_such_db does not exist \(3D000\)\. Create it \(createdb no_such_db/),
    });
  });

  it('a role that does not exist: STORE_FAILURE naming the user and pg_hba.conf', async () => {
    const url = pg.server().url('postgres').replace('chameleon@', 'nobody@');
    await expect(openPostgresStore(url)).rejects.toMatchObject({ code: 'STORE_FAILURE', message: expect.stringMatching(/the server refused user nobody \(28000\).*pg_hba\.conf/) });
  });
});
