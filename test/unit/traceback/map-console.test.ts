import { beforeAll, describe, expect, it } from 'vitest';

import { consoleNeedsMapping, mapConsoleText } from '../../../src/traceback/map-console.js';
import { mapStack, type ResolvedVersion } from '../../../src/traceback/map-stack.js';
import { SourceMapCache } from '../../../src/traceback/source-maps.js';
import { virtualFilename } from '../../../src/traceback/virtual-filename.js';
import { compileAsTheServerDoes, positionOf, stackOf, type Compiled } from './fixtures.js';

const SOURCE = `function parse(text: string): unknown {
  return JSON.parse(text);
}
export default function (args: { text: string }) {
  return parse(args.text);
}
`;

const FILE = virtualFilename('default', 'reader', 2);
let compiled: Compiled;
let stack: string;

beforeAll(async () => {
  compiled = await compileAsTheServerDoes(SOURCE, 'reader');
  // The tool's frames only: what the realm's own stack shows below them is the sandbox's.
  const full = await stackOf(compiled.code, FILE, { text: '{' });
  stack = full.split('\n').filter((line, i) => i === 0 || line.includes(FILE) || line.includes('<anonymous>')).join('\n');
});

function input() {
  const version: ResolvedVersion = { sourceMap: compiled.map, language: 'typescript', source: SOURCE, compiledJs: compiled.code };
  return { persona: 'default', resolveVersion: (tool: string, v: number) => (tool === 'reader' && v === 2 ? version : undefined), cache: new SourceMapCache() };
}

describe('mapConsoleText()', () => {
  it("puts a logged stack's positions in the agent's lines, as tracebacks do, and drops the prelude's frames", async () => {
    const printed = `${stack}\n    at run (chameleon-prelude.js:764:19)\n    at async chameleon-prelude.js:773:36 }\nafter`;
    const mapped = await mapConsoleText(printed, input());
    const parse = positionOf(SOURCE, 'parse(text)');
    const call = positionOf(SOURCE, 'parse(args.text)');
    expect(mapped.split('\n').slice(1)).toEqual([
      '    at JSON.parse (<anonymous>)',
      `    at parse (reader.ts:${parse.line}:${parse.column})`,
      `    at default (reader.ts:${call.line}:${call.column}) }`,
      'after',
    ]);
    // The same positions as mapStack gives the failure itself.
    const frames = (await mapStack({ stack, ...input() })).frames;
    expect(frames.map((f) => `${f.line}:${f.column}`)).toEqual([`${parse.line}:${parse.column}`, `${call.line}:${call.column}`]);
  });

  it("leaves other personas' scripts, unknown versions and text without positions as printed", async () => {
    const text = `at x (chameleon/other/reader@2.js:3:4)\nat y (chameleon/default/reader@9.js:3:4)\nplain chameleon/ text`;
    expect(await mapConsoleText(text, input())).toBe(text);
  });

  it('costs one substring search for text that names no script', () => {
    expect(consoleNeedsMapping('hello { a: 1 }\n[error] bad')).toBe(false);
    expect(consoleNeedsMapping('at f (chameleon/default/x@1.js:1:2)')).toBe(true);
  });

  it('maps at most 200 positions, however many the text forges', async () => {
    const line = stack.split('\n').find((l) => l.includes(FILE))!;
    const text = Array.from({ length: 500 }, () => line).join('\n');
    const mapped = (await mapConsoleText(text, input())).split('\n');
    expect(mapped.filter((l) => l.includes('reader.ts:'))).toHaveLength(200);
    expect(mapped.filter((l) => l.includes(FILE))).toHaveLength(300);
  });
});
