/**
 * Secret placeholders: the text a tool writes where a secret goes (`ctx.secret("NAME")` returns
 * it). The sandbox only ever sees this text; the server swaps in the value on requests to the
 * secret's hosts, and swaps it back in what the response reflects.
 *
 * The format is the contract with the guest's prelude, which builds the same text: copy
 * `SECRET_PLACEHOLDER_OPEN`/`_CLOSE` there. It is ASCII so it is a valid header value (a
 * ByteString) and braces so it cannot occur by accident in a real token or header.
 */
export const SECRET_PLACEHOLDER_OPEN = '{{chameleon-secret:';
export const SECRET_PLACEHOLDER_CLOSE = '}}';

/** The placeholder for a secret, the same text every call: `{{chameleon-secret:GITHUB_TOKEN}}`. */
export function placeholderFor(name: string): string {
  return `${SECRET_PLACEHOLDER_OPEN}${name}${SECRET_PLACEHOLDER_CLOSE}`;
}

/** A placeholder in text; the name is anything up to the closing braces (unknown names are refused by name). */
const PLACEHOLDER = /\{\{chameleon-secret:([^{}\r\n]{0,200})\}\}/g;

/** The secret names whose placeholders occur in `text`, in order, without repeats. */
export function placeholderNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Replaces each placeholder in `text` by `valueOf(name)`. */
export function replacePlaceholders(text: string, valueOf: (name: string) => string): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => valueOf(name));
}

/**
 * Whether `text` (a URL or a body) carries a placeholder, also percent-encoded (a URL's path
 * encodes the braces): it would be sent as the placeholder, never as the secret, so this
 * only serves to tell the tool's author why it does not work.
 */
export function mentionsPlaceholder(text: string): boolean {
  return /chameleon-secret(:|%3a)/i.test(text);
}
