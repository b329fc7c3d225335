/**
 * Parses the frames out of a V8 `error.stack` string.
 *
 * The stack comes from guest code, which can assign any string to `error.stack`, so this
 * parser treats it as hostile: it never throws, it reads at most MAX_FRAME_LINES lines of at
 * most MAX_LINE_LENGTH characters (scanning from the end, so a huge message costs nothing), and
 * it uses no regular expression that can backtrack badly.
 *
 * V8 writes `<name>: <message>` and then one `    at ...` line per frame. The message can span
 * several lines and contain text that looks like frames, so frames are only read from the
 * trailing run of `    at ` lines; when the caller knows the message, the text up to its end
 * is skipped as well (see `ParseOptions.message`).
 */
import { singleLine } from './display-text.js';
import {
  oneBasedColumn,
  oneBasedLine,
  type OneBasedColumn,
  type OneBasedLine,
} from './positions.js';

export interface RawFrame {
  /** Readable name: no `async `/`new ` prefix, no `[as alias]`, no meaningless `Object.`; null when anonymous. */
  functionName: string | null;
  /** Script name (`chameleon/default/fib@3.js`, `native`, `<anonymous>`, ...); null when absent. */
  fileName: string | null;
  line1: OneBasedLine | null;
  column1: OneBasedColumn | null;
  /** `at async f (...)`: the frame of an awaiting async function. */
  isAsync: boolean;
  /** `at new Foo (...)`. */
  isConstructor: boolean;
  /** Code run by eval or `new Function`; `fileName` is then the eval'd code's own name. */
  isEval: boolean;
}

export interface ParseOptions {
  /**
   * The error's message, if known. Frames are then only read after its first occurrence, so a
   * message whose last lines look like frames does not contribute fake frames.
   */
  message?: string;
}

export const MAX_FRAME_LINES = 200;
/** Longer lines end the frame run: no genuine frame line comes near this. */
export const MAX_LINE_LENGTH = 2_048;
/** Function names longer than this are cut (they are shown to the agent). */
export const MAX_FUNCTION_NAME_LENGTH = 256;

const FRAME_PREFIX = '    at ';
// The message is looked for only near the start: after `<name>: ` (names are short).
const MAX_HEADER_BEFORE_MESSAGE = 1_024;

export function parseV8Stack(stack: string, options: ParseOptions = {}): RawFrame[] {
  try {
    if (typeof stack !== 'string') return [];
    return trailingFrameLines(stack, framesStartAt(stack, options.message)).map(parseFrameLine);
  } catch {
    // Defence in depth: nothing above should throw, but a stack must never break error reporting.
    return [];
  }
}

/** Where frames may begin: after the message when it is found near the start, else 0. */
function framesStartAt(stack: string, message: string | undefined): number {
  if (typeof message !== 'string' || message === '' || !message.includes('\n')) return 0;
  const head = stack.slice(0, MAX_HEADER_BEFORE_MESSAGE + message.length);
  const at = head.indexOf(message);
  return at < 0 ? 0 : at + message.length;
}

/** The trailing run of frame lines of `text[from..]`, in their original order. */
function trailingFrameLines(text: string, from: number): string[] {
  let end = text.length;
  // Tolerate trailing line breaks, but only a line's worth of them.
  const stopTrimAt = Math.max(from, end - MAX_LINE_LENGTH);
  while (end > stopTrimAt && isLineBreak(text.charCodeAt(end - 1))) end -= 1;
  if (end === stopTrimAt && stopTrimAt > from) return [];

  const lines: string[] = [];
  while (end > from && lines.length < MAX_FRAME_LINES) {
    // Look for the line start only within one maximal line: bounded work per line.
    const windowStart = Math.max(from, end - MAX_LINE_LENGTH - 1);
    const newline = text.slice(windowStart, end).lastIndexOf('\n');
    const start = newline >= 0 ? windowStart + newline + 1 : windowStart;
    if (start === windowStart && windowStart > from) break; // longer than any real frame line
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!line.startsWith(FRAME_PREFIX)) break;
    lines.push(line);
    end = start - 1;
  }
  return lines.reverse();
}

