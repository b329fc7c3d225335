/**
 * The integrity hash of a version: SHA-256 over a canonical JSON encoding of everything that
 * decides what the version does. Computed when a version is written and recomputed on every
 * read, so a row edited behind our back (or a corrupted page) is noticed before it runs.
 */
import { createHash } from 'node:crypto';

import type { VersionSnapshot } from '../model.js';

/**
 * SHA-256 (hex) of `[language, source, compiledJs, sourceMap, description, inputSchema,
 * timeoutMs, memoryMb]`, plus the capabilities when the version has any, plus the kind when it
 * is `library`, plus the dependencies when there are some, as JSON, with the schema's object
 * keys sorted recursively so that key order does not change the hash. A JSON array of JSON
 * strings is unambiguous, unlike plain concatenation ("ab" + "c" vs "a" + "bc"); the optional
 * tail stays unambiguous because each part has its own JSON type (capabilities an object, the
 * kind a string, the dependencies an array). A SQL tool (language `sql`, issue 16) adds
 * `{ datasource }` last: an object like capabilities, but only a version whose first element
 * says `sql` has it, and a SQL tool has no capabilities. `{ strictTypes: true }` comes last
 * for a version that opted into strict types (issue 17).
 */
export function hashSnapshot(snapshot: VersionSnapshot): string {
  const canonical = JSON.stringify([
    snapshot.language,
    snapshot.source,
    snapshot.compiledJs,
    snapshot.sourceMap,
    snapshot.description,
    canonicalJsonValue(snapshot.inputSchema),
    snapshot.limits.timeoutMs,
    snapshot.limits.memoryMb,
    // Only when there are some: a version without capabilities (every version saved before
    // they existed) keeps the hash it was stored with.
    ...(hasCapabilities(snapshot.capabilities) ? [canonicalJsonValue(snapshot.capabilities)] : []),
    // The same for libraries and bundles (issue 15): every older version is a tool with none.
    ...(snapshot.kind === 'library' ? ['library'] : []),
    ...(hasDependencies(snapshot.dependencies) ? [canonicalJsonValue(snapshot.dependencies)] : []),
    // A SQL tool's datasource (issue 16), tagged so that it can never read as another tail part.
    ...(snapshot.datasource === undefined ? [] : [{ datasource: snapshot.datasource }]),
    // Declared tests and replay_safe (issue 17), each a tagged object, only when set: every
    // version saved before the gate existed keeps its hash.
    ...(hasTests(snapshot.tests) ? [{ tests: canonicalJsonValue(snapshot.tests) }] : []),
    ...(snapshot.replaySafe === true ? [{ replaySafe: true }] : []),
    // Strict types (issue 17), tagged like the datasource, and only when opted into.
    ...(snapshot.strictTypes === true ? [{ strictTypes: true }] : []),
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function hasCapabilities(capabilities: VersionSnapshot['capabilities'] | undefined): boolean {
  return capabilities !== undefined && Object.keys(capabilities).length > 0;
}

export function hasTests(tests: VersionSnapshot['tests'] | undefined): boolean {
  return tests !== undefined && tests.length > 0;
}

export function hasDependencies(dependencies: VersionSnapshot['dependencies'] | undefined): boolean {
  return dependencies !== undefined && dependencies.length > 0;
}

/**
 * The value as it survives a JSON round trip (undefined dropped, NaN -> null, toJSON applied),
 * with object keys sorted at every depth. Going through JSON first makes the hash of the object
 * we were given equal to the hash of the object we read back from the database.
 */
export function canonicalJsonValue(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : sortKeys(JSON.parse(text));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  return value;
}
