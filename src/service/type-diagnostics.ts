/**
 * Advisory type diagnostics of a TypeScript version (issue 17, item 1): what the request to the
 * checker is (the source, and the ambient types of ctx and args for the version's capabilities
 * and schema), how long a write waits for the answer, and where the answer is kept.
 *
 * The check starts when the write starts and runs in the checker's worker while the code is
 * compiled and load-checked, so a write usually waits for nothing more; the version is saved
 * and active without waiting for it. The write's answer waits at most `typecheck.answerWaitMs`
 * after the save; whatever the checker says, whenever it says it, is stored with the version.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sourceFileName } from '../compiler/compile.js';
import type { Capabilities, Language, ToolKind, VersionSnapshot } from '../model.js';
import { whenUnlocked } from '../store/index.js';
import { ambientDeclarations } from '../typecheck/ambient.js';
import type { CheckOutcome } from '../typecheck/checker.js';
import { MAX_CHECKED_LIBRARIES, type TypeDiagnostic } from '../typecheck/types.js';
import type { ServiceDeps } from './deps.js';
import { MISSING_GLOBALS } from './runtime-gaps.js';
import { activeVersionOrNone, toolsDeclarationOf } from './store-reads.js';

/** What a write says about types. Absent for JavaScript and SQL (nothing is checked). */
export type TypeReport =
  | { state: 'checked'; diagnostics: TypeDiagnostic[]; omitted: number }
  /** The checker had not answered within answerWaitMs: get_tool shows the diagnostics once it has. */
  | { state: 'pending'; note: string }
  /** The checker could not check (busy, crashed, timed out, disabled): nothing is known. */
  | { state: 'unavailable'; note: string };

export interface PendingCheck {
  outcome: Promise<CheckOutcome>;
}

interface Checked {
  language: Language;
  kind?: ToolKind;
  source: string;
  inputSchema: Record<string, unknown>;
  capabilities: Capabilities;
}

/** Starts checking `draft`, or null when it is not TypeScript or the checker is off. */
export async function startTypeCheck(deps: ServiceDeps, persona: string, name: string, draft: Checked): Promise<PendingCheck | null> {
  if (draft.language !== 'typescript' || deps.typeChecker === null) return null;
  let ambient: string;
  try {
    const declaration = await toolsDeclarationOf(deps.store, persona, name, draft.capabilities);
    ambient = ambientDeclarations({ inputSchema: draft.inputSchema, capabilities: draft.capabilities, toolsDeclaration: declaration });
  } catch (error) {
    // A callee that cannot be read (INTEGRITY, a store fault) must not fail an advisory check's write.
    const message = `the types of ctx.tools could not be made: ${error instanceof Error ? error.message : String(error)}`;
    return { outcome: Promise.resolve({ ok: false, reason: 'crashed', message }) };
  }
  const libraries = await importedLibraries(deps, persona, draft.source);
  return { outcome: deps.typeChecker.check({ fileName: sourceFileName(name, draft.language), source: draft.source, ambient, ...(libraries.length === 0 ? {} : { libraries }) }) };
}

