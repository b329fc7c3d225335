/**
 * V8's early errors, found at compile time in this process instead of at the sandbox's load
 * check (where they surfaced as `internal`, with no line).
 *
 * swc strips types without reporting most early errors: a duplicate `const`, `let` after `var`,
 * an invalid regex literal, a top-level `await`, duplicate parameters (an error in the strict
 * code compile() makes), a top-level `const require` (the wrapper's own parameter) all
 * compile, and V8 refuses the output when the sandbox compiles it. So the
 * compiled code is parsed once here, in the same wrapper shape, with `new vm.Script`: parsing
 * only, nothing runs, and the server's V8 is the isolate's V8 (isolated-vm runs in the same
 * process), so what fails here is exactly what would fail there. Cost, measured with a new text
 * each time (V8's compilation cache answers a repeated one from memory) on a loaded 2-core
 * machine: ~0.07 ms for a 50-line tool (its swc compile: ~0.5 ms), ~1.8 ms for a 68 KB one
 * (its esbuild compile: ~29 ms). Cheap because V8 only pre-parses inner functions, and its
 * pre-parser still reports their early errors.
 *
 * V8 gives a SyntaxError's position only in the text Node puts above the message in its stack
 * ("file:LINE", the source line, a caret line); that layout is pinned by a unit test, and when
 * it cannot be read the failure keeps the line, or at worst the message.
 */
import vm from 'node:vm';

import { SourceMapConsumer } from 'source-map';

import { MODULE_PARAMETERS } from './module-wrapper.js';

/**
 * The sandbox's wrapper (sandbox-host/worker/isolate-cache.ts wrapModule) with the same
 * parameters and line shape: the compiled code starts on the wrapper's line 2.
 */
const WRAP_HEAD = `(function (${MODULE_PARAMETERS}) {\n`;
const WRAP_TAIL = '\n})';
/** A fixed name: the tool's own file name never reaches a host stack. */
const CHECK_FILE = 'chameleon-early-errors.js';

/** A SyntaxError's position in the compiled code: 1-based line, 0-based column when known. */
export interface CompiledSyntaxError {
  message: string;
  line1: number;
  column0: number | null;
}

/** V8's SyntaxError for the compiled code in the sandbox's wrapper, or null when it parses. */
export function compiledSyntaxError(compiledJs: string): CompiledSyntaxError | null {
  try {
    new vm.Script(WRAP_HEAD + compiledJs + WRAP_TAIL, { filename: CHECK_FILE });
    return null;
  } catch (err) {
    // Anything else (a RangeError for code nested too deep to parse here) is left to the
    // sandbox's own load check: this check may only refuse what V8 itself calls a SyntaxError.
    if (!(err instanceof SyntaxError)) return null;
    return { message: err.message, ...positionInStack(err.stack ?? '') };
  }
}

/**
 * "chameleon-early-errors.js:12\n<source line>\n      ^^^\n\nSyntaxError: ...": the wrapper's
 * line 12 is the compiled code's line 11. Node draws the caret under V8's start column, one
 * character (space or tab) per column, for lines up to ~1000 characters: past that the column
 * is not trusted.
 */
function positionInStack(stack: string): { line1: number; column0: number | null } {
  const [head, , caretLine] = stack.split('\n');
  const line = new RegExp(`^${CHECK_FILE.replace(/\./g, '\\.')}:(\\d+)$`).exec(head ?? '');
  const wrappedLine = line ? Number(line[1]) : NaN;
  const line1 = Number.isSafeInteger(wrappedLine) && wrappedLine >= 2 ? wrappedLine - 1 : 1;
  const caret = caretLine === undefined || !/^[ \t]*\^+$/.test(caretLine) ? -1 : caretLine.indexOf('^');
  return { line1, column0: caret >= 0 && caret < 1000 ? caret : null };
}

/**
 * 1-based line and column in the agent's source of a compiled position, and the map's name of
 * that source (a bundle has several: traceback/bundle-sources.ts), or null when the map has none.
 */
export async function originalPosition(
  sourceMap: string,
  at: { line1: number; column0: number | null },
): Promise<{ line: number; column: number; source: string | null } | null> {
  return SourceMapConsumer.with(sourceMap, null, (consumer) => {
    const column = at.column0 ?? 0;
    // The segment that spans the column; else the first one after it on that line (a caret
    // on text the compiler added, such as a `"use strict"` it wrote, has no segment of its own).
    for (const bias of [SourceMapConsumer.GREATEST_LOWER_BOUND, SourceMapConsumer.LEAST_UPPER_BOUND]) {
      const pos = consumer.originalPositionFor({ line: at.line1, column, bias });
      if (pos.line !== null && pos.column !== null) return { line: pos.line, column: pos.column + 1, source: pos.source };
    }
    return null;
  });
}
