/**
 * Guest-controlled text (function names, messages) ends up in lines we print. These helpers
 * keep one value on one line and bound its length, so a crafted name cannot forge extra
 * traceback lines or make the output arbitrarily long.
 */

// C0 controls, DEL, C1 controls and the two Unicode line separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export const ELLIPSIS = '…';

/** `text` cut to at most `max` characters, the cut marked with an ellipsis. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  // Do not leave half of a surrogate pair before the ellipsis.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * The end of `text`, at most about `max` characters, behind a line that says how much was cut:
 * for console output, whose last lines (right before a failure) matter most. The kept part
 * starts at a line break when one is near, and never with half of a surrogate pair.
 */
export function tailText(text: string, max: number): string {
  if (text.length <= max) return text;
  let start = text.length - max;
  const lineBreak = text.indexOf('\n', start);
  if (lineBreak !== -1 && lineBreak - start < max / 4) start = lineBreak + 1;
  if (start < text.length && isLowSurrogate(text.charCodeAt(start))) start += 1;
  return `${ELLIPSIS}[${start} characters cut; the last ${text.length - start} follow]\n${text.slice(start)}`;
}

/** `text` with control characters and line breaks replaced by spaces, then capped. */
export function singleLine(text: string, max: number): string {
  // Cap first (with headroom) so that the regex never runs over a huge string.
  return capText(capText(text, max + 1).replace(CONTROL, ' '), max);
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
