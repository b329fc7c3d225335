/**
 * Text from guests (tool names, messages, console output, arguments, source) reaches the
 * operator's terminal through `chameleon logs`, `tools show` and the demo; text from clients
 * (HTTP headers, tool names) through the server's stderr log (src/logger.ts). A terminal obeys
 * escape sequences: colours, cursor moves, screen clears, window titles, hyperlinks (OSC 8),
 * clipboard writes (OSC 52). So every guest-controlled string is passed through `terminalSafe`
 * before it is printed: escape sequences are removed, any other control character becomes
 * U+FFFD (visible, so tampering shows), and nothing but `\n` (and `\t` in multi-line text)
 * survives. Our own colours are added after this, around text that is already safe.
 */

// ESC-introduced sequences: CSI (`ESC [` params intermediates final), string commands OSC/DCS/
// SOS/PM/APC (`ESC ] ... BEL|ST`, capped so an unterminated one cannot swallow the rest), and
// the two-character forms (`ESC c`, `ESC 7`, ...). Then their 8-bit C1 forms (U+009B CSI,
// U+009D OSC, U+0090 DCS, ...), which some terminals honour in UTF-8 too.
const ESCAPE_SEQUENCES = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*[@-~]',
    '\\u001b[\\]PX^_][^\\u0007\\u001b\\u009c]{0,4096}(?:\\u0007|\\u001b\\\\|\\u009c)',
    '\\u001b[ -/]*[0-~]',
    '\\u009b[0-?]*[ -/]*[@-~]',
    '[\\u0090\\u0098\\u009d\\u009e\\u009f][^\\u0007\\u001b\\u009c]{0,4096}(?:\\u0007|\\u001b\\\\|\\u009c)',
  ].join('|'),
  'g',
);

// Left after the sequences are gone: C0 controls, DEL, C1 controls, and the bidirectional
// controls that reorder text on screen ("Trojan Source"): overrides and embeddings
// (U+202A-202E), isolates (U+2066-2069) and the marks (LRM U+200E, RLM U+200F, ALM U+061C).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS_MULTI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS_SINGLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const REPLACEMENT = '\ufffd';
export const ELLIPSIS = '…';

export interface SafeTextOptions {
  /** Keep line breaks (`\r\n`, `\r`, U+2028/2029 become `\n`) and tabs. Default false. */
  multiline?: boolean;
  /** Cap the result at this many characters (code points), marking the cut with `…`. */
  max?: number;
}

/** `text` made harmless for a terminal; see the file comment. Never throws. */
export function terminalSafe(text: unknown, options: SafeTextOptions = {}): string {
  let s = typeof text === 'string' ? text : String(text);
  // Bound the work on huge inputs before any regex runs (with headroom for removed sequences).
  if (options.max !== undefined && s.length > options.max * 4 + 8192) s = s.slice(0, options.max * 4 + 8192);
  s = s.replace(ESCAPE_SEQUENCES, '');
  if (options.multiline) {
    s = s.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(CONTROLS_MULTI, REPLACEMENT);
  } else {
    s = s.replace(/\r\n?|[\n\t\u2028\u2029]/g, ' ').replace(CONTROLS_SINGLE, REPLACEMENT);
  }
  return options.max === undefined ? s : truncate(s, options.max);
}

/** At most `max` code points, the cut marked with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return max <= 0 ? '' : points.slice(0, max - 1).join('') + ELLIPSIS;
}

/** Width on screen, counted in code points (wide CJK characters are not measured). */
export function displayWidth(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Every line of `text` prefixed with `prefix`. */
export function indent(text: string, prefix = '  '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}
