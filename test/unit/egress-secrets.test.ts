import { describe, expect, it } from 'vitest';
import { redactor, secretForms } from '../../src/capabilities/egress/redaction.js';
import { substituteSecrets } from '../../src/capabilities/egress/secret-substitution.js';
import { mentionsPlaceholder, placeholderFor, placeholderNames, SECRET_PLACEHOLDER_CLOSE, SECRET_PLACEHOLDER_OPEN } from '../../src/capabilities/egress/secrets.js';
import type { EgressPolicy } from '../../src/capabilities/egress/types.js';

const TOKEN = 'ghp_S3cr3tV4lue/with+odd=chars';

function policy(extra: Partial<EgressPolicy> = {}): EgressPolicy {
  return {
    tool: 'issues',
    manifest: ['api.github.com'],
    ceiling: ['api.github.com'],
    privateRanges: [],
    secrets: new Map([['GITHUB_TOKEN', { value: TOKEN, hosts: ['api.github.com'] }]]),
    ...extra,
  };
}

describe('placeholders', () => {
  it('placeholderFor() is the same text every call, built from the exported parts', () => {
    expect(placeholderFor('GITHUB_TOKEN')).toBe('{{chameleon-secret:GITHUB_TOKEN}}');
    expect(placeholderFor('GITHUB_TOKEN')).toBe(`${SECRET_PLACEHOLDER_OPEN}GITHUB_TOKEN${SECRET_PLACEHOLDER_CLOSE}`);
  });

  it('placeholderNames() finds each name once', () => {
    expect(placeholderNames(`${placeholderFor('A')} and ${placeholderFor('B')} ${placeholderFor('A')}`)).toEqual(['A', 'B']);
    expect(placeholderNames('Bearer {{chameleon-secret:A')).toEqual([]);
  });

  it('mentionsPlaceholder() sees one in a URL path, where the braces are percent-encoded', () => {
    expect(mentionsPlaceholder(new URL(`https://a.com/${placeholderFor('A')}`).href)).toBe(true);
    expect(mentionsPlaceholder(`https://a.com/?t=${encodeURIComponent(placeholderFor('A'))}`)).toBe(true);
    expect(mentionsPlaceholder('https://a.com/secret')).toBe(false);
  });
});

describe('substituteSecrets()', () => {
  const url = new URL('https://api.github.com/user');

  it('puts the value in place of the placeholder for one of its hosts, and reports it used', () => {
    const result = substituteSecrets(
      [
        ['authorization', `Bearer ${placeholderFor('GITHUB_TOKEN')}`],
        ['accept', 'application/json'],
      ],
      url,
      policy(),
    );
    expect(result).toEqual({
      ok: true,
      headers: [
        ['authorization', `Bearer ${TOKEN}`],
        ['accept', 'application/json'],
      ],
      used: new Map([['GITHUB_TOKEN', TOKEN]]),
    });
  });

  it('refuses for another host, naming the secret and its hosts but never its value', () => {
    const result = substituteSecrets([['authorization', `Bearer ${placeholderFor('GITHUB_TOKEN')}`]], new URL('https://evil.example/'), policy());
    expect(result.ok).toBe(false);
    const { refusal } = result as Extract<typeof result, { ok: false }>;
    expect(refusal).toMatchObject({ name: 'CapabilityError' });
    expect(refusal.message).toMatch(/secret "GITHUB_TOKEN" may only be sent to api\.github\.com.*evil\.example.*secrets\.GITHUB_TOKEN\.hosts/);
    expect(refusal.message).not.toContain(TOKEN);
  });

  it('says whose omission a missing secret is', () => {
    const message = (p: EgressPolicy) => {
      const r = substituteSecrets([['x-key', placeholderFor('OTHER')]], url, p);
      return r.ok ? '' : r.refusal.message;
    };
    expect(message(policy())).toMatch(/tool must list it in its capabilities\.secrets, and the host must configure it/);
    expect(message(policy({ declaredSecrets: ['GITHUB_TOKEN', 'OTHER'] }))).toMatch(/declared by tool issues but not configured on this server/);
    expect(message(policy({ declaredSecrets: ['GITHUB_TOKEN'] }))).toMatch(/uses secret "OTHER" without declaring it: add "OTHER" to its capabilities\.secrets/);
  });

  it('refuses a secret whose value would break the header line, without quoting it', () => {
    const value = 'abc\r\nX-Injected: 1';
    const result = substituteSecrets([['authorization', placeholderFor('GITHUB_TOKEN')]], url, policy({ secrets: new Map([['GITHUB_TOKEN', { value, hosts: ['api.github.com'] }]]) }));
    expect(result.ok).toBe(false);
    const { refusal } = result as Extract<typeof result, { ok: false }>;
    expect(refusal).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/secret "GITHUB_TOKEN" contains a line break/) });
    expect(refusal.message).not.toContain('abc');
  });
});

describe('redaction', () => {
  it('replaces the value, its encodings and base64 at every alignment by the placeholder', () => {
    const redact = redactor(new Map([['GITHUB_TOKEN', TOKEN]]));
    const p = placeholderFor('GITHUB_TOKEN');
    expect(redact(`token=${TOKEN};`)).toBe(`token=${p};`);
    expect(redact(`q=${encodeURIComponent(TOKEN)}`)).toBe(`q=${p}`);
    expect(redact(JSON.stringify({ t: TOKEN }))).toBe(JSON.stringify({ t: p }));
    expect(redact(Buffer.from(TOKEN).toString('base64'))).not.toContain(Buffer.from(TOKEN).toString('base64').slice(0, 20));
    for (const prefix of ['', 'u:', 'us:', 'use:']) {
      const basic = Buffer.from(`${prefix}${TOKEN}`).toString('base64');
      const out = redact(`Basic ${basic}`);
      expect(out).toContain(p);
      // What remains: the groups that encode the prefix (with at most two of the token's
      // bytes mixed in) and the last group (at most two of its bytes).
      const prefixGroups = Math.ceil((prefix.length + 2) / 3) * 4;
      expect(out.length - p.length).toBeLessThanOrEqual('Basic '.length + prefixGroups + 4);
      const url64 = Buffer.from(`${prefix}${TOKEN}`).toString('base64url');
      expect(redact(url64)).toContain(p);
    }
  });

  it('leaves text without secrets alone and skips empty values', () => {
    expect(redactor(new Map([['E', '']]))('anything')).toBe('anything');
    expect(redactor(new Map([['A', 'abcdef']]))('no match here')).toBe('no match here');
    expect(secretForms('')).toEqual([]);
  });
});
