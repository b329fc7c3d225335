import { describe, expect, it } from 'vitest';

import { docComment, schemaToType } from '../../../src/service/schema-types.js';
import { toolsDeclaration } from '../../../src/service/tool-declarations.js';

describe('schemaToType()', () => {
  it.each<[string, unknown, string]>([
    ['true / absent', true, 'unknown'],
    ['false', false, 'never'],
    ['string', { type: 'string' }, 'string'],
    ['integer', { type: 'integer' }, 'number'],
    ['nullable', { type: ['string', 'null'] }, 'string | null'],
    ['enum', { enum: ['a', 'b', 1, null] }, '"a" | "b" | 1 | null'],
    ['const', { const: 'x' }, '"x"'],
    ['array of a union', { type: 'array', items: { enum: ['a', 'b'] } }, '("a" | "b")[]'],
    ['tuple', { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] }, '[string, number]'],
    ['anyOf', { anyOf: [{ type: 'string' }, { type: 'number' }] }, 'string | number'],
    ['allOf', { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { type: 'object', properties: { b: { type: 'number' } } }] }, '{\n  a: string;\n} & {\n  b?: number;\n}'],
    ['$ref (never followed)', { $ref: 'file:///etc/passwd' }, 'unknown'],
    ['an open object', { type: 'object' }, '{\n  [key: string]: unknown;\n}'],
    ['a closed object', { type: 'object', properties: {}, additionalProperties: false }, '{}'],
    ['a map', { type: 'object', additionalProperties: { type: 'integer' } }, '{\n  [key: string]: number;\n}'],
    ['odd property names, quoted', { type: 'object', properties: { 'a-b': { type: 'string' }, '1x': {} }, required: ['a-b'], additionalProperties: false }, '{\n  "a-b": string;\n  "1x"?: unknown;\n}'],
  ])('%s', (_name, schema, expected) => {
    expect(schemaToType(schema)).toBe(expected);
  });

  it('turns descriptions into comments that cannot end early', () => {
    expect(schemaToType({ type: 'object', properties: { a: { type: 'string', description: 'x */ evil(); /* y' } }, additionalProperties: false })).toBe('{\n  /** x *\\/ evil(); /* y */\n  a?: string;\n}');
    expect(docComment('  ', '')).toBe('');
  });

  it('bounds depth and size', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 50; i++) deep = { type: 'array', items: deep };
    expect(schemaToType(deep)).toMatch(/^unknown(\[\])+$/);
    const wide = { type: 'object', properties: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`p${i}`, { type: 'string' }])) };
    expect(schemaToType(wide)).toBe('unknown');
  });
});

describe('toolsDeclaration()', () => {
  const lookup = (name: string) => (name === 'add' ? { toolName: 'add', version: 3, description: 'Adds.', inputSchema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false } } : undefined);

  it('is null for a tool that may call none', () => {
    expect(toolsDeclaration({}, lookup, () => [])).toBeNull();
  });

  it('declares a method per tool, call overloads, and ToolCallError', () => {
    const text = toolsDeclaration({ tools: ['add', 'later'] }, lookup, () => [])!;
    expect(text).toContain('  /** Adds. (version 3) */\n  add(args: {\n    a: number;\n  }): Promise<unknown>;');
    expect(text).toContain('  later(args: Record<string, unknown>): Promise<unknown>;');
    expect(text).toContain('  call(name: "add", args: {\n    a: number;\n  }): Promise<unknown>;');
    expect(text).toContain('interface ToolCallError extends Error {');
  });

  it('with "*", declares the listed tools for call() only', () => {
    const text = toolsDeclaration({ tools: ['*'] }, lookup, () => ['add'])!;
    expect(text).not.toContain('  add(args');
    expect(text).toContain('  call(name: "add", args: {');
  });
});
