/**
 * Attack (SSRF by DNS rebinding): a name the policy allows resolves to an acceptable address
 * when it is checked, then to loopback when the socket connects (a DNS server of the
 * attacker's answering with a zero TTL). What must hold: the egress resolves once per hop,
 * checks every address it got, and the socket connects to those checked addresses only
 * (pinned-lookup.ts): a second lookup never happens, so its answer never matters.
 *
 * Why this file imports the egress instead of going through `chameleon serve`: the server
 * resolves with getaddrinfo (/etc/hosts, then DNS). An answer that changes between two
 * lookups needs a resolver the machine asks, i.e. editing /etc/hosts or /etc/resolv.conf of a
 * shared, offline machine, which a test must not do. `egressFetch` takes its resolver as a
 * dependency (EgressDeps.resolve), so the attack drives the very function the server's call
 * host runs, with a resolver that rebinds, against real sockets on loopback.
 *
 * The checked address is 127.0.0.2, which the host permits (privateRanges 127.0.0.2/32);
 * the rebinding answer is 127.0.0.1, where the bait listens on the same port. A connection
 * that followed a second lookup would reach the bait.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedAddress, Resolver } from '../../src/capabilities/egress/address-check.js';
import { egressFetch, type EgressPolicy, type GuestFetchResponse } from '../../src/capabilities/egress/egress-fetch.js';
import { pinnedLookup } from '../../src/capabilities/egress/pinned-lookup.js';
import { recordAfterChecks } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

let bait: HttpTarget;
let checked: HttpTarget;
beforeAll(async () => {
  bait = await httpTarget((_req, res) => res.end('BAIT REACHED'), { host: '127.0.0.1' });
  checked = await httpTarget(
    (req, res) => (req.url === '/hop' ? res.writeHead(302, { location: '/again' }).end() : res.end('checked')),
    { host: '127.0.0.2', port: bait.port },
  );
});
afterAll(async () => {
  await bait.close();
  await checked.close();
});

const NAME = 'rebind.attacker.test';

/** Answers `answers[i]` to the i-th lookup (the last one from then on), counting lookups. */
function rebindingResolver(...answers: string[][]): { resolve: Resolver; lookups: () => number } {
  let calls = 0;
  const resolve: Resolver = (hostname) => {
    expect(hostname).toBe(NAME);
    const answer = answers[Math.min(calls++, answers.length - 1)]!;
    return Promise.resolve(answer.map((address): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return { resolve, lookups: () => calls };
}

const policy = (): EgressPolicy => ({ tool: 'rebinder', manifest: [`${NAME}:${bait.port}`], ceiling: [`${NAME}:${bait.port}`], privateRanges: ['127.0.0.2/32'], secrets: new Map() });
const bounds = () => ({ maxResponseBytes: 1 << 20, maxRedirects: 5, maxRequestBytes: 1 << 20, signal: AbortSignal.timeout(5_000) });
const get = (path: string) => ({ url: `http://${NAME}:${bait.port}${path}`, method: 'GET', headers: [] as Array<[string, string]>, body: null, redirect: 'follow' as const });

it('a name that rebinds to loopback after its check is connected to the checked address, and its redirect is checked again', async () => {
  const checks = async () => {
    // One hop: checked at 127.0.0.2, any later lookup would say 127.0.0.1.
    const once = rebindingResolver(['127.0.0.2'], ['127.0.0.1']);
    const first = await egressFetch(get('/'), policy(), bounds(), { resolve: once.resolve });
    expect((first.outcome as GuestFetchResponse).body).toBe('checked');
    expect(once.lookups()).toBe(1);
    // The target on 127.0.0.2 answered; the bait on 127.0.0.1, same port, saw nothing (checked last).
    expect(checked.received).toHaveLength(1);

    // A redirect to the same name is a new hop: resolved again, and the rebound answer refused.
    const twice = rebindingResolver(['127.0.0.2'], ['127.0.0.1']);
    const redirected = await egressFetch(get('/hop'), policy(), bounds(), { resolve: twice.resolve });
    expect(redirected.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringContaining(`${NAME} resolves to 127.0.0.1, a loopback address`) });
    expect(twice.lookups()).toBe(2);
    expect(redirected.audit.map((e) => e.refused ?? e.status)).toEqual([302, 'address']);

    // One public and one private answer at once: refused, not a choice between them.
    const mixed = rebindingResolver(['93.184.215.14', '127.0.0.1']);
    const both = await egressFetch(get('/'), policy(), bounds(), { resolve: mixed.resolve });
    expect(both.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/resolves to 127\.0\.0\.1, a loopback address .*DNS rebinding/) });

    // The pinned lookup node:net calls at connect answers only the checked name, with the checked addresses.
    const lookup = pinnedLookup(NAME, [{ address: '127.0.0.2', family: 4 }]);
    const asked = (name: string, all: boolean) => new Promise<unknown>((resolve) => lookup(name, { all }, (error, address) => resolve(error ? (error.code ?? 'error') : address)));
    expect(await asked(NAME, true)).toEqual([{ address: '127.0.0.2', family: 4 }]);
    expect(await asked(NAME, false)).toBe('127.0.0.2');
    expect(await asked('localhost', true)).toBe('ENOTFOUND');

    expect(bait.connections()).toBe(0);
  };
  await recordAfterChecks(
    {
      attack: 'ssrf-dns-rebinding',
      class: 'capability',
      contained: true,
      kind: null,
      elapsedMs: null,
      limitMs: null,
      sandboxPeakRssMb: null,
      worstStallMs: null,
      note: 'egressFetch with a rebinding resolver (not end to end: see the file): 1 lookup per hop, the socket went to the checked 127.0.0.2, 0 connections at 127.0.0.1',
    },
    checks,
  );
});
