/*
 * URL, parsed by the host's WHATWG parser (Node's URL, ada) through one synchronous callback
 * that takes strings and returns a string: the components of the parsed URL as JSON, or ''
 * when the input is not a URL (src/sandbox-host/worker/url-hook.ts). The alternatives were
 * measured: whatwg-url bundles to ~500 KB with its IDNA tables (and needs TextEncoder before
 * it loads); core-js's URL added ~20-30 ms to every realm, doubling its build. Node's parser is
 * the reference the tests compare with, and costs a realm nothing until a tool parses.
 *
 * Every string crossing is capped (MAX_URL_CHARS, Chrome's limit for a URL): a tool cannot
 * make the sandbox process copy more than that per parse. The host's answer is checked here.
 */
import { linkedParams, resetParams, type URLSearchParams } from './url-search-params.js';
import { defineTag, toUSVString } from './webidl.js';

/** Longest string sent to the host's parser (2 MiB characters, Chrome's URL limit). */
export const MAX_URL_CHARS = 2 * 1024 * 1024;

const TypeErrorCtor = TypeError;
const parseJSON = JSON.parse;
const isArray = Array.isArray;

/** The host's parser: ('parse', input, base, hasBase ? '1' : '') or ('set', href, component, value). */
export type URLHook = (op: string, a: string, b: string, c: string) => unknown;

/** Index of each component in the host's answer (url-hook.ts writes them in this order). */
const Part = { href: 0, origin: 1, protocol: 2, username: 3, password: 4, host: 5, hostname: 6, port: 7, pathname: 8, search: 9, hash: 10 } as const;
const PART_COUNT = 11;

/** The components the host answered with, or null (not a URL, or an answer of the wrong shape). */
function partsOf(answer: unknown): string[] | null {
  if (typeof answer !== 'string' || answer === '') return null;
  const parts: unknown = parseJSON(answer);
  if (!isArray(parts) || parts.length !== PART_COUNT || !parts.every((p) => typeof p === 'string')) return null;
  return parts;
}

function capped(text: string, what: string): string {
  if (text.length > MAX_URL_CHARS) throw new TypeErrorCtor(`${what} is ${text.length} characters long; URLs are limited to ${MAX_URL_CHARS}.`);
  return text;
}

function shown(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** The host's parser, given once while the realm is built (install.ts). */
let hook: URLHook = () => '';
let hooked = false;
export function setURLHook(given: URLHook): void {
  if (hooked) throw new TypeErrorCtor('Chameleon prelude: the URL hook is set twice');
  hook = given;
  hooked = true;
}

function parse(input: string, base: string | undefined): string[] | null {
  return partsOf(hook('parse', capped(input, 'The URL'), base === undefined ? '' : capped(base, 'The base URL'), base === undefined ? '' : '1'));
}

// A class at module level, not made by a function: its body is compiled with the prelude's
// script, whose code cache every new realm reuses (isolate-cache.ts).
export class URL {
  #parts: string[];
  readonly #query: URLSearchParams;

  constructor(url: unknown, base: unknown = undefined) {
    if (arguments.length === 0) throw new TypeErrorCtor('URL: 1 argument required, but only 0 present.');
    const input = toUSVString(url);
    const baseText = base === undefined ? undefined : toUSVString(base);
    const parts = parse(input, baseText);
    if (parts === null) throw new TypeErrorCtor(baseText === undefined ? `Invalid URL: ${shown(input)}` : `Invalid URL: ${shown(input)} against the base ${shown(baseText)}`);
    this.#parts = parts;
    this.#query = linkedParams(parts[Part.search]!, (serialized) => this.#apply('search', serialized));
  }

  static canParse(url: unknown, base: unknown = undefined): boolean {
    if (arguments.length === 0) throw new TypeErrorCtor('URL.canParse: 1 argument required, but only 0 present.');
    const input = toUSVString(url);
    const baseText = base === undefined ? undefined : toUSVString(base);
    if (input.length > MAX_URL_CHARS || (baseText?.length ?? 0) > MAX_URL_CHARS) return false;
    return parse(input, baseText) !== null;
  }

  static parse(url: unknown, base: unknown = undefined): URL | null {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  /** Runs a component's setter on the host; an invalid value leaves the URL as it was (the standard's rule). */
  #apply(component: string, value: string): void {
    const parts = partsOf(hook('set', this.#parts[Part.href]!, component, capped(value, `The new ${component}`)));
    if (parts !== null) this.#parts = parts;
  }

  #set(component: string, value: unknown): void {
    this.#apply(component, toUSVString(value));
    if (component === 'search') resetParams(this.#query, this.#parts[Part.search]!);
  }

  get href(): string {
    return this.#parts[Part.href]!;
  }
  set href(value: string) {
    const input = toUSVString(value);
    const parts = parse(input, undefined);
    if (parts === null) throw new TypeErrorCtor(`Invalid URL: ${shown(input)}`);
    this.#parts = parts;
    resetParams(this.#query, parts[Part.search]!);
  }
  get origin(): string {
    return this.#parts[Part.origin]!;
  }
  get protocol(): string {
    return this.#parts[Part.protocol]!;
  }
  set protocol(value: string) {
    this.#set('protocol', value);
  }
  get username(): string {
    return this.#parts[Part.username]!;
  }
  set username(value: string) {
    this.#set('username', value);
  }
  get password(): string {
    return this.#parts[Part.password]!;
  }
  set password(value: string) {
    this.#set('password', value);
  }
  get host(): string {
    return this.#parts[Part.host]!;
  }
  set host(value: string) {
    this.#set('host', value);
  }
  get hostname(): string {
    return this.#parts[Part.hostname]!;
  }
  set hostname(value: string) {
    this.#set('hostname', value);
  }
  get port(): string {
    return this.#parts[Part.port]!;
  }
  set port(value: string) {
    this.#set('port', value);
  }
  get pathname(): string {
    return this.#parts[Part.pathname]!;
  }
  set pathname(value: string) {
    this.#set('pathname', value);
  }
  get search(): string {
    return this.#parts[Part.search]!;
  }
  set search(value: string) {
    this.#set('search', value);
  }
  get searchParams(): URLSearchParams {
    return this.#query;
  }
  get hash(): string {
    return this.#parts[Part.hash]!;
  }
  set hash(value: string) {
    this.#set('hash', value);
  }
  toString(): string {
    return this.#parts[Part.href]!;
  }
  toJSON(): string {
    return this.#parts[Part.href]!;
  }
}
defineTag(URL, 'URL');
