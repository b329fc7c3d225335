/**
 * URL and URLSearchParams in a tool behave as Node's: the parser is Node's own (through the
 * host callback), and this checks the realm's side of it: the components, relative
 * resolution, setters, the searchParams link and the form-urlencoded codec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../../helpers/engine.js';
import { createParity } from '../../helpers/web-parity.js';

let engine: TestEngine;
let parity: ReturnType<typeof createParity>;
beforeAll(async () => {
  engine = await startEngine();
  parity = createParity(engine.app.forPersona('web'));
});
afterAll(() => engine.close());

const COMPONENTS = `const parts = (u) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash, json: u.toJSON(), string: String(u) });`;

const INPUTS: Array<[string] | [string, string]> = [
  ['https://EXAMPLE.com/a/./b/../c?x=1#f'],
  ['HTTP://user:p%40ss@host:80/'],
  ['https://münchen.de/straße?ü=ö#ä'],
  ['https://xn--mnchen-3ya.de/'],
  ['https://ÉXAMPLE.コム/'],
  ['https://faß.de/'],
  ['https://ab--c.example/'],
  ['http://[::1]:8080/p'],
  ['http://[2001:db8:0:0:0:ff00:42:8329]/'],
  ['http://[::ffff:192.168.0.1]/'],
  ['http://0x7f.1/'],
  ['http://2130706433/'],
  ['http://0177.0.0.1/'],
  ['http://1.2.3.4.5/'],
  ['file:///C:/x/../y'],
  ['data:text/plain,hello world'],
  ['mailto:a@b.c'],
  ['javascript:alert(1)'],
  ['http://a/b c?d e#f g'],
  ['  https://trim.example/ \n'],
  ['https://a\tb.com/'],
  ['https://a.b/%zz'],
  ['http://a.b:99999/'],
  ['http:'],
  ['not a url'],
  [''],
  ['http://[::1'],
  ['https://exa mple.com/'],
  ['https://\u0000x.com/'],
  ['blob:https://a.example/uuid'],
  ['../x?y#z', 'http://a/b/c/d;p?q'],
  ['g:h', 'http://a/b/c/d;p?q'],
  ['g', 'http://a/b/c/d;p?q'],
  ['./g', 'http://a/b/c/d;p?q'],
  ['/g', 'http://a/b/c/d;p?q'],
  ['//g', 'http://a/b/c/d;p?q'],
  ['?y', 'http://a/b/c/d;p?q'],
  ['#s', 'http://a/b/c/d;p?q'],
  ['', 'http://a/b/c/d;p?q'],
  ['../../../../g', 'http://a/b/c/d;p?q'],
  ['g;x=1/../y', 'http://a/b/c/d;p?q'],
  ['//other.example/p', 'https://a/'],
  ['/abs', 'file:///x/y'],
  ['x', 'mailto:a@b'],
  ['x', 'not a base'],
  ['https://ok.example/', 'not a base'],
];

describe('URL', () => {
  it('parses absolute and relative URLs as Node does: IDN, IPv6, IPv4 forms, special schemes, invalid input', async () => {
    const body = `${COMPONENTS}
      return args.inputs.map(([input, base]) => ({ input, base, out: attempt(() => parts(base === undefined ? new URL(input) : new URL(input, base))), can: URL.canParse(input, base) }));`;
    const { realm, node } = await parity.both(body, { inputs: INPUTS });
    expect(realm).toEqual(node);
    // The list is not vacuous: some inputs parse, some throw a TypeError.
    const outs = (node as Array<{ out: { value?: unknown; threw?: string } }>).map((r) => r.out);
    expect(outs.filter((o) => o.threw === 'TypeError').length).toBeGreaterThan(5);
    expect(outs.filter((o) => o.value !== undefined).length).toBeGreaterThan(30);
  });

  it('runs each setter as Node does, valid values and invalid ones', async () => {
    const body = `
      const cases = [
        ['protocol', 'http'], ['protocol', 'ftp:'], ['protocol', 'not valid'], ['protocol', 'file'],
        ['username', 'a@b'], ['password', 'p:w ä'], ['host', 'b.example:9'], ['host', 'ß.de'], ['host', ''],
        ['hostname', '[::1]'], ['hostname', 'x y'], ['port', '443'], ['port', '99999'], ['port', '12abc'], ['port', ''],
        ['pathname', '/a b/ä/%2e%2E/'], ['pathname', 'no-slash'], ['search', '?x=y z&ä'], ['search', ''], ['search', 'q'],
        ['hash', '#frag ment'], ['hash', ''], ['href', 'https://other.example/'], ['href', 'relative/only'],
      ];
      return cases.map(([key, value]) => {
        const u = new URL('https://user:pw@a.example:8080/p?q=1#h');
        const r = attempt(() => { u[key] = value; return u.href; });
        return [key, value, r, u.href, u.searchParams.toString()];
      });`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('keeps searchParams and the URL in step both ways', async () => {
    const body = `
      const u = new URL('https://a.example/p?b=2&a=1#h');
      const p = u.searchParams;
      const seen = [u.href];
      p.append('c', 'x y&z'); seen.push(u.href);
      p.sort(); seen.push(u.href);
      p.delete('a'); seen.push(u.href);
      u.search = '?n=1&n=2'; seen.push(p.getAll('n'), p.size, p === u.searchParams);
      u.href = 'https://b.example/?k=v'; seen.push(p.get('k'));
      p.delete('k'); seen.push(u.href, u.search);
      return seen;`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('has the standard shape: arity, tags, statics and errors for missing arguments', async () => {
    const body = `return {
      length: URL.length, name: URL.name, tag: Object.prototype.toString.call(new URL('http://a/')),
      canParse: [URL.canParse('http://a/'), URL.canParse('nope'), URL.canParse('x', 'http://a/')],
      none: attempt(() => new URL()), symbol: attempt(() => new URL(Symbol('x'))),
      json: JSON.stringify({ u: new URL('http://a/b') }),
    };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('URL.parse returns the URL or null (Node 20 predates it: checked against new URL)', async () => {
    const realm = await parity.inRealm(`return [URL.parse('http://a/b')?.href, URL.parse('nope'), URL.parse('c', 'http://a/b/')?.href];`);
    expect(realm).toEqual(['http://a/b', null, 'http://a/b/c']);
  });
});

describe('URLSearchParams', () => {
  it('parses and serialises form data as Node does', async () => {
    const body = `
      const inputs = ['a=1&b=2&a=3', '?x=%20y+z', 'a', '=b', '&&a=&', 'q=%E2%82%AC', 'q=%E2%82', 'q=%zz&r=%', 'ä=ö', 'a=b=c', '%EF%BB%BFa=1', '+=+', 'a=%00'];
      return inputs.map((s) => { const p = new URLSearchParams(s); return [s, [...p], p.toString(), p.size]; });`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('takes records, pairs and other params, and refuses malformed pairs', async () => {
    const body = `return [
      [...new URLSearchParams({ a: '1', b: 'ä', c: 3 })],
      [...new URLSearchParams([['a', '1'], ['a', '2'], new Set(['k', 'v'])])],
      [...new URLSearchParams(new URLSearchParams('x=1&y=2'))],
      [...new URLSearchParams(new Map([['m', 'n']]))],
      attempt(() => new URLSearchParams([['a']])), attempt(() => new URLSearchParams([['a', 'b', 'c']])), attempt(() => new URLSearchParams([1])),
      [...new URLSearchParams(undefined)], [...new URLSearchParams('')],
    ];`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('get, getAll, has, set, delete (with values), sort and iteration as Node does', async () => {
    const body = `
      const p = new URLSearchParams('b=2&a=1&b=3&c=\\uD800&sp=a b&sym=~!*()\\'');
      const out = [p.get('b'), p.get('zz'), p.getAll('b'), p.has('a'), p.has('b', '3'), p.has('b', '9'), p.toString()];
      p.set('b', 'only'); out.push(p.toString());
      p.append('d', '€'); p.delete('a', 'nope'); out.push(p.toString());
      p.delete('a', '1'); out.push(p.toString());
      p.sort(); out.push(p.toString(), [...p.keys()], [...p.values()], [...p.entries()]);
      const each = []; p.forEach((v, k, self) => each.push([k, v, self === p])); out.push(each);
      return out;`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });
});
