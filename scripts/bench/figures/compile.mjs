// Compile of a 50-line tool (src/compiler via dist) against esbuild's transform of the same
// source; and mapping a real 5-frame stack from the sandbox, cold (new map cache) vs cached.
import { transform } from 'esbuild';
import { createTool, PERSONA } from '../lib/engine.mjs';

/** A realistic 50-line TypeScript tool. */
export const FIFTY_LINE_TOOL = `// Summarises CSV rows of name,value[,tags]: count, total, mean, min, max and totals by tag.
// Tags are separated by semicolons.
interface Row {
  name: string;
  value: number;
  tags: string[];
}

interface Summary {
  count: number;
  total: number;
  mean: number;
  min: number;
  max: number;
  byTag: Record<string, number>;
}

function parseLine(line: string, index: number): Row {
  const [name, rawValue, rawTags = ''] = line.split(',');
  const value = Number(rawValue);
  if (!name || Number.isNaN(value)) {
    throw new Error(\`line \${index + 1}: expected "name,value[,tags]"\`);
  }
  return { name: name.trim(), value, tags: rawTags.split(';').filter(Boolean) };
}

function summarise(rows: Row[]): Summary {
  const byTag: Record<string, number> = {};
  let total = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    total += row.value;
    min = Math.min(min, row.value);
    max = Math.max(max, row.value);
    for (const tag of row.tags) byTag[tag] = (byTag[tag] ?? 0) + row.value;
  }
  const count = rows.length;
  return { count, total, mean: count ? total / count : 0, min, max, byTag };
}

export default function ({ csv, skipHeader = true }: { csv: string; skipHeader?: boolean }): Summary {
  const lines = csv.split(/\\r?\\n/).filter((l) => l.trim() !== '');
  const body = skipHeader ? lines.slice(1) : lines;
  const rows = body.map((line, i) => parseLine(line, i));
  if (rows.length === 0) {
    return { count: 0, total: 0, mean: 0, min: 0, max: 0, byTag: {} };
  }
  return summarise(rows);
}
`;

/** Five frames of tool code: the handler, then a -> b -> c -> d, which throws. */
const DEEP_TOOL = `function d(x: number): number {
  if (x > 0) throw new RangeError('too deep: ' + x);
  return x;
}
function c(x: number): number {
  return d(x + 1) * 2;
}
function b(x: number): number {
  return c(x + 1) + 1;
}
function a(x: number): number {
  return b(x + 1) - 1;
}
export default function ({ n }: { n: number }) {
  return { value: a(n) };
}
`;

export async function compileFigures({ runGroup, profile, kit, code }) {
  const { compile } = await code.import('compiler/compile.js');
  const { mapStack, SourceMapCache } = await code.import('traceback/index.js');
  const lines = FIFTY_LINE_TOOL.trimEnd().split('\n').length;
  let version = 0;
  const compileGroup = await runGroup({
    id: 'compile',
    title: `compile of a ${lines}-line TypeScript tool`,
    baseline: {
      id: 'esbuild',
      label: 'esbuild transform, same options, same source',
      async run(batch) {
        for (let i = 0; i < batch; i++) {
          await transform(FIFTY_LINE_TOOL, { loader: 'ts', format: 'cjs', target: 'es2022', platform: 'neutral', sourcemap: 'external', sourcefile: 'stats.ts', sourcesContent: false, logLevel: 'silent' });
        }
      },
    },
    variants: [
      {
        id: 'compile',
        label: 'compile() (src/compiler, via dist)',
        async run(batch) {
          for (let i = 0; i < batch; i++) {
            const out = await compile({ toolName: 'stats', version: ++version, language: 'typescript', source: FIFTY_LINE_TOOL });
            if (!out.ok) throw new Error(`compile failed: ${out.failure.message}`);
          }
        },
      },
    ],
    ...profile.standard,
  });

  // A real stack: run the deep tool once in the sandbox and keep what V8 printed.
  const engine = await kit.startEngine('traceback', { sandbox: { processes: 1 } });
  let stack;
  let message;
  try {
    await createTool(engine.scope, 'deep', DEEP_TOOL, { type: 'object' });
    const out = await engine.scope.runTool('deep', { n: 1 });
    if (out.ok || !out.failure.rawStack) throw new Error('the deep tool did not fail with a stack');
    stack = out.failure.rawStack;
    message = out.failure.message;
  } finally {
    await engine.close();
  }
  const compiled = await compile({ toolName: 'deep', version: 1, language: 'typescript', source: DEEP_TOOL });
  if (!compiled.ok) throw new Error('the deep tool did not compile');
  const resolved = { sourceMap: compiled.sourceMap, language: 'typescript', source: DEEP_TOOL, compiledJs: compiled.compiledJs };
  const input = (cache) => ({ stack, message, persona: PERSONA, cache, resolveVersion: (tool, v) => (tool === 'deep' && v === 1 ? resolved : undefined) });
  const probe = await mapStack(input(new SourceMapCache()));
  if (!probe.mapped || probe.frames.length !== 5) throw new Error(`expected 5 mapped frames, got ${probe.frames.length} (mapped: ${probe.mapped})`);
  const warmCache = new SourceMapCache();
  await mapStack(input(warmCache));

  const mapGroup = await runGroup({
    id: 'map-stack',
    title: 'mapping a 5-frame stack (src/traceback mapStack)',
    baseline: {
      id: 'cached',
      label: 'cached: source map already parsed',
      async run(batch) {
        for (let i = 0; i < batch; i++) await mapStack(input(warmCache));
      },
    },
    variants: [
      {
        id: 'cold',
        label: 'cold: new SourceMapCache, map parsed',
        async run(batch) {
          for (let i = 0; i < batch; i++) await mapStack(input(new SourceMapCache()));
        },
      },
    ],
    ...profile.standard,
  });
  mapGroup.note = 'Ratio is cold / cached. The stack is a real one from the sandbox; all 5 frames map to the tool source.';
  return [compileGroup, mapGroup];
}
