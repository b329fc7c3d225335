/**
 * Source-map "magic comments" in a tool's source are ignored.
 *
 * Two readers obey them. V8 names a script after `//# sourceURL=` (and the legacy `//@`) in
 * its stack frames, so a tool could attribute its frames to a host file. The compilers read
 * `//# sourceMappingURL=` (also `/*# ... *\/`): esbuild composes an inline `data:` map into
 * the map it returns, and swc does too unless told not to, so a tool could send its frames to
 * any line of any file it names. Our own map, of the source as written, is the only one used.
 *
 * The fix keeps every position: the `#` or `@` after `//` or `/*` becomes a space, so the
 * comment stays a comment of the same length and no line or column of the agent's source moves.
 * It is done on the text, not on tokens: a tokenizer that a crafted source could confuse
 * (regex literals, template nesting) would fail open, this fails closed. The price: a string
 * literal that contains such text (`'//# sourceURL=x'`) sees it changed too, at the same length.
 */

// The marker, right after `//` or `/*`, that starts a directive naming sourceURL or
// sourceMappingURL. `\s*` takes line breaks too, and the name is matched case-insensitively:
// wider than V8 or esbuild read, never narrower. Linear: one marker per match, no nesting.
const MAGIC_MARKER = /(?<=\/[/*])[#@](?=\s*source(?:Mapping)?URL)/gi;

/** `code` with every source-map magic comment turned into a plain comment of the same length. */
export function neutraliseMagicComments(code: string): string {
  return code.replace(MAGIC_MARKER, ' ');
}
