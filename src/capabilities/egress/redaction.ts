/**
 * Replaces secret values a response reflects (an echo service, an error page quoting the
 * Authorization header) by their placeholders before the response crosses into the sandbox.
 *
 * Forms caught: the value itself, percent-encoded (URL and form style), JSON-escaped, and
 * base64/base64url at any of the three byte alignments (so `Basic base64(user:token)` is
 * caught too, except the at most two characters at each end that mix the token's bytes
 * with its neighbours'). Not caught: any other transformation a server applies before
 * echoing (hashing aside, e.g. hex, reversed, split, re-encoded twice); SECURITY.md says so.
 */
import { placeholderFor } from './secrets.js';

/** Shorter encoded forms are not replaced: they would also match unrelated text. */
const MIN_ENCODED_FORM = 6;

export type Redact = (text: string) => string;

/** The base64 text that encodes only bytes of `value`, at each alignment within a longer buffer. */
function base64Forms(bytes: Buffer, encoding: 'base64' | 'base64url'): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(encoding);
    // Groups of 4 characters encode 3 bytes: drop the group that mixes in the padding bytes
    // in front and the last group, which mixes in whatever follows the value.
    const start = offset === 0 ? 0 : 4;
    const whole = Math.floor((offset + bytes.length) / 3) * 4;
    forms.push(encoded.slice(start, whole));
  }
  return forms;
}

/** Every text form of one secret value that is replaced, longest first. */
export function secretForms(value: string): string[] {
  if (value === '') return [];
  const bytes = Buffer.from(value, 'latin1');
  const forms = new Set<string>([value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), JSON.stringify(value).slice(1, -1)]);
  for (const form of [...base64Forms(bytes, 'base64'), ...base64Forms(bytes, 'base64url')]) {
    if (form.length >= MIN_ENCODED_FORM) forms.add(form);
  }
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
}

/** A function that replaces every form of every given secret by its placeholder. */
export function redactor(secrets: ReadonlyMap<string, string>): Redact {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of secrets) for (const form of secretForms(value)) pairs.push([form, placeholderFor(name)]);
  pairs.sort((a, b) => b[0].length - a[0].length);
  if (pairs.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const [form, placeholder] of pairs) if (out.includes(form)) out = out.split(form).join(placeholder);
    return out;
  };
}
