/**
 * One check: the tool's source (its handler annotated: handler-annotations.ts), the runtime's
 * globals (runtime-globals.ts) and the version's ambient types (ambient.ts), checked by
 * `ts.createProgram` over an in-memory host. The ES2022 lib files and the globals are parsed
 * once per checker and reused by every program (a SourceFile keeps its binding), so a warm
 * check pays for the tool's own file and the type checking.
 *
 * Runs in the checker worker (worker.ts), which loads TypeScript; nothing here touches the disk
 * except reading the lib files of the loaded TypeScript.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as TS from 'typescript';
import { AMBIENT_FILE } from './ambient.js';
import { annotateHandler, toOriginal } from './handler-annotations.js';
import { RUNTIME_GLOBALS, RUNTIME_GLOBALS_FILE } from './runtime-globals.js';
import { CHECKER_OPTIONS, MAX_DIAGNOSTICS, MAX_MESSAGE_CHARS, type CheckRequest, type TypeDiagnostic } from './types.js';

const TOOL_DIR = '/chameleon/tool/';
/** Where the libraries of a check live in its in-memory file system: `lib:text_utils` is LIB_DIR/text_utils.ts. */
const LIB_DIR = '/chameleon/lib/';

export interface CheckAnswer {
  diagnostics: TypeDiagnostic[];
  /** How many there were before MAX_DIAGNOSTICS. */
  total: number;
}

export function createProgramChecker(ts: typeof TS) {
  const converted = ts.convertCompilerOptionsFromJson(CHECKER_OPTIONS, '/');
  if (converted.errors.length > 0) throw new Error(`checker options: ${ts.flattenDiagnosticMessageText(converted.errors[0]!.messageText, ' ')}`);
  const options = converted.options;
  const libDir = path.dirname(ts.getDefaultLibFilePath(options));
  /** Lib files and the runtime globals: parsed once, shared by every program. */
  const shared = new Map<string, TS.SourceFile>();
  shared.set(RUNTIME_GLOBALS_FILE, ts.createSourceFile(RUNTIME_GLOBALS_FILE, RUNTIME_GLOBALS, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS));

  function sharedFile(fileName: string): TS.SourceFile | undefined {
    const hit = shared.get(fileName);
    if (hit !== undefined) return hit;
    // Only TypeScript's own lib directory is read: nothing an agent names reaches the disk.
    if (path.dirname(fileName) !== libDir || !/^lib\.[\w.]+\.d\.ts$/.test(path.basename(fileName))) return undefined;
    let text: string;
    try {
      text = fs.readFileSync(fileName, 'utf8');
    } catch {
      return undefined;
    }
    const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    shared.set(fileName, file);
    return file;
  }

  return function check(request: CheckRequest): CheckAnswer {
    const toolFile = TOOL_DIR + request.fileName;
    const annotated = annotateHandler(ts, toolFile, request.source);
    const own = new Map<string, TS.SourceFile>([
      [toolFile, ts.createSourceFile(toolFile, annotated.text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)],
      [AMBIENT_FILE, ts.createSourceFile(AMBIENT_FILE, request.ambient, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)],
    ]);
    for (const lib of request.libraries ?? []) {
      const file = `${LIB_DIR}${lib.name}.ts`;
      own.set(file, ts.createSourceFile(file, lib.source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS));
    }
    const host: TS.CompilerHost = {
      getSourceFile: (fileName) => own.get(fileName) ?? sharedFile(fileName),
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      writeFile: () => undefined,
      getCurrentDirectory: () => TOOL_DIR,
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => '\n',
      fileExists: (f) => own.has(f) || shared.has(f) || (path.dirname(f) === libDir && fs.existsSync(f)),
      readFile: () => undefined,
      directoryExists: (d) => d === libDir || d.startsWith('/chameleon'),
      getDirectories: () => [],
      // `lib:<name>` is the library's file when the request brought it; anything else stays
      // unresolved, and the runtime globals' `declare module '*'` types it `any`.
      resolveModuleNameLiterals: (literals) =>
        literals.map((literal) => {
          const file = literal.text.startsWith('lib:') ? `${LIB_DIR}${literal.text.slice(4)}.ts` : null;
          return { resolvedModule: file !== null && own.has(file) ? { resolvedFileName: file, extension: ts.Extension.Ts } : undefined };
        }),
    };
    const program = ts.createProgram({ rootNames: [toolFile, AMBIENT_FILE, RUNTIME_GLOBALS_FILE], options, host });
    const sourceFile = program.getSourceFile(toolFile)!;
    const found = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)].filter(
      (d) => d.category === ts.DiagnosticCategory.Error || d.category === ts.DiagnosticCategory.Warning,
    );
    // Positions in the source as written: computed on it, not on the annotated text.
    const original = ts.createSourceFile(toolFile, request.source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const diagnostics: TypeDiagnostic[] = [];
    for (const d of found.slice(0, MAX_DIAGNOSTICS)) {
      const at = ts.getLineAndCharacterOfPosition(original, Math.min(toOriginal(annotated.insertions, d.start ?? 0), request.source.length));
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      diagnostics.push({
        line: at.line + 1,
        column: at.character + 1,
        code: d.code,
        message: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
        severity: d.category === ts.DiagnosticCategory.Warning ? 'warning' : 'error',
      });
    }
    return { diagnostics, total: found.length };
  };
}
