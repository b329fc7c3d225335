/**
 * A TypeScript type for a JSON Schema (the subset tools' input schemas use), for the
 * declarations get_tool gives of ctx.tools (tool-declarations.ts).
 *
 * Why not json-schema-to-typescript: it resolves `$ref`s through @apidevtools/json-schema-ref-parser,
 * which follows file paths and URLs (an agent's schema could make the server read a file or
 * fetch a URL), it formats with prettier (~8 MB of dependencies loaded into the server), and
 * its API is async and whole-file. What is needed here is a type expression, from a schema the
 * server already holds, with every `$ref` left as `unknown`: this file, bounded in depth and size.
 *
 * Everything is the agent's text: property names are quoted when they are not identifiers,
 * descriptions become comments that cannot close themselves, and literals are JSON.
 */

const MAX_DEPTH = 8;
/** A type longer than this is cut to `unknown` at the level where it passes it. */
const MAX_CHARS = 20_000;
const MAX_DESCRIPTION = 300;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

type Schema = Record<string, unknown>;

/** The type of values `schema` accepts, as TypeScript, indented by `indent` after its first line. */
export function schemaToType(schema: unknown, indent = ''): string {
  const text = typeOf(schema, indent, 0);
  return text.length > MAX_CHARS ? 'unknown' : text;
}

/** A description as a one-line JSDoc comment, or '' (`*\/` cannot end it early). */
export function docComment(description: unknown, indent: string): string {
  if (typeof description !== 'string' || description.trim() === '') return '';
  const text = description.replace(/\s+/g, ' ').trim().slice(0, MAX_DESCRIPTION).replace(/\*\//g, '*\\/');
  return `${indent}/** ${text} */\n`;
}

function typeOf(schema: unknown, indent: string, depth: number): string {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || depth > MAX_DEPTH) return 'unknown';
  const s = schema as Schema;
  if (typeof s['$ref'] === 'string') return 'unknown';
  if ('const' in s) return literal(s['const']);
  if (Array.isArray(s['enum'])) return s['enum'].length === 0 ? 'never' : union(s['enum'].map(literal));
  const alternatives = Array.isArray(s['anyOf']) ? s['anyOf'] : Array.isArray(s['oneOf']) ? s['oneOf'] : null;
  if (alternatives !== null) return alternatives.length === 0 ? 'never' : union(alternatives.map((a) => typeOf(a, indent, depth + 1)));
  if (Array.isArray(s['allOf']) && s['allOf'].length > 0) return s['allOf'].map((a) => wrap(typeOf(a, indent, depth + 1))).join(' & ');
  const types = Array.isArray(s['type']) ? s['type'] : typeof s['type'] === 'string' ? [s['type']] : [];
  if (types.length === 0) return 'properties' in s || 'additionalProperties' in s ? objectType(s, indent, depth) : 'items' in s ? arrayType(s, indent, depth) : 'unknown';
  return union(types.map((t) => namedType(String(t), s, indent, depth)));
}

function namedType(type: string, s: Schema, indent: string, depth: number): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(s, indent, depth);
    case 'object':
      return objectType(s, indent, depth);
    default:
      return 'unknown';
  }
}

function arrayType(s: Schema, indent: string, depth: number): string {
  const prefix = Array.isArray(s['prefixItems']) ? s['prefixItems'] : Array.isArray(s['items']) ? s['items'] : null;
  if (prefix !== null) return `[${prefix.map((item) => typeOf(item, indent, depth + 1)).join(', ')}]`;
  return `${wrap(typeOf(s['items'], indent, depth + 1))}[]`;
}

function objectType(s: Schema, indent: string, depth: number): string {
  const properties = s['properties'] !== null && typeof s['properties'] === 'object' && !Array.isArray(s['properties']) ? (s['properties'] as Schema) : {};
  const required = new Set(Array.isArray(s['required']) ? s['required'].filter((r): r is string => typeof r === 'string') : []);
  const inner = `${indent}  `;
  const lines: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const doc = property !== null && typeof property === 'object' ? docComment((property as Schema)['description'], inner) : '';
    lines.push(`${doc}${inner}${IDENTIFIER.test(name) ? name : JSON.stringify(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, inner, depth + 1)};`);
  }
  const extra = s['additionalProperties'];
  if (extra !== false && (extra !== undefined || lines.length === 0)) lines.push(`${inner}[key: string]: ${extra === undefined || extra === true ? 'unknown' : typeOf(extra, inner, depth + 1)};`);
  return lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n${indent}}`;
}

function literal(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return 'unknown';
  // Objects and arrays as literal types would need their own types: their JSON says enough.
  return value !== null && typeof value === 'object' ? 'unknown' : json;
}

/** Members need no parentheses in a union: `|` binds loosest, and `a & b | c` is `(a & b) | c`. */
function union(members: string[]): string {
  const unique = [...new Set(members)];
  return unique.includes('unknown') ? 'unknown' : unique.join(' | ');
}

/** Parentheses where an operator would bind wrongly (`(a | b)[]`). */
function wrap(type: string): string {
  return /^[\w$"[{]/.test(type) && !/ [|&] /.test(type) ? type : `(${type})`;
}
