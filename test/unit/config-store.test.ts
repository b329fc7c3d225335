import { describe, expect, it } from 'vitest';

import { parseConfig } from '../../src/config.js';

describe('parseConfig() store section (PostgreSQL password and pool)', () => {
  it('defaults to no password and a pool of 10', () => {
    expect(parseConfig({ dbPath: 'x.db' }).store).toEqual({ lockWaitMs: 10_000, poolSize: 10 });
  });

  it('takes the password from an env variable or a secret that exists', () => {
    expect(parseConfig({ dbPath: 'x.db', store: { password: { env: 'DB_PASSWORD' } } }).store.password).toEqual({ env: 'DB_PASSWORD' });
    const config = parseConfig({ dbPath: 'x.db', secrets: { DB: { env: 'DB_PASSWORD', hosts: ['db.internal'] } }, store: { password: { secret: 'DB' } } });
    expect(config.store.password).toEqual({ secret: 'DB' });
  });

  it.each([
    [{ password: { secret: 'NOPE' } }, /store\.password: names the secret NOPE, which is not in secrets/],
    [{ password: 'plain text' }, /store\.password/],
    [{ poolSize: 0 }, /store\.poolSize/],
  ])('refuses %j', (store, message) => {
    expect(() => parseConfig({ dbPath: 'x.db', store })).toThrow(message);
  });
});
