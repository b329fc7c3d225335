/**
 * A call's console text with its stack positions in the agent's lines.
 *
 * `console.log(err)` prints the error's stack as V8 wrote it, in the compiled code
 * (`at fib (chameleon/default/fib@3.js:14:22)`), with the prelude's frames below it. Here each
 * position in one of the persona's tool scripts becomes the place in the source the agent wrote
 * (`at fib (fib.ts:9:22)`), and the prelude's frame lines go, as they do from tracebacks.
 *
 * The text is the guest's: anything can look like a position. Only this persona's scripts are
 * mapped (so a forged position reveals nothing of anyone else's code), at most MAX_POSITIONS of
 * them, with an anchored, linear pattern. Console text that names no script (nearly all of it)
 * is returned as it is after one substring search.
 */
import { sourcePosition, type MapStackInput } from './map-stack.js';
import { PRELUDE_FILENAME } from './virtual-filename.js';

const MAX_POSITIONS = 200;
// Names and version as in virtual-filename.ts; the numbers bounded, so every match is short.
const POSITION = /chameleon\/[a-z][a-z0-9_]{0,63}\/[a-z][a-z0-9_]{0,63}@[1-9][0-9]{0,14}\.js:(\d{1,9}):(\d{1,9})/g;
/** A frame line of the prelude, with the line break before it (what follows it on its line stays). */
const PRELUDE_FRAME = new RegExp(`\\n[ \\t]+at (?:async )?(?:[^\\n()]{0,300} \\()?${PRELUDE_FILENAME.replace(/[.-]/g, '\\$&')}:\\d{1,9}:\\d{1,9}\\)?`, 'g');

/** Whether the text names a script at all: when it does not (nearly always), there is nothing to map. */
export function consoleNeedsMapping(text: string): boolean {
  return text.includes('chameleon/') || text.includes(PRELUDE_FILENAME);
}

export async function mapConsoleText(text: string, input: Pick<MapStackInput, 'persona' | 'resolveVersion' | 'cache'>): Promise<string> {
  const mentionsTool = text.includes('chameleon/');
  const mentionsPrelude = text.includes(PRELUDE_FILENAME);
  if (!mentionsTool && !mentionsPrelude) return text;
  try {
    let out = mentionsPrelude ? withoutPreludeFrames(text) : text;
    if (mentionsTool) out = await mapPositions(out, input);
    return out;
  } catch {
    // Mapping is a courtesy: the text as printed is still the truth.
    return text;
  }
}

function withoutPreludeFrames(text: string): string {
  return text.replace(PRELUDE_FRAME, '');
}

/** `at _default (` just before a position: the name the agent wrote (`default`), as tracebacks say it. */
function withAgentsName(before: string, agentsName: (name: string) => string): string {
  if (!before.endsWith(' (')) return before;
  const end = before.length - 2;
  let start = end;
  while (start > 0 && end - start < 200 && /[\w$.]/.test(before[start - 1]!)) start--;
  if (start === end || !before.endsWith('at ', start) && !before.endsWith('at async ', start)) return before;
  const name = before.slice(start, end);
  const agents = agentsName(name);
  return agents === name ? before : `${before.slice(0, start)}${agents} (`;
}

async function mapPositions(text: string, input: Pick<MapStackInput, 'persona' | 'resolveVersion' | 'cache'>): Promise<string> {
  let out = '';
  let from = 0;
  let count = 0;
  for (const match of text.matchAll(POSITION)) {
    if (count++ >= MAX_POSITIONS) break;
    const at = match.index;
    const whole = match[0];
    const fileName = whole.slice(0, whole.length - match[1]!.length - match[2]!.length - 2);
    const mapped = await sourcePosition(input, fileName, Number(match[1]), Number(match[2]));
    if (mapped === null) continue;
    out += `${withAgentsName(text.slice(from, at), mapped.agentsName)}${mapped.file}:${mapped.line}:${mapped.column}`;
    from = at + whole.length;
  }
  return out + text.slice(from);
}
