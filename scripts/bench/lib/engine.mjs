// The engine as a library user gets it (from the private dist/, see dist.mjs), in a temp dir,
// with the tools the figures use.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PERSONA = 'bench';
export const ADD_ARGS = { a: 1, b: 2 };
export const ADD_SCHEMA = {
  type: 'object',
  properties: { a: { type: 'number' }, b: { type: 'number' } },
  required: ['a', 'b'],
};

/** The trivial tools: a sync and an async handler of the same work. */
export const TOOLS = {
  add: 'export default function ({ a, b }: { a: number; b: number }) {\n  return { sum: a + b };\n}\n',
  add_async: 'export default async function ({ a, b }: { a: number; b: number }) {\n  await Promise.resolve();\n  return { sum: a + b };\n}\n',
};

export function tempDir(label) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `chameleon-bench-${label}-`));
}

/** `startEngine(label, config)`: a real engine (its own sandbox processes and SQLite file). */
export async function engineKit(code) {
  const [{ parseConfig }, { silentLogger }, { createChameleon }] = await Promise.all([
    code.import('config.js'),
    code.import('logger.js'),
    code.import('service/index.js'),
  ]);
  return {
    async startEngine(label, configOverrides = {}) {
      const dir = tempDir(label);
      const dbPath = path.join(dir, 'chameleon.db');
      // Awaited: the engine opens its store asynchronously (a build before that returned it at once).
      const app = await createChameleon({ config: parseConfig({ dbPath, ...configOverrides }), logger: silentLogger });
      const scope = app.forPersona(PERSONA);
      return {
        app,
        scope,
        dir,
        dbPath,
        /** Stops the sandbox processes and removes the temp dir. */
        async close() {
          await app.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** Creates a tool and throws with the engine's own failure text if it is refused. */
export async function createTool(scope, name, code, inputSchema = ADD_SCHEMA) {
  const out = await scope.createTool({ name, description: `bench tool ${name}`, code, inputSchema });
  if (!out.ok) throw new Error(`create_tool ${name} was refused: ${out.failure.kind}: ${out.failure.message}`);
  return out.tool;
}

/** One call that must succeed. */
export async function call(scope, name, args = ADD_ARGS) {
  const out = await scope.runTool(name, args);
  if (!out.ok) throw new Error(`${name} failed: ${out.failure.kind}: ${out.failure.message}`);
  return out;
}
