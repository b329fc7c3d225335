/**
 * Puts many tools into a database file at once, through the store's import (one transaction):
 * creating 10,000 tools one create_tool at a time would take minutes. The tools are real: one
 * compiled version each, with a hash that verifies, so a server on the file lists and runs them.
 */
import { compile } from '../../src/compiler/compile.js';
import type { VersionSnapshot } from '../../src/model.js';
import { hashSnapshot, openStore, type ImportedTool } from '../../src/store/index.js';

const SOURCE = 'export default function ({ a, b }: { a: number; b: number }) {\n  return { sum: a + b };\n}\n';

/** A schema of about the size agents write: 2.3 MB for 10,000 tools in tools/list (issue 12). */
const SCHEMA = {
  type: 'object',
  properties: {
    a: { type: 'number', description: 'The first number to add.' },
    b: { type: 'number', description: 'The second number to add.' },
  },
  required: ['a', 'b'],
};

/** The name of the `index`th seeded tool: `seeded_00000`, `seeded_00001`, ... in name order. */
export const seededName = (index: number): string => `seeded_${String(index).padStart(5, '0')}`;

/** Adds tools `seeded_<from>` .. `seeded_<from + count - 1>` for `persona` to the file at `dbPath`. */
export async function seedTools(dbPath: string, count: number, options: { persona?: string; from?: number } = {}): Promise<void> {
  const compiled = await compile({ toolName: 'seeded', version: 1, language: 'typescript', source: SOURCE });
  if (!compiled.ok) throw new Error(`the seed tool does not compile: ${compiled.failure.message}`);
  const snapshot: VersionSnapshot = {
    description: 'Adds two numbers and returns their sum; a seeded tool for load tests.',
    inputSchema: SCHEMA,
    language: 'typescript',
    limits: { timeoutMs: 5_000, memoryMb: 64 },
    source: SOURCE,
    compiledJs: compiled.compiledJs,
    sourceMap: compiled.sourceMap,
    capabilities: {},
  };
  const hash = hashSnapshot(snapshot);
  const at = new Date().toISOString();
  const from = options.from ?? 0;
  const tools: ImportedTool[] = Array.from({ length: count }, (_, i) => ({
    name: seededName(from + i),
    activeVersion: 1,
    createdAt: at,
    updatedAt: at,
    versions: [{ ...snapshot, version: 1, hash, origin: { kind: 'create' }, createdAt: at }],
  }));
  const store = openStore(dbPath, { backgroundCheckpoints: false });
  try {
    store.tools.importTools(options.persona ?? 'default', tools);
  } finally {
    store.close();
  }
}
