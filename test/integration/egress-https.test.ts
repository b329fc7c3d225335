import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { egressFetch, type GuestFetchResponse } from '../../src/capabilities/egress/egress-fetch.js';
import { boundsFor, get, loopbackServer, policyFor } from '../helpers/loopback-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** A self-signed certificate for `egress.test` only (no IP in it), made by the openssl CLI. */
function selfSigned(): { key: string; cert: string } {
  const dir = tempDir('chameleon-tls-');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=egress.test', '-addext', 'subjectAltName=DNS:egress.test'],
    { stdio: 'ignore' },
  );
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

/** Every name resolves to the test server; the one address is permitted by privateRanges. */
const resolve = () => Promise.resolve([{ address: '127.0.0.1', family: 4 as const }]);

describe.skipIf(!hasOpenssl)('egressFetch() over HTTPS to a pinned address', () => {
  it('verifies the certificate against the host name and sends it as SNI, while connecting to the checked address', async () => {
    const tls = selfSigned();
    const server = await loopbackServer((_req, res) => res.end('secure'), tls);
    const pattern = `egress.test:${server.port}`;
    const { outcome } = await egressFetch(get(`https://egress.test:${server.port}/x`), policyFor([pattern], { privateRanges: ['127.0.0.1/32'] }), boundsFor(), { resolve, ca: tls.cert });
    expect((outcome as GuestFetchResponse).body).toBe('secure');
    expect(server.received[0]).toMatchObject({ servername: 'egress.test', headers: expect.objectContaining({ host: pattern }) });
  });

  it('refuses a certificate for another name, and one it does not trust', async () => {
    const tls = selfSigned();
    const server = await loopbackServer((_req, res) => res.end('secure'), tls);
    const policy = policyFor([`other.test:${server.port}`, `egress.test:${server.port}`], { privateRanges: ['127.0.0.1/32'] });
    const wrongName = await egressFetch(get(`https://other.test:${server.port}/`), policy, boundsFor(), { resolve, ca: tls.cert });
    expect(wrongName.outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/^fetch failed: Hostname\/IP does not match certificate's altnames: Host: other\.test/) });
    const untrusted = await egressFetch(get(`https://egress.test:${server.port}/`), policy, boundsFor(), { resolve });
    expect(untrusted.outcome).toMatchObject({ name: 'TypeError', message: 'fetch failed: self-signed certificate' });
    expect(server.received).toEqual([]);
  });

  it('checks an IP literal against the certificate as an IP, without SNI', async () => {
    const tls = selfSigned();
    const server = await loopbackServer((_req, res) => res.end('secure'), tls);
    const { outcome } = await egressFetch(get(`https://127.0.0.1:${server.port}/`), policyFor([server.pattern]), boundsFor(), { ca: tls.cert });
    expect(outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/IP: 127\.0\.0\.1 is not in the cert's list/) });
  });
});
