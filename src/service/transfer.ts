/**
 * Moving tools between databases: `chameleon tools export` writes a persona's tools with every
 * version (source as written, compiled JS, source map, hash, origin, timestamps, metadata) to a
 * JSON file, and `chameleon tools import` puts them into another database exactly as they were.
 *
 * The file round-trips exactly: importing it into an empty database and exporting again gives
 * the same bytes. There is no export timestamp and no persona in the file for that reason; the
 * importer chooses the persona.
 *
 * Works on a Store alone (no sandbox processes): nothing is run. The hash of every version is
 * recomputed and must match, which catches corruption and hand edits; it is not a signature
 * (whoever edits the file can recompute it). So a file is trusted no more than an agent is: an
 * import passes the checks of create_tool (import-policy.ts), and its code is compiled again
 * from the source.
 */
import { z } from 'zod';

import { AppError } from '../errors.js';
import { CapabilitiesSchema, normaliseCapabilities } from '../capabilities/manifest.js';
import type { ImportContext, LibrarySource } from '../compiler/imports.js';
import { mayImport } from '../compiler/imports.js';
import type { VersionRecord } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import { hashSnapshot, tooManyTools, type ImportedTool, type ImportedVersion } from '../store/index.js';
import { singleLine } from '../traceback/display-text.js';
import { createArgumentValidator } from './arguments.js';
import { recompile, versionPolicyProblems, type ImportPolicy } from './import-policy.js';
import { importContext } from './imports.js';
import { assertNewToolName } from './names.js';
import { versionOrNone } from './store-reads.js';

export const EXPORT_FORMAT = 'chameleon-tools';
export const EXPORT_FORMAT_VERSION = 1;

/** The file: tools sorted by name, versions oldest first. */
export interface ToolExport {
  format: typeof EXPORT_FORMAT;
  formatVersion: typeof EXPORT_FORMAT_VERSION;
  tools: ImportedTool[];
}

export interface ImportSummary {
  persona: string;
  /** `recompiled`: versions whose compiled code from the file differed from this build's (and was replaced). */
  tools: { name: string; versions: number; activeVersion: number; recompiled: number }[];
}

/** The persona's live tools (all of them, or those named) with every version, read and verified. */
export async function exportTools(store: Pick<StoreContract, 'tools'>, persona: string, names: readonly string[] = []): Promise<ToolExport> {
  const live = await store.tools.list(persona);
  let chosen = live;
  if (names.length > 0) {
    const missing = names.filter((n) => !live.some((t) => t.name === n));
    if (missing.length > 0) {
      throw new AppError('TOOL_NOT_FOUND', `No tool named ${missing.map((n) => `\`${n}\``).join(', ')} for persona \`${persona}\`. Run \`chameleon tools list\` to see the tools.`);
    }
    const wanted = new Set(names);
    chosen = live.filter((t) => wanted.has(t.name));
  }
  const tools: ToolExport['tools'] = [];
  for (const tool of chosen) {
    const versions: ImportedVersion[] = [];
    // getVersion checks each hash: a damaged version fails the export instead of travelling.
    for (const v of await store.tools.listVersions(persona, tool.name)) versions.push(exportedVersion(await store.tools.getVersion(persona, tool.name, v.version)));
    tools.push({ name: tool.name, activeVersion: tool.activeVersion, createdAt: tool.createdAt, updatedAt: tool.updatedAt, versions });
  }
  return { format: EXPORT_FORMAT, formatVersion: EXPORT_FORMAT_VERSION, tools };
}

/**
 * The file's text: two-space JSON with a final newline. JSON.stringify escapes C0 controls but
 * not DEL, C1 controls (U+009B is a terminal's CSI), line separators or bidi overrides; those
 * are escaped too (they can only occur inside strings), so that `cat` of an export cannot drive
 * a terminal. The parsed value is the same.
 */
