import { describe, expect, it } from 'vitest';
import { ceilingCovers, matchPattern, patternProblem, suggestedPattern } from '../../src/capabilities/egress/host-patterns.js';

describe('patternProblem()', () => {
  it.each([
    'api.github.com',
    'api.github.com:8443',
    'api.github.com:*',
    '*.example.org',
    '*.example.org:8080',
    '*',
    '*:*',
    '127.0.0.1:8080',
    '[::1]:8080',
    '[::1]',
    'localhost',
    'localhost:3000',
    'API.GitHub.COM.',
    'bücher.de',
  ])('accepts %s', (pattern) => {
    expect(patternProblem(pattern)).toBeNull();
  });

  it.each([
    ['', /non-empty/],
    ['https://api.github.com', /scheme.*"api.github.com"/],
    ['api.github.com/repos', /path/],
    ['user@api.github.com', /user/],
    ['api.github.com:0', /port "0"/],
    ['api.github.com:65536', /port/],
    ['api.github.com:', /port ""/],
    ['api.github.com:http', /port "http"/],
    ['::1', /IPv6 address in brackets/],
    ['[::1', /not closed/],
    ['[::1]x', /only ":port"/],
    ['[nope]', /not a valid IPv6/],
    ['api.*.com', /whole first label/],
    ['*foo.com', /whole first label/],
    ['*.127.0.0.1', /domain name, not an IP/],
    ['api .com', /whitespace/],
    ['a..com', /not a valid host/],
    ['a b', /whitespace/],
    ['exa<mple.com', /not a valid host name/],
  ])('refuses %j', (pattern, problem) => {
    expect(patternProblem(pattern)).toMatch(problem);
  });
});

const url = (u: string) => new URL(u);

describe('matchPattern()', () => {
  it.each([
    // [patterns, url, expected match]
    [['api.github.com'], 'https://api.github.com/repos', 'api.github.com'],
    [['api.github.com'], 'http://api.github.com/', 'api.github.com'],
    [['api.github.com'], 'https://API.GITHUB.COM./x', 'api.github.com'],
    [['API.GitHub.com.'], 'https://api.github.com/', 'API.GitHub.com.'],
    [['api.github.com'], 'https://api.github.com:8443/', null],
    [['api.github.com:8443'], 'https://api.github.com:8443/', 'api.github.com:8443'],
    [['api.github.com:8443'], 'https://api.github.com/', null],
    [['api.github.com:*'], 'http://api.github.com:1234/', 'api.github.com:*'],
    [['api.github.com'], 'https://evil-api.github.com/', null],
    [['api.github.com'], 'https://api.github.com.evil.com/', null],
    [['*.example.org'], 'https://a.example.org/', '*.example.org'],
    [['*.example.org'], 'https://a.b.example.org/', '*.example.org'],
    [['*.example.org'], 'https://example.org/', null],
    [['*.example.org'], 'https://badexample.org/', null],
    [['*.example.org'], 'https://a.example.org:8080/', null],
    [['*'], 'https://anything.example/', '*'],
    [['*'], 'https://anything.example:8443/', null],
    [['*'], 'http://8.8.8.8/', '*'],
    [['*:*'], 'http://anything.example:8443/', '*:*'],
    [['bücher.de'], 'https://xn--bcher-kva.de/', 'bücher.de'],
    [['xn--bcher-kva.de'], 'https://BÜCHER.de/', 'xn--bcher-kva.de'],
    [['127.0.0.1:8080'], 'http://127.0.0.1:8080/', '127.0.0.1:8080'],
    [['127.0.0.1:8080'], 'http://2130706433:8080/', '127.0.0.1:8080'],
    [['127.0.0.1:8080'], 'http://0x7f.1:8080/', '127.0.0.1:8080'],
    [['127.0.0.1:8080'], 'http://[::ffff:127.0.0.1]:8080/', '127.0.0.1:8080'],
    [['127.0.0.1:8080'], 'http://localhost:8080/', null],
    [['[::1]:8080'], 'http://[0:0:0:0:0:0:0:1]:8080/', '[::1]:8080'],
    [['localhost:8080'], 'http://LOCALHOST.:8080/', 'localhost:8080'],
    [['localhost:8080'], 'http://127.0.0.1:8080/', null],
    [['a.com', 'b.com'], 'https://b.com/', 'b.com'],
    [['bad pattern', 'b.com'], 'https://b.com/', 'b.com'],
    [[], 'https://b.com/', null],
  ] as Array<[string[], string, string | null]>)('%j matches %s: %j', (patterns, target, expected) => {
    expect(matchPattern(patterns, url(target))).toBe(expected);
  });
});

describe('ceilingCovers()', () => {
  it.each([
    // [ceiling, manifest pattern, covered]
    [['api.github.com'], 'api.github.com', true],
    [['api.github.com'], 'API.GITHUB.COM.', true],
    [['api.github.com'], 'api.github.com:443', true],
    [['api.github.com'], 'api.github.com:8443', false],
    [['api.github.com'], 'api.github.com:*', false],
    [['api.github.com:*'], 'api.github.com', true],
    [['api.github.com:*'], 'api.github.com:8443', true],
    [['a.com:80', 'a.com:443'], 'a.com', true],
    [['a.com:80'], 'a.com', false],
    [['*.example.org'], 'a.example.org', true],
    [['*.example.org'], '*.a.example.org', true],
    [['*.example.org'], '*.example.org', true],
    [['*.example.org'], 'example.org', false],
    [['*.example.org'], '*.org', false],
    [['*.example.org'], '*', false],
    [['*'], 'anything.com', true],
    [['*'], '*.example.org', true],
    [['*'], 'anything.com:8080', false],
    [['*:*'], 'anything.com:8080', true],
    [['127.0.0.1:8080'], '127.0.0.1:8080', true],
    [['127.0.0.1:8080'], '2130706433:8080', true],
    [['127.0.0.1:8080'], 'localhost:8080', false],
    [['a.com'], 'not a pattern', false],
    [[], 'a.com', false],
  ] as Array<[string[], string, boolean]>)('%j covers %s: %s', (ceiling, pattern, covered) => {
    expect(ceilingCovers(ceiling, pattern)).toBe(covered);
  });
});

describe('suggestedPattern()', () => {
  it.each([
    ['https://api.x.com/a?b', 'api.x.com'],
    ['http://api.x.com:8080/', 'api.x.com:8080'],
    ['http://api.x.com:443/', 'api.x.com'],
    ['http://[::1]:8080/', '[::1]:8080'],
    ['http://[::ffff:7f00:1]:8080/', '127.0.0.1:8080'],
    ['http://Api.X.com./', 'api.x.com'],
  ])('suggests %s as %s', (target, expected) => {
    expect(suggestedPattern(url(target))).toBe(expected);
  });
});
