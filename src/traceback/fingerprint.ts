/**
 * A failure's fingerprint (issue 17, item 5): what makes two failures "the same bug", so that
 * the log can say how often one was seen, since when and in which versions.
 *
 * It is a hash of four parts, and deliberately not of the version number:
 * - the kind (`exception`, `timeout`, ...) and the error name (`TypeError`);
 * - the message with what varies from call to call replaced by placeholders (normaliseMessage);
 * - where it failed: the innermost frame in code the agent wrote (not a package's), as the
 *   tool (or library) name, the function name and the failing line's *text*, whitespace
 *   collapsed, with its ordinal among the lines of that source with the same text.
 *
 * Why the line's text and not its number, nor the function plus an offset in it: an agent's
 * next version typically adds a guard, an import or a log line somewhere above the bug, often
 * in the same function. The text of the failing line survives all of those; a line number
 * survives none, an offset inside the function not the most common one. What changes the
 * fingerprint is an edit of the failing line itself (a different line fails: a different bug,
 * or an attempted fix that did not work, which the agent wants told apart), or a copy of the
 * same text inserted above it (the ordinal moves). Indentation does not count.
 *
 * Failures with no frame in the agent's code (limits, invalid arguments or results, overload,
 * sandbox faults, kv quotas) are fingerprinted by kind, name and normalised message alone.
 *
 * A timeout counts only the first sentence of its message and no sampled frame: whether a
 * call stopped at its CPU limit is sampled depends on the call before it (a version's first
 * timeout is not), and what the samples say (the hottest function, its share) varies from run
 * to run of one loop; the sentences that say so follow the first one (timeout-failure.ts).
 * Without this, the same infinite loop would count as two bugs: unsampled, then sampled.
 */
import { createHash } from 'node:crypto';

import type { FailureKind, Frame } from '../model.js';

/** Characters of a message that are normalised and hashed: hints appended after it are constant text. */
const MAX_MESSAGE_CHARS = 2_000;
/** Characters of the failing line's text that are hashed. */
const MAX_LINE_CHARS = 500;
/** Hex digits kept of the SHA-256: 64 bits, ample for the failures of one persona. */
const FINGERPRINT_HEX = 16;

/**
 * What varies between two occurrences of one bug, in the order it is replaced (each rule sees
 * the text the ones before it left). Said in docs/meta-tools.md's get_last_error section.
 */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // Quoted text: the value that was missing, the key that was wrong. A single quote opens a
  // string only where no letter precedes it, so "can't" and "tool's" stay words.
  [/"(?:[^"\\\n]|\\.){0,500}"/g, '"<str>"'],
  [/(?<![\p{L}\p{N}])'(?:[^'\\\n]|\\.){0,500}'/gu, "'<str>'"],
  [/`[^`\n]{0,500}`/g, '`<str>`'],
  // URLs before paths: a URL's path is part of it.
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi, '<url>'],
  // No \b before it: `ex_<uuid>` (an execution id) has a word character there.
  [/(?<![0-9a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])/gi, '<uuid>'],
  // Ids as generated: a prefix, an underscore or dash, then letters and digits with a digit in them (ex_9f8e..., user-42ab).
  [/\b[A-Za-z]{1,10}[_-](?=[A-Za-z0-9]*\d)[A-Za-z0-9]{6,}\b/g, '<id>'],
  // File paths with at least two parts (`/tmp/x/y.json`, `C:\data\in.csv`); `/n` alone (a JSON pointer) stays.
  [/(?:\b[A-Za-z]:)?(?:[\\/][\w.@~+-]+){2,}[\\/]?/g, '<path>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Long hex runs with a digit in them: hashes, object ids.
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  // Numbers, including those glued to a word by an underscore (`row_17`), not digits in names (`utf8`, `Int32Array`).
  [/(?<![\p{L}\d])-?\d+(?:[.,]\d+)*(?:e[+-]?\d+)?/gu, '<n>'],
];

/** The message with what varies between occurrences replaced by `<str>`, `<url>`, `<uuid>`, `<id>`, `<path>`, `<hex>` and `<n>`. */
export function normaliseMessage(message: string): string {
  let text = message.length > MAX_MESSAGE_CHARS ? message.slice(0, MAX_MESSAGE_CHARS) : message;
  for (const [pattern, placeholder] of RULES) text = text.replace(pattern, placeholder);
  return text.replace(/\s+/g, ' ').trim();
}

/** Where a failure happened, in terms that do not move when unrelated lines move. */
export interface StableLocation {
  tool: string;
  function: string;
  /** The failing line, whitespace collapsed; empty when the source could not be read. */
  text: string;
  /** 1 for the first line of the source with this text, 2 for the second, ... */
  ordinal: number;
}

/** The source of a version a frame names, or undefined when it cannot be read. */
export type SourceOf = (tool: string, version: number) => string | undefined;

/** The stable location of the innermost frame in the agent's own code; null when there is none. */
export function stableLocation(frames: readonly Frame[], sourceOf: SourceOf): StableLocation | null {
  const top = frames.find((f) => f.package === undefined);
  if (top === undefined) return null;
  const source = sourceOf(top.tool, top.version);
  const lines = source === undefined || !Number.isSafeInteger(top.line) || top.line < 1 ? [] : source.split(/\r\n|[\n\r\u2028\u2029]/, top.line);
  const failing = lines[top.line - 1];
  if (failing === undefined) return { tool: top.tool, function: top.function, text: '', ordinal: 0 };
  const text = collapse(failing);
  // Only a line that holds the text's longest run without whitespace can collapse to it: the
  // others are skipped without collapsing them (measured: 1.5 ms -> 0.2 ms at line 1,650 of 94 KB).
  const anchor = text.split(' ').reduce((a, b) => (b.length > a.length ? b : a), '');
  let ordinal = 0;
  for (const line of lines) if (line.includes(anchor) && collapse(line) === text) ordinal++;
  return { tool: top.tool, function: top.function, text, ordinal };
}

function collapse(line: string): string {
  return line.replace(/\s+/g, ' ').trim().slice(0, MAX_LINE_CHARS);
}

export interface FingerprintInput {
  kind: FailureKind;
  name: string;
  message: string;
  frames: readonly Frame[];
}

/** 16 hex digits identifying the failure across versions (see the file comment). */
export function failureFingerprint(failure: FingerprintInput, sourceOf: SourceOf): string {
  const timeout = failure.kind === 'timeout';
  const where = stableLocation(timeout ? failure.frames.filter((f) => f.sampled !== true) : failure.frames, sourceOf);
  const message = timeout ? firstSentence(failure.message) : failure.message;
  // A JSON array of strings is unambiguous where concatenation would not be.
  const parts = [failure.kind, failure.name, normaliseMessage(message), ...(where === null ? [] : [where.tool, where.function, where.text, String(where.ordinal)])];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, FINGERPRINT_HEX);
}

/** Up to and including the first full stop followed by a space (the whole message when there is none). */
function firstSentence(message: string): string {
  const end = message.indexOf('. ');
  return end < 0 ? message : message.slice(0, end + 1);
}