export function serializeExport(data: ToolExport): string {
  return `${JSON.stringify(data, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Parses and checks a file's text; every problem is reported with its path. */
export function parseExport(text: string): ToolExport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AppError('INVALID_ARGUMENT', `The file is not JSON: ${(err as Error).message}. Was it written by \`chameleon tools export\`?`, { cause: err });
  }
  const parsed = ExportSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths and messages can quote the file's own keys and values: one line each, no controls.
    const problems = parsed.error.issues.slice(0, 10).map((i) => singleLine(`${pathOf(i.path)}: ${i.message}`, 300));
    const more = parsed.error.issues.length > 10 ? ` (and ${parsed.error.issues.length - 10} more)` : '';
    throw new AppError('INVALID_ARGUMENT', `The file is not a valid Chameleon tool export: ${problems.join('; ')}${more}.`, { cause: parsed.error });
  }
  // A version written without capabilities has none: the hash of such a version never had them.
  return {
    ...parsed.data,
    tools: parsed.data.tools.map((t) => ({ ...t, versions: t.versions.map((v) => ({ ...v, capabilities: normaliseCapabilities(v.capabilities) })) })),
  };
}

/**
 * Imports every tool of `data` for `persona`, all or nothing, under the server's policy (see
 * import-policy.ts). Refuses, before writing anything: names that are invalid or reserved, twice
 * in the file or already used by the persona (live or deleted); inconsistent version lists;
 * version numbers past MAX_IMPORTED_VERSION; limits above the config's maxima; sources over
 * maxSourceBytes or that do not compile; schemas create_tool would refuse; and any version whose
 * content does not match its hash. Every problem is listed, each naming the tool and version.
 *
 * The compiled code and source map stored are this build's, compiled from the source; the
 * file's are only compared (`recompiled` counts the versions where they differed).
 */
export async function importTools(store: Pick<StoreContract, 'tools'>, persona: string, data: ToolExport, policy: ImportPolicy): Promise<ImportSummary> {
  // Before compiling anything: a file of 10,000 tools should not take a minute to be refused.
  const { maxToolsPerPersona } = policy.limits;
  const live = await store.tools.countLive(persona);
  if (live + data.tools.length > maxToolsPerPersona) throw tooManyTools(persona, live, maxToolsPerPersona, data.tools.length);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const validator = createArgumentValidator({ maxArgumentsBytes: 1024 });
  const recompiled = new Map<string, number>();
  const tools: ImportedTool[] = [];
  for (const tool of data.tools) {
    const where = `tool \`${tool.name}\``;
    try {
      assertNewToolName(tool.name);
    } catch (err) {
      problems.push({ code: 'INVALID_ARGUMENT', text: (err as Error).message });
      continue;
    }
    if (seen.has(tool.name)) problems.push({ code: 'INVALID_ARGUMENT', text: `${where} appears twice in the file.` });
    seen.add(tool.name);
    if ((await store.tools.get(persona, tool.name)) !== undefined) {
      problems.push({ code: 'TOOL_EXISTS', text: `${where} already exists for persona \`${persona}\`; delete it first or import into another persona or database.` });
    }
    problems.push(...versionListProblems(tool).map((text) => ({ code: 'INVALID_ARGUMENT' as const, text })));
    const versions: ImportedVersion[] = [];
    for (const v of tool.versions) {
      const policyProblems = versionPolicyProblems(tool, v, policy, validator);
      problems.push(...policyProblems.map((text) => ({ code: 'INVALID_ARGUMENT' as const, text })));
      // A schema refused for its depth must not reach the (recursive) hash.
      if (policyProblems.length > 0) continue;
      if (hashSnapshot(v) !== v.hash) {
        problems.push({ code: 'INTEGRITY', text: `version ${v.version} of ${where} does not match its hash: the file was changed or damaged.` });
        continue;
      }
      const built = await recompile(tool, v, mayImport(v.source) ? pinnedImports(store, persona, data, v, policy) : undefined);
      if (!built.ok) {
        problems.push({ code: 'INVALID_ARGUMENT', text: built.problem });
        continue;
      }
      if (built.changed) recompiled.set(tool.name, (recompiled.get(tool.name) ?? 0) + 1);
      const stored = { ...v, compiledJs: built.compiledJs, sourceMap: built.sourceMap, dependencies: built.dependencies };
      versions.push({ ...stored, hash: built.changed ? hashSnapshot(stored) : v.hash });
    }
    tools.push({ ...tool, versions });
  }
  if (problems.length > 0) {
    // The most serious kind decides the code; every problem is listed whatever its kind.
    const code = (['INTEGRITY', 'TOOL_EXISTS', 'INVALID_ARGUMENT'] as const).find((c) => problems.some((p) => p.code === c)) ?? 'INVALID_ARGUMENT';
    const lines = problems.slice(0, 20).map((p) => `  - ${singleLine(p.text, 400)}`);
    if (problems.length > 20) lines.push(`  - ... and ${problems.length - 20} more`);
    throw new AppError(code, `Nothing was imported:\n${lines.join('\n')}`);
  }
  // The store repeats the clash and hash checks inside its one transaction (a deleted tool of
  // the same name, or a concurrent writer, is caught there): nothing is written unless all is.
  await store.tools.importTools(persona, tools, maxToolsPerPersona);
  return {
    persona,
    tools: tools.map((t) => ({ name: t.name, versions: t.versions.length, activeVersion: t.activeVersion, recompiled: recompiled.get(t.name) ?? 0 })),
  };
}

