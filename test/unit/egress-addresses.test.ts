import { describe, expect, it } from 'vitest';
import { resolveChecked, type ResolvedAddress } from '../../src/capabilities/egress/address-check.js';
import { addressProblem, parseRanges, privateRangeProblem } from '../../src/capabilities/egress/address-ranges.js';
import { destinationOf } from '../../src/capabilities/egress/host-patterns.js';
import { pinnedLookup } from '../../src/capabilities/egress/pinned-lookup.js';

describe('addressProblem()', () => {
  it.each([
    ['0.0.0.0', /unspecified/],
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local.*metadata/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['192.0.2.1', /reserved/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['fe80::1', /link-local/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['ff02::1', /multicast/],
    ['fec0::1', /site-local/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:7f00:1', /loopback/],
    ['::ffff:a9fe:a9fe', /link-local/],
    ['::7f00:1', /outside the global unicast/],
    ['64:ff9b::7f00:1', /NAT64 address that reaches 127.0.0.1, a loopback/],
    ['64:ff9b::a00:1', /NAT64 address that reaches 10.0.0.1, a private/],
    ['64:ff9b:1::1', /NAT64 local-use/],
    ['2002:7f00:1::', /6to4 address that reaches 127.0.0.1/],
    ['2002:a9fe:a9fe::1', /6to4 address that reaches 169.254.169.254/],
    // Teredo: server 65.54.227.120, client 10.0.0.1 stored inverted (0xf5ff:0xfffe).
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', /Teredo address that reaches 10.0.0.1/],
    ['::ffff:0:7f00:1', /IPv4-translated address that reaches 127.0.0.1/],
    ['2001:db8::1', /reserved/],
    ['not-an-ip', /not an IP/],
  ])('refuses %s', (address, why) => {
    expect(addressProblem(address, [])).toMatch(why);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])('allows public %s', (address) => {
    expect(addressProblem(address, [])).toBeNull();
  });

  it('allows a non-public address inside a permitted range, and only inside it', () => {
    const ranges = parseRanges(['10.0.0.0/8', 'fd00::/8', '::ffff:192.168.0.0/112']);
    expect(addressProblem('10.9.8.7', ranges)).toBeNull();
    expect(addressProblem('::ffff:10.9.8.7', ranges)).toBeNull();
    expect(addressProblem('64:ff9b::a09:807', ranges)).toBeNull();
    expect(addressProblem('fd00::5', ranges)).toBeNull();
    expect(addressProblem('192.168.3.4', ranges)).toBeNull();
    expect(addressProblem('172.16.0.1', ranges)).toMatch(/private/);
    expect(addressProblem('127.0.0.1', ranges)).toMatch(/loopback/);
  });

  it('privateRangeProblem() accepts CIDRs and explains anything else', () => {
    expect(privateRangeProblem('10.0.0.0/8')).toBeNull();
    expect(privateRangeProblem('fd00::/8')).toBeNull();
    expect(privateRangeProblem('10.0.0.0')).toMatch(/not a CIDR range.*"10.0.0.0\/8"/);
    expect(privateRangeProblem('10.0.0.0/33')).toMatch(/not a CIDR/);
  });
});

describe('URL tricks are normalised before the check', () => {
  it.each([
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0x7f000001/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[0:0:0:0:0:ffff:7f00:1]/',
  ])('%s is 127.0.0.1 and refused as loopback', (target) => {
    const to = destinationOf(new URL(target));
    expect(to).toMatchObject({ host: '127.0.0.1', isIp: true });
    expect(addressProblem(to.host, [])).toMatch(/loopback/);
  });

  it.each(['http://0.0.0.0/', 'http://0/', 'http://[::]/'])('%s is the unspecified address and refused', (target) => {
    const to = destinationOf(new URL(target));
    expect(to.isIp).toBe(true);
    expect(addressProblem(to.host, [])).toMatch(/unspecified/);
  });
});

/** A resolver answering from a table, recording what it was asked. */
function tableResolver(table: Record<string, ResolvedAddress[]>) {
  const asked: string[] = [];
  const resolve = (hostname: string) => {
    asked.push(hostname);
    const found = table[hostname];
    return found ? Promise.resolve(found) : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
  };
  return { resolve, asked };
}

const to = (u: string) => destinationOf(new URL(u));
const none = { privateRanges: [], namedExactly: false };

describe('resolveChecked()', () => {
  it('passes a name whose addresses are all public', async () => {
    const { resolve } = tableResolver({ 'public.test': [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800::1', family: 6 }] });
    expect(await resolveChecked(to('https://public.test/'), none, resolve)).toEqual({
      ok: true,
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800::1', family: 6 },
      ],
    });
  });

  it('refuses a public name that resolves to loopback (rebinding), naming the address', async () => {
    const { resolve } = tableResolver({ 'rebind.test': [{ address: '127.0.0.1', family: 4 }] });
    expect(await resolveChecked(to('https://rebind.test/'), none, resolve)).toMatchObject({ ok: false, kind: 'refused', address: '127.0.0.1', resolved: true });
  });

  it('refuses when any one address is private, even after a public one', async () => {
    const { resolve } = tableResolver({ 'mixed.test': [{ address: '8.8.8.8', family: 4 }, { address: '169.254.169.254', family: 4 }] });
    expect(await resolveChecked(to('https://mixed.test/'), none, resolve)).toMatchObject({ ok: false, address: '169.254.169.254' });
  });

  it('refuses an IPv4-mapped private answer', async () => {
    const { resolve } = tableResolver({ 'mapped.test': [{ address: '::ffff:10.0.0.1', family: 6 }] });
    expect(await resolveChecked(to('https://mapped.test/'), none, resolve)).toMatchObject({ ok: false, why: expect.stringMatching(/private/) });
  });

  it('lets a private answer through when the host permits its range', async () => {
    const { resolve } = tableResolver({ 'intranet.test': [{ address: '10.1.2.3', family: 4 }] });
    const allowance = { privateRanges: parseRanges(['10.0.0.0/8']), namedExactly: false };
    expect(await resolveChecked(to('https://intranet.test/'), allowance, resolve)).toMatchObject({ ok: true });
  });

  it('answers localhost itself, never asking the resolver, and refuses it unless named exactly', async () => {
    const { resolve, asked } = tableResolver({ localhost: [{ address: '93.184.216.34', family: 4 }] });
    expect(await resolveChecked(to('http://localhost:8080/'), none, resolve)).toMatchObject({ ok: false, address: '127.0.0.1' });
    expect(await resolveChecked(to('http://localhost:8080/'), { privateRanges: [], namedExactly: true }, resolve)).toEqual({
      ok: true,
      addresses: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    });
    expect(asked).toEqual([]);
  });

  it('checks IP literals without resolving, exempting them only when named exactly', async () => {
    const { resolve, asked } = tableResolver({});
    expect(await resolveChecked(to('http://[::1]:9/'), none, resolve)).toMatchObject({ ok: false, address: '::1', resolved: false });
    expect(await resolveChecked(to('http://[::1]:9/'), { privateRanges: [], namedExactly: true }, resolve)).toEqual({ ok: true, addresses: [{ address: '::1', family: 6 }] });
    expect(await resolveChecked(to('http://8.8.8.8/'), none, resolve)).toEqual({ ok: true, addresses: [{ address: '8.8.8.8', family: 4 }] });
    expect(asked).toEqual([]);
  });

  it('reports a name that does not resolve', async () => {
    const { resolve } = tableResolver({ 'empty.test': [] });
    expect(await resolveChecked(to('https://nowhere.test/'), none, resolve)).toEqual({ ok: false, kind: 'unresolved', message: 'getaddrinfo ENOTFOUND nowhere.test' });
    expect(await resolveChecked(to('https://empty.test/'), none, resolve)).toMatchObject({ ok: false, kind: 'unresolved' });
  });
});

describe('pinnedLookup()', () => {
  const addresses: ResolvedAddress[] = [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ];
  const call = (hostname: string, options: object) =>
    new Promise<unknown[]>((resolve) => pinnedLookup('example.test', addresses)(hostname, options, (...args) => resolve(args)));

  it('answers { all: true } with every checked address', async () => {
    expect(await call('example.test', { all: true })).toEqual([null, addresses]);
  });

  it('answers the single-address form with the first checked address of the family asked', async () => {
    expect(await call('example.test', {})).toEqual([null, '127.0.0.1', 4]);
    expect(await call('example.test', { family: 6 })).toEqual([null, '::1', 6]);
  });

  it('fails for any other name rather than resolve it', async () => {
    const [error] = await call('other.test', { all: true });
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
