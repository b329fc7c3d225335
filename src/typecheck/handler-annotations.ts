/**
 * Gives the handler's parameters their types where the agent left them out, so that
 * `export default async function (args, ctx)` is checked as `(args: ToolArgs, ctx: ToolContext)`:
 * the checker inserts `: ToolArgs` / `: ToolContext` after each unannotated parameter of the
 * default export (a function, an arrow, a function or const it names, or a class's `run`).
 *
 * Insertions shift the text after them on their line, so each is recorded and every diagnostic
 * position is mapped back to the source as written (`toOriginal`). Runs in the checker worker,
 * with the TypeScript module it loaded.
 */
import type * as TS from 'typescript';
import { ARGS_TYPE, CONTEXT_TYPE } from './ambient.js';

export interface Insertion {
  /** Offset in the source as written. */
  at: number;
  text: string;
}

export interface Annotated {
  text: string;
  insertions: Insertion[];
}

type FunctionLike = TS.FunctionDeclaration | TS.FunctionExpression | TS.ArrowFunction | TS.MethodDeclaration;

export function annotateHandler(ts: typeof TS, fileName: string, source: string): Annotated {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const handler = findHandler(ts, file);
  const insertions: Insertion[] = [];
  if (handler !== undefined) {
    const types = [ARGS_TYPE, CONTEXT_TYPE];
    handler.parameters.slice(0, 2).forEach((param, i) => {
      if (param.type !== undefined || param.dotDotDotToken !== undefined) return;
      // After the name (and its `?`), before any `= default`.
      const at = (param.questionToken ?? param.name).end;
      insertions.push({ at, text: `: ${types[i]!}` });
    });
  }
  let text = source;
  for (const ins of [...insertions].reverse()) text = text.slice(0, ins.at) + ins.text + text.slice(ins.at);
  return { text, insertions };
}

/** An offset in the annotated text as an offset in the source as written (inside an insertion: where it was inserted). */
export function toOriginal(insertions: readonly Insertion[], offset: number): number {
  let shift = 0;
  for (const ins of insertions) {
    const start = ins.at + shift;
    if (offset < start) break;
    if (offset < start + ins.text.length) return ins.at;
    shift += ins.text.length;
  }
  return offset - shift;
}

function findHandler(ts: typeof TS, file: TS.SourceFile): FunctionLike | undefined {
  for (const statement of file.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
    const isDefault = modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) && modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (isDefault && ts.isFunctionDeclaration(statement)) return statement;
    if (isDefault && ts.isClassDeclaration(statement)) return runMethod(ts, statement);
    if (ts.isExportAssignment(statement) && statement.isExportEquals !== true) return fromExpression(ts, file, statement.expression);
  }
  return undefined;
}

function fromExpression(ts: typeof TS, file: TS.SourceFile, expression: TS.Expression): FunctionLike | undefined {
  const inner = skipParentheses(ts, expression);
  if (ts.isFunctionExpression(inner) || ts.isArrowFunction(inner)) return inner;
  if (ts.isClassExpression(inner)) return runMethod(ts, inner);
  if (ts.isIdentifier(inner)) return declaredFunction(ts, file, inner.text);
  return undefined;
}

/** `function handler(...)`, `const handler = (...) => ...` or `class Handler { run(...) }` at the top level. */
function declaredFunction(ts: typeof TS, file: TS.SourceFile, name: string): FunctionLike | undefined {
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) return statement;
    if (ts.isClassDeclaration(statement) && statement.name?.text === name) return runMethod(ts, statement);
    if (ts.isVariableStatement(statement)) {
      for (const decl of statement.declarationList.declarations) {
        if (!ts.isIdentifier(decl.name) || decl.name.text !== name || decl.initializer === undefined || decl.type !== undefined) continue;
        const init = skipParentheses(ts, decl.initializer);
        if (ts.isFunctionExpression(init) || ts.isArrowFunction(init)) return init;
      }
    }
  }
  return undefined;
}

function runMethod(ts: typeof TS, klass: TS.ClassLikeDeclaration): FunctionLike | undefined {
  return klass.members.find((m): m is TS.MethodDeclaration => ts.isMethodDeclaration(m) && ts.isIdentifier(m.name) && m.name.text === 'run');
}

function skipParentheses(ts: typeof TS, expression: TS.Expression): TS.Expression {
  let e = expression;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}