/**
 * What a version of the file may import when it is compiled again: each library at the version
 * it pinned (its source from the file, or from the database when the file does not carry it,
 * either one only if its hash is the pinned one), and this server's packages.
 */
function pinnedImports(store: Pick<StoreContract, 'tools'>, persona: string, data: ToolExport, v: ImportedVersion, policy: ImportPolicy): ImportContext {
  const base = importContext(store, policy, persona, v.kind ?? 'tool');
  return {
    ...base,
    async library(name): Promise<LibrarySource | { problem: string }> {
      const pin = (v.dependencies ?? []).find((d) => d.kind === 'library' && d.name === name);
      if (pin === undefined || pin.kind !== 'library') return { problem: `import "lib:${name}": the version in the file bundled no library \`${name}\`, so there is no pinned version to bundle` };
      const inFile = data.tools.find((t) => t.name === name)?.versions.find((x) => x.version === pin.version);
      const found = inFile ?? (await versionOrNone(store.tools, persona, name, pin.version));
      if (found === undefined || found.hash !== pin.hash || (found.kind ?? 'tool') !== 'library') {
        return { problem: `import "lib:${name}": the version in the file bundled library \`${name}\` version ${pin.version}, which is neither in the file nor in this database with the same hash. Export the library with it` };
      }
      return { name, version: pin.version, hash: pin.hash, language: found.language, source: found.source };
    },
  };
}

interface Problem {
  code: 'INTEGRITY' | 'TOOL_EXISTS' | 'INVALID_ARGUMENT';
  text: string;
}

function versionListProblems(tool: ImportedTool): string[] {
  const problems: string[] = [];
  const where = `tool \`${tool.name}\``;
  const numbers = tool.versions.map((v) => v.version);
  if (numbers.length === 0) problems.push(`${where} has no versions.`);
  if (numbers.some((n, i) => i > 0 && n <= numbers[i - 1]!)) problems.push(`${where}: versions must be listed oldest first, each number once.`);
  if (!numbers.includes(tool.activeVersion)) problems.push(`${where}: active version ${tool.activeVersion} is not in the file.`);
  for (const v of tool.versions) {
    if (v.origin.kind === 'rollback' && !(v.origin.fromVersion < v.version && numbers.includes(v.origin.fromVersion))) {
      problems.push(`${where}: version ${v.version} is a rollback to version ${v.origin.fromVersion}, which is not an earlier version in the file.`);
    }
  }
  return problems;
}

