/**
 * Schema violations said so that the caller can fix its call: which property, and when the
 * caller most likely misspelt one, the name the schema has (`unexpected property max_chars;
 * the schema has maxChars`). ajv's own wording ("must NOT have additional properties") names
 * neither.
 *
 * The schema and the arguments are the caller's: every walk here is bounded by the path ajv
 * reports, and nothing is evaluated.
 */
import type { ErrorObject } from 'ajv';

/** Names listed when no known name is close to the one given. */
const MAX_LISTED = 10;
const MAX_NAME = 100;

export function describeProblem(e: ErrorObject, schema: Record<string, unknown>, args: unknown): string {
  const where = ['arguments', ...pointerSegments(e.instancePath)].join('.');
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    const name = params['additionalProperty'];
    const known = propertyNames(at(schema, parentOfKeyword(e.schemaPath)));
    const near = closest(name, known);
    const hint = near !== null ? `; the schema has ${shown(near)}` : known.length > 0 ? `; the schema has ${list(known)}` : '';
    return `${where} has an unexpected property ${shown(name)}${hint}`;
  }
  if (e.keyword === 'required' && typeof params['missingProperty'] === 'string') {
    const name = params['missingProperty'];
    const known = new Set(propertyNames(at(schema, parentOfKeyword(e.schemaPath))));
    const given = ownKeys(at(args, pointerSegments(e.instancePath))).filter((k) => !known.has(k));
    const near = closest(name, given);
    return `${where} is missing the required property ${shown(name)}${near === null ? '' : `; you passed ${shown(near)}`}`;
  }
  return `${where} ${e.message ?? 'is invalid'}`;
}

/**
 * The segments of the schema node that holds the failing keyword (`#/properties/a/required`
 * -> `properties`, `a`), or null when ajv's path is not a pointer into this schema (a remote
 * `$ref`). Schema paths are URI fragments; instance paths are plain JSON pointers.
 */
function parentOfKeyword(schemaPath: string): string[] | null {
  if (!schemaPath.startsWith('#')) return null;
  try {
    return pointerSegments(decodeURIComponent(schemaPath.slice(1))).slice(0, -1);
  } catch {
    return null; // a malformed escape: no suggestion, the property is still named
  }
}

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function at(root: unknown, segments: readonly string[] | null): unknown {
  if (segments === null) return undefined;
  let node = root;
  for (const key of segments) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function propertyNames(schemaNode: unknown): string[] {
  if (schemaNode === null || typeof schemaNode !== 'object') return [];
  return ownKeys((schemaNode as Record<string, unknown>)['properties']);
}

function ownKeys(value: unknown): string[] {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
}

/**
 * The known name the given one is most likely a misspelling of: the same once case, `_`
 * and `-` are ignored (`max_chars`/`maxChars`), or within a small edit distance; else null.
 */
export function closest(name: string, known: readonly string[]): string | null {
  const wanted = normalise(name);
  let best: { name: string; distance: number } | null = null;
  for (const candidate of known) {
    const normalised = normalise(candidate);
    if (normalised === wanted) return candidate;
    const allowed = Math.min(2, Math.floor(Math.max(wanted.length, normalised.length) / 3));
    const distance = editDistance(wanted, normalised, allowed);
    if (distance <= allowed && (best === null || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name ?? null;
}

function normalise(name: string): string {
  return name.slice(0, MAX_NAME).toLowerCase().replace(/[_\-\s]/g, '');
}

/** Levenshtein distance, or `limit + 1` as soon as it must exceed `limit` (names are short). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      rowMin = Math.min(rowMin, current[j]!);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

function shown(name: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(name) && name.length <= MAX_NAME ? name : JSON.stringify(name.slice(0, MAX_NAME));
}

function list(names: readonly string[]): string {
  const listed = names.slice(0, MAX_LISTED).map(shown).join(', ');
  return names.length > MAX_LISTED ? `${listed}, … (${names.length} in all)` : listed;
}
