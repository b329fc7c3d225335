/**
 * What the checker says about a tool's source (issue 17, item 1), and the options it checks
 * with. Plain data: the server, the worker and the tests share it.
 */

/** One TypeScript diagnostic, in the source as written: 1-based line and column (UTF-16 units, as V8 and tsc count). */
export interface TypeDiagnostic {
  line: number;
  column: number;
  /** TypeScript's number: 2339 for TS2339. */
  code: number;
  /** The message chain flattened, one line per link. */
  message: string;
  severity: 'error' | 'warning';
}

/** What the worker is asked to check. */
export interface CheckRequest {
  /** `my_tool.ts`: the name diagnostics and messages use. */
  fileName: string;
  source: string;
  /** ambient.ts's declarations for this version (ToolArgs, ToolContext). */
  ambient: string;
  /**
   * The persona's TypeScript libraries the source may import (`lib:<name>`), at their active
   * versions, so that what a tool imports from them is typed; other imports are `any`.
   */
  libraries?: Array<{ name: string; source: string }>;
}

/** The most libraries one check reads (the source's imports, and theirs). */
export const MAX_CHECKED_LIBRARIES = 20;

/** At most this many diagnostics are kept per version; the count says how many there were. */
export const MAX_DIAGNOSTICS = 50;
export const MAX_MESSAGE_CHARS = 1_000;

/**
 * The compiler options, in tsconfig form, so that a test can hand the same ones to `tsc`:
 * ES2022 and nothing else (no DOM, no Node types), modules as tools are written, strict checks
 * except noImplicitAny (advisory diagnostics: an unannotated helper parameter is not worth a
 * warning on every line that uses it; the handler's own parameters are typed by the checker).
 */
export const CHECKER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2022'],
  module: 'ESNext',
  moduleResolution: 'Bundler',
  moduleDetection: 'force',
  strict: true,
  noImplicitAny: false,
  noEmit: true,
  types: [] as string[],
  skipLibCheck: true,
} as const;