function exportedVersion(v: VersionRecord): ImportedVersion {
  return {
    version: v.version,
    createdAt: v.createdAt,
    origin: v.origin,
    hash: v.hash,
    language: v.language,
    description: v.description,
    inputSchema: v.inputSchema,
    limits: { timeoutMs: v.limits.timeoutMs, memoryMb: v.limits.memoryMb },
    source: v.source,
    compiledJs: v.compiledJs,
    sourceMap: v.sourceMap,
    capabilities: v.capabilities,
    // Only when they differ from the defaults, so that a file of tools without them reads as
    // before (and round-trips byte for byte).
    ...(v.kind === 'library' ? { kind: 'library' as const } : {}),
    ...(v.dependencies.length > 0 ? { dependencies: v.dependencies } : {}),
    ...(v.datasource === undefined ? {} : { datasource: v.datasource }),
    // Declared tests and replay_safe are in the hash (issue 17); a gate report is not exported.
    ...(v.tests === undefined || v.tests.length === 0 ? {} : { tests: v.tests }),
    ...(v.replaySafe === true ? { replaySafe: true } : {}),
    ...(v.strictTypes === true ? { strictTypes: true as const } : {}),
  };
}

/** Timestamps as the store writes them (`toISOString()`), so they compare as text in time order. */
const Timestamp = z.string().refine((s) => {
  const ms = Date.parse(s);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === s;
}, 'must be an ISO 8601 UTC time as written by toISOString(), e.g. 2026-11-30T12:00:00.000Z');

const VersionNumber = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

// A custom check keeps the parsed object itself (zod would rebuild it, and rebuilding an object
// with a "__proto__" key changes it): the schema must survive byte for byte.
const JsonObject = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'must be a JSON object');

const Origin = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('create') }).strict(),
  z.object({ kind: z.literal('update') }).strict(),
  z.object({ kind: z.literal('edit') }).strict(),
  z.object({ kind: z.literal('rollback'), fromVersion: VersionNumber }).strict(),
]);

const DependencySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('library'), name: z.string().max(64), version: VersionNumber, hash: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
  z
    .object({ kind: z.literal('package'), name: z.string().max(214), version: z.string().max(100), integrity: z.string().max(200), integrityOf: z.enum(['tarball', 'files']) })
    .strict(),
]);

// The configuration's outer bounds: a file cannot carry limits no server could be set to.
const VersionSchema = z
  .object({
    version: VersionNumber,
    createdAt: Timestamp,
    origin: Origin,
    hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256)'),
    language: z.enum(['typescript', 'javascript', 'sql']),
    description: z.string().max(4_000),
    inputSchema: JsonObject,
    limits: z.object({ timeoutMs: z.number().int().min(10).max(600_000), memoryMb: z.number().int().min(8).max(4_096) }).strict(),
    source: z.string().min(1).max(16 * 1024 * 1024),
    compiledJs: z.string(),
    sourceMap: z.string(),
    // Absent in files written before capabilities existed, and for versions without any.
    capabilities: CapabilitiesSchema.optional(),
    // Absent for tools, and for versions that bundled nothing (issue 15).
    kind: z.enum(['tool', 'library']).optional(),
    dependencies: z.array(DependencySchema).max(10_000).optional(),
    // A SQL tool's datasource (issue 16): the importing server must have one of that name.
    datasource: z.string().min(1).max(64).optional(),
    // Declared tests and replay_safe (issue 17), absent when the version has none.
    tests: z
      .array(z.object({ name: z.string().max(200).optional(), arguments: JsonObject, expect: z.unknown().optional() }).strict())
      .max(1_000)
      .optional(),
    replaySafe: z.literal(true).optional(),
    // A version that opted into strict types (issue 17): part of its hash.
    strictTypes: z.literal(true).optional(),
  })
  .strict()
  .refine((v) => (v.language === 'sql') === (v.datasource !== undefined), { message: 'a version has a datasource exactly when its language is sql', path: ['datasource'] });

const ToolSchema = z
  .object({
    name: z.string(),
    activeVersion: VersionNumber,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    versions: z.array(VersionSchema).min(1),
  })
  .strict();

const ExportSchema = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    formatVersion: z.literal(EXPORT_FORMAT_VERSION),
    tools: z.array(ToolSchema),
  })
  .strict();

function pathOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(file)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
