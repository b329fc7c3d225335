/**
 * The server's policy, applied to each version of an import file. A file must not be a way
 * around the rules create_tool/update_tool enforce (issue 12): it was possible to import limits
 * beyond the config's maxima, sources over maxSourceBytes, compiled code that did not come from
 * the shown source, version numbers that left no room for the next one, and schemas deep enough
 * to overflow the CLI's stack. Here every version gets the checks a new version gets, and its
 * code is compiled again from its source: the file's compiled code is never used.
 *
 * What is not repeated: the load check in a sandbox that create_tool makes (import works on the
 * Store alone, without sandbox processes). A version that throws while loading fails at its
 * first call instead, as a guest fault, which harms no one but its caller.
 */
import { compile } from '../compiler/compile.js';
import type { ImportContext } from '../compiler/imports.js';
import { manifestProblems } from '../capabilities/manifest.js';
import type { Config } from '../config.js';
import type { Dependency } from '../model.js';
import { canonicalJsonValue, type ImportedTool, type ImportedVersion } from '../store/index.js';
import type { ArgumentValidator } from './arguments.js';

/**
 * Version numbers above this are refused. Updates count up from 1, one at a time, so no real
 * tool gets here; a forged file with MAX_SAFE_INTEGER - 1 made the tool's next version number
 * unsafe, and the tool could never be updated again. Refusing (not renumbering) keeps every
 * normal file exact on a round trip: numbers, rollback origins and the log's references stay.
 */
export const MAX_IMPORTED_VERSION = 1_000_000;

/** The part of the configuration an import is held to. */
export type ImportPolicy = Pick<Config, 'limits' | 'payload' | 'capabilities' | 'secrets' | 'upstreams' | 'packages' | 'dbPath'>;

/**
 * What is wrong with `v` under `policy`, each problem naming the tool, the version and what to
 * change. The schema is checked first: it bounds the depth that the recursive code after it
 * (JSON.stringify, the hash) may meet.
 */
export function versionPolicyProblems(tool: ImportedTool, v: ImportedVersion, policy: ImportPolicy, validator: ArgumentValidator): string[] {
  const where = `version ${v.version} of tool \`${tool.name}\``;
  const problems: string[] = [];
  const { limits, payload } = policy;
  const fix = 'raise it in the config given with --config (or CHAMELEON_CONFIG), or lower the limit with update_tool on the server the file came from and export again';
  if (v.version > MAX_IMPORTED_VERSION) {
    problems.push(`tool \`${tool.name}\`: version ${v.version} is above ${MAX_IMPORTED_VERSION}, a number no tool reaches by updates. Renumber the versions from 1 (and their rollback origins) in the file.`);
  }
  if (v.limits.timeoutMs > limits.maxTimeoutMs) {
    problems.push(`${where}: timeout_ms ${v.limits.timeoutMs} is above this server's limits.maxTimeoutMs (${limits.maxTimeoutMs}); ${fix}.`);
  }
  if (v.limits.memoryMb > limits.maxMemoryMb) {
    problems.push(`${where}: memory_mb ${v.limits.memoryMb} is above this server's limits.maxMemoryMb (${limits.maxMemoryMb}); ${fix}.`);
  }
  const bytes = Buffer.byteLength(v.source);
  if (bytes > payload.maxSourceBytes) {
    problems.push(`${where}: the source is ${bytes} bytes; this server's payload.maxSourceBytes is ${payload.maxSourceBytes}. Raise it in the config given with --config, or leave the tool out of the export.`);
  }
  for (const problem of manifestProblems(v.capabilities, policy)) problems.push(`${where}: ${problem}; or leave the tool out of the export.`);
  try {
    validator.checkSchema(v.inputSchema);
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
  }
  return problems;
}

/**
 * `v` with its code compiled from its source by this build, as create_tool would. The version
 * number is the one it will be stored under, so compiler messages and virtual file names match.
 * `changed` tells that the file's compiled code or map differed (another build of the compiler,
 * or an edited file); the stored version then has a new hash, computed by the caller.
 */
export async function recompile(
  tool: ImportedTool,
  v: ImportedVersion,
  imports?: ImportContext,
): Promise<{ ok: true; compiledJs: string; sourceMap: string; dependencies: Dependency[]; changed: boolean } | { ok: false; problem: string }> {
  const where = `version ${v.version} of tool \`${tool.name}\``;
  const out = await compile({ toolName: tool.name, version: v.version, language: v.language, source: v.source, ...(imports === undefined ? {} : { imports }) });
  // A SQL tool has no compiled code: its statement is checked against its datasource when it
  // is created or updated, and at each call (an import reaches no datasource).
  if (v.language === 'sql') return { ok: true, compiledJs: '', sourceMap: '', dependencies: [], changed: v.compiledJs !== '' || v.sourceMap !== '' };
  if (!out.ok) {
    const packages = (v.dependencies ?? []).filter((d) => d.kind === 'package').map((d) => `${d.name}@${String(d.version)}`);
    // What it imports is missing here, not wrong in the source: say what this server needs.
    const fix =
      out.failure.name === 'ImportError' && packages.length > 0
        ? `It bundled ${packages.join(', ')}: install ${packages.length === 1 ? 'it' : 'them'} here (\`chameleon packages add ${packages[0]}\`${packages.length > 1 ? ', ...' : ''}) and allow ${packages.length === 1 ? 'it' : 'them'} in packages.allow, or leave the tool out of the export.`
        : 'Fix the source on the server it came from and export again.';
    return { ok: false, problem: `${where}: the source does not compile: ${out.failure.message} ${fix}` };
  }
  // A bundle is made again here from the pinned libraries (in the file or already in the
  // database) and this server's packages: each package must be the version the file's bundled.
  const recorded = v.dependencies ?? [];
  for (const dep of recorded) {
    if (dep.kind !== 'package') continue;
    const now = out.dependencies.find((d) => d.kind === 'package' && d.name === dep.name);
    if (now === undefined || now.version !== dep.version) {
      const found = now === undefined ? 'does not bundle it' : `has ${dep.name}@${String(now.version)}`;
      return { ok: false, problem: `${where} bundled ${dep.name}@${dep.version}, and this server's packages folder ${found}. Install that version (\`chameleon packages add ${dep.name}@${dep.version}\`, and packages.allow), or leave the tool out of the export.` };
    }
  }
  const sameDependencies = JSON.stringify(canonicalJsonValue(out.dependencies)) === JSON.stringify(canonicalJsonValue(recorded));
  return { ok: true, compiledJs: out.compiledJs, sourceMap: out.sourceMap, dependencies: out.dependencies, changed: out.compiledJs !== v.compiledJs || out.sourceMap !== v.sourceMap || !sameDependencies };
}