function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d;
}

function parseFrameLine(line: string): RawFrame {
  let body = line.slice(FRAME_PREFIX.length).trim();
  let isAsync = false;
  if (body.startsWith('async ')) {
    isAsync = true;
    body = body.slice('async '.length);
  }

  // `name (location)` or a bare `location`. The location can itself contain parentheses
  // (`eval at f (file:1:2), <anonymous>:1:1`), so match the final `)` to its own `(`.
  let name: string | null = null;
  let location = body;
  if (body.endsWith(')')) {
    const open = matchingOpenParen(body);
    if (open > 0 && body[open - 1] === ' ') {
      name = body.slice(0, open - 1);
      location = body.slice(open + 1, -1);
    }
  }

  let isConstructor = false;
  if (name !== null && name.startsWith('new ')) {
    isConstructor = true;
    name = name.slice('new '.length);
  }

  return { functionName: readableName(name), ...parseLocation(location), isAsync, isConstructor };
}

/** Index of the `(` that matches the `)` ending `s`, or -1. */
function matchingOpenParen(s: string): number {
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i -= 1) {
    const c = s.charCodeAt(i);
    if (c === 0x29 /* ) */) depth += 1;
    else if (c === 0x28 /* ( */) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

type Location = Pick<RawFrame, 'fileName' | 'line1' | 'column1' | 'isEval'>;

function parseLocation(location: string): Location {
  // `eval at outer (outer-location), <anonymous>:1:15`: the position that belongs to this
  // frame is the last one, inside the eval'd code.
  if (location.startsWith('eval at ')) {
    const comma = location.lastIndexOf(', ');
    const inner = comma < 0 ? '' : location.slice(comma + 2);
    return { ...parsePosition(inner), isEval: true };
  }
  return { ...parsePosition(location), isEval: false };
}

function parsePosition(location: string): Omit<Location, 'isEval'> {
  // `file:line:column`, rarely `file:line`; file names may contain colons (`file:///x.js`),
  // so the numbers are taken from the end.
  const lastColon = location.lastIndexOf(':');
  const last = digits(location.slice(lastColon + 1));
  if (lastColon > 0 && last !== null) {
    const before = location.slice(0, lastColon);
    const secondColon = before.lastIndexOf(':');
    const first = digits(before.slice(secondColon + 1));
    if (secondColon > 0 && first !== null) {
      return {
        fileName: before.slice(0, secondColon),
        line1: oneBasedLine(first),
        column1: oneBasedColumn(last),
      };
    }
    return { fileName: before, line1: oneBasedLine(last), column1: null };
  }
  return { fileName: location === '' ? null : location, line1: null, column1: null };
}

/** The value of a run of 1 to 20 ASCII digits (range checked by the caller), else null. */
function digits(s: string): number | null {
  if (s.length === 0 || s.length > 20) return null;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return Number(s);
}

/**
 * V8 names frames `Receiver.method [as alias]`. The receiver helps for classes
 * (`Counter.tick`), but `Object.` only says "a plain object" (`Object.default` is the module's
 * default export, `Object.<anonymous>` an anonymous function), so it is dropped.
 */
function readableName(name: string | null): string | null {
  if (name === null) return null;
  let readable = name;
  if (readable.endsWith(']')) {
    const alias = readable.lastIndexOf(' [as ');
    if (alias > 0) readable = readable.slice(0, alias);
  }
  if (readable.startsWith('Object.') && readable.length > 'Object.'.length) {
    readable = readable.slice('Object.'.length);
  }
  if (readable === '' || readable === '<anonymous>') return null;
  return singleLine(readable, MAX_FUNCTION_NAME_LENGTH);
}