const LIB_IMPORT = /\b(?:from|import)\s*["']lib:([a-z][a-z0-9_]{0,63})["']/g;

/**
 * The TypeScript libraries the source imports (`from "lib:name"`), and those they import, at
 * their active versions (what the compiler bundles), at most MAX_CHECKED_LIBRARIES. One that
 * is missing, not a library, JavaScript or unreadable is left out: its imports are `any` (the
 * compiler says what is wrong with it).
 */
async function importedLibraries(deps: ServiceDeps, persona: string, source: string): Promise<Array<{ name: string; source: string }>> {
  const found = new Map<string, string>();
  const queue = [...source.matchAll(LIB_IMPORT)].map((m) => m[1]!);
  while (queue.length > 0 && found.size < MAX_CHECKED_LIBRARIES) {
    const name = queue.shift()!;
    if (found.has(name)) continue;
    let text = '';
    try {
      const version = await activeVersionOrNone(deps.store.tools, persona, name);
      if (version?.kind === 'library' && version.language === 'typescript') text = version.source;
    } catch {
      text = '';
    }
    found.set(name, text);
    if (text !== '') queue.push(...[...text.matchAll(LIB_IMPORT)].map((m) => m[1]!));
  }
  return [...found].filter(([, text]) => text !== '').map(([name, text]) => ({ name, source: text }));
}

/** The outcome as a report: messages said in the runtime's terms. */
export function reportOf(outcome: CheckOutcome): TypeReport {
  if (!outcome.ok) return { state: 'unavailable', note: `Types were not checked: ${outcome.message}. The version is saved; nothing about its types is known.` };
  return { state: 'checked', diagnostics: outcome.diagnostics.map(inRuntimeTerms), omitted: Math.max(0, outcome.total - outcome.diagnostics.length) };
}

/**
 * Stores the check's answer with the saved version when it comes, and gives the write's
 * report: the answer if it comes within `answerWaitMs`, else `pending`.
 */
export async function reportForSaved(deps: ServiceDeps, persona: string, name: string, version: number, check: PendingCheck): Promise<TypeReport> {
  const stored = check.outcome.then(async (outcome) => {
    const report = reportOf(outcome);
    if (report.state === 'checked' && report.diagnostics.length > 0) {
      try {
        await whenUnlocked(() => deps.store.diagnostics.set(persona, name, version, JSON.stringify(report.diagnostics)), deps.config.store.lockWaitMs);
      } catch (error) {
        deps.logger.warn('type diagnostics not stored', { tool: name, version, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return report;
  });
  const waitMs = deps.config.typecheck.answerWaitMs;
  const cap = new AbortController();
  const late = sleep(waitMs, null, { signal: cap.signal }).catch(() => null);
  const first = await Promise.race([stored, late]);
  cap.abort();
  if (first !== null) return first;
  return { state: 'pending', note: `The type checker had not answered ${waitMs} ms after the save. The version is live; get_tool shows its diagnostics once the checker answers.` };
}

/** The stored diagnostics of a version, or [] (none, or none stored). */
export async function storedDiagnostics(deps: ServiceDeps, persona: string, name: string, version: number): Promise<TypeDiagnostic[]> {
  const json = await deps.store.diagnostics.get(persona, name, version);
  if (json === null) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? (parsed as TypeDiagnostic[]) : [];
  } catch {
    return [];
  }
}

/** The report of a version already saved (an update that changed nothing): what was stored. */
export async function storedReport(deps: ServiceDeps, persona: string, snapshot: Pick<VersionSnapshot, 'language'> & { toolName: string; version: number }): Promise<TypeReport | undefined> {
  if (snapshot.language !== 'typescript' || deps.typeChecker === null) return undefined;
  return { state: 'checked', diagnostics: await storedDiagnostics(deps, persona, snapshot.toolName, snapshot.version), omitted: 0 };
}

/**
 * TypeScript's advice for an unknown global assumes a project (`npm i @types/node`, "change
 * your lib to include dom"): a tool can do neither, so the message says what the runtime
 * offers instead, as its ReferenceError at run time would (runtime-gaps.ts).
 */
const UNKNOWN_NAME = /^Cannot find name '([A-Za-z_$][\w$]*)'/;
const NO_MODULES = 'Tools have no require() or module object: import your libraries (`import { x } from "lib:name"`) and allowed packages, or inline the code.';
const NO_DOM = 'Tools run in a sandbox without a DOM or a browser window; they have fetch, URL, TextEncoder and the other Web APIs docs/writing-tools.md lists.';
const RUNTIME_HINTS: Readonly<Record<string, string>> = {
  ...MISSING_GLOBALS,
  require: NO_MODULES,
  module: NO_MODULES,
  exports: NO_MODULES,
  document: NO_DOM,
  navigator: NO_DOM,
  localStorage: 'Tools have no localStorage: ctx.kv keeps JSON values between calls.',
};

function inRuntimeTerms(d: TypeDiagnostic): TypeDiagnostic {
  const name = UNKNOWN_NAME.exec(d.message)?.[1];
  if (name === undefined || !Object.prototype.hasOwnProperty.call(RUNTIME_HINTS, name)) return d;
  return { ...d, message: `Cannot find name '${name}': ${RUNTIME_HINTS[name]}` };
}
