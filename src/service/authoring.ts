import { compile } from '../compiler/compile.js';
import { AppError } from '../errors.js';
import { assertManifestAllowed, CapabilitiesSchema, normaliseCapabilities, type CapabilitiesInput } from '../capabilities/manifest.js';
import type { Capabilities, Dependency, Failure, GateReport, Language, ToolKind, ToolRecord, ToolTest, VersionOrigin, VersionRecord, VersionSnapshot } from '../model.js';
import { hashSnapshot, tooManyTools, whenUnlocked, type ListedTool, type ToolPage } from '../store/index.js';
import { SourceMapCache } from '../traceback/source-maps.js';
import { applyEdits, type SourceEdit } from './source-edits.js';
import type { ServiceDeps } from './deps.js';
import { resolverFor } from './failures.js';
import { importContext } from './imports.js';
import { assertNewToolName, assertToolName } from './names.js';
import { failureRecord, sourcesOfFrames } from './records.js';
import { runGate } from './gate.js';
import { checkTests } from './tool-tests.js';
import { callSandbox } from './sandbox-call.js';
import { callSignature } from './tool-declarations.js';
import { liveVersionOrNone, toolsDeclarationOf, versionOrNone } from './store-reads.js';
import { strictTypesRefusal } from './strict-types.js';
import type { TypeDiagnostic } from '../typecheck/types.js';
import { reportForSaved, startTypeCheck, storedDiagnostics, storedReport, type PendingCheck, type TypeReport } from './type-diagnostics.js';
import { assertSqlToolShape, checkSqlDraft, isDerivedSchema, sqlDatasource } from './sql-tools.js';
import { toolView, versionView, type ToolView, type VersionView } from './views.js';

export interface CreateToolInput {
  name: string;
  description: string;
  code: string;
  language?: Language;
  inputSchema?: Record<string, unknown>;
  timeoutMs?: number;
  memoryMb?: number;
  /** Checked against the host's config and normalised (manifest.ts). */
  capabilities?: CapabilitiesInput;
  /** `library`: code other tools import (`lib:<name>`), never called. Default `tool`. */
  kind?: ToolKind;
  /** Language `sql` only: the datasource (config `datasources`) the statement reads. */
  datasource?: string;
  /** Declared tests, stored with the version; the gate runs them before a later update goes live (not at create). */
  tests?: unknown;
  /** The gate may replay calls of a tool whose capabilities have side effects (gate-replay.ts). */
  replaySafe?: boolean;
  /** TypeScript only: type errors refuse the save (strict-types.ts). Default false. */
  strictTypes?: boolean;
}

/** What update_tool and edit_tool add to a write: the gate's settings. */
export interface GateOptions {
  /** Activate the new version even when gate cases fail; the version records that it was forced. */
  force?: boolean;
}

export interface UpdateToolInput extends GateOptions {
  name: string;
  code?: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  timeoutMs?: number;
  memoryMb?: number;
  /** Replaces the manifest when given (`{}` removes every capability); kept otherwise. */
  capabilities?: CapabilitiesInput;
  /** A SQL tool's datasource, replaced when given. */
  datasource?: string;
  /** Replaces the declared tests when given (`[]` removes them); kept from the active version otherwise. */
  tests?: unknown;
  /** Replaced when given; kept from the active version otherwise. */
  replaySafe?: boolean;
  /** Replaces the version's strict_types when given; kept otherwise. */
  strictTypes?: boolean;
}

/**
 * A write either saves a version, or is refused with the failure (and its log row's id).
 * `unchanged`: the update changed nothing (same hash as the active version), so no version was made.
 * `gate`: the regression gate's report when it ran (update/edit); `forced`: activated past failing cases.
 * `inactiveVersion`: the gate refused the new version: it is saved under this number but NOT
 * active, and `tool` is the active version that keeps serving.
 * `types`: what the type checker said of a TypeScript version (type-diagnostics.ts); absent for
 * JavaScript and SQL.
 */
export type WriteOutcome =
  | { ok: true; tool: ToolView; unchanged?: true; gate?: GateReport; forced?: true; inactiveVersion?: number; types?: TypeReport }
  | { ok: false; failure: Failure; executionId: string };

/**
 * A write whose version is saved (or refused) while its type check may still run: the tool's
 * write turn ends here, and `finishWrite` waits for the check's report (bounded) outside it,
 * so the next write of the tool never waits for this one's checker.
 */
export interface SavedWrite {
  outcome: WriteOutcome;
  check?: { version: number; pending: PendingCheck };
}

/** The write's outcome with its type report (waited for at most typecheck.answerWaitMs). */
export async function finishWrite(deps: ServiceDeps, persona: string, saved: SavedWrite): Promise<WriteOutcome> {
  const { outcome, check } = saved;
  if (!outcome.ok || check === undefined) return outcome;
  return { ...outcome, types: await reportForSaved(deps, persona, outcome.tool.name, check.version, check.pending) };
}

export async function createTool(deps: ServiceDeps, persona: string, input: CreateToolInput): Promise<WriteOutcome> {
  return finishWrite(deps, persona, await saveNewTool(deps, persona, input));
}

export async function updateTool(deps: ServiceDeps, persona: string, input: UpdateToolInput): Promise<WriteOutcome> {
  return finishWrite(deps, persona, await saveUpdate(deps, persona, input));
}

export async function saveNewTool(deps: ServiceDeps, persona: string, input: CreateToolInput): Promise<SavedWrite> {
  assertNewToolName(input.name);
  const existing = await deps.store.tools.get(persona, input.name);
  if (existing) {
    throw new AppError('TOOL_EXISTS', `Tool \`${input.name}\` already exists (version ${existing.activeVersion}). Call \`update_tool\` to change it, or pick another name.`);
  }
  // Refused before compiling; the store counts again inside its write transaction.
  const { maxToolsPerPersona } = deps.config.limits;
  const live = await deps.store.tools.countLive(persona);
  if (live >= maxToolsPerPersona) throw tooManyTools(persona, live, maxToolsPerPersona);
  const kind = input.kind ?? 'tool';
  if (kind === 'library') refuseCallSettings(input);
  const language = input.language ?? 'typescript';
  if (language === 'sql' && kind === 'library') throw new AppError('INVALID_ARGUMENT', 'A SQL tool is one query to call, never a library: leave kind out, or write the library in TypeScript or JavaScript.');
  const draft: Draft = {
    description: checkDescription(input.description),
    inputSchema: deps.validator.checkSchema(input.inputSchema ?? { type: 'object' }),
    language,
    limits: checkLimits(deps, { timeoutMs: input.timeoutMs, memoryMb: input.memoryMb }),
    source: checkSource(deps, input.code, language),
    capabilities: checkCapabilities(deps, input.name, input.capabilities ?? {}),
    kind,
    ...checkDatasource(deps, language, input.datasource),
    ...(input.replaySafe === true ? { replaySafe: true } : {}),
    ...strictTypesOf(language, input.strictTypes),
  };
  if (language === 'sql') assertSqlToolShape(draft.capabilities);
  // Checked against the schema given (a SQL tool's derived schema exists only after its check, below).
  if (input.tests !== undefined) draft.tests = checkTests(deps.validator, input.tests, draft.inputSchema);
  const nextVersion = await nextVersionNumber(deps, persona, input.name);
  // Checked in the checker's worker while the code is compiled and load-checked here.
  const check = await startTypeCheck(deps, persona, input.name, draft);
  // A SQL tool without a schema gets one derived from its parameters.
  const built = await buildSnapshot(deps, persona, input.name, nextVersion, draft, 'create', input, input.inputSchema === undefined);
  if (!built.ok) return { outcome: built };
  if (draft.strictTypes === true) {
    const refused = await strictTypesRefusal(deps, strictWrite(persona, input.name, 'create', draft.source, input), check);
    if (refused !== null) return { outcome: refused };
  }
  const version = await whenUnlocked(() => deps.store.tools.create(persona, input.name, built.snapshot, maxToolsPerPersona), deps.config.store.lockWaitMs);
  return { outcome: { ok: true, tool: toolView(version, await writtenTool(deps, persona, input.name)) }, ...(check === null ? {} : { check: { version: version.version, pending: check } }) };
}

/**
 * Saves a new version from the active one's fields and those given, then runs the regression
 * gate (gate.ts) before it goes live. A version the gate refuses is saved inactive with its
 * report (the active version keeps serving), unless `force`. Always based on the ACTIVE version,
 * never on a newer refused one: an agent retrying after a refusal patches what is live.
 */
export async function saveUpdate(deps: ServiceDeps, persona: string, input: UpdateToolInput, origin: 'update' | 'edit' = 'update'): Promise<SavedWrite> {
  assertToolName(input.name);
  const current = await deps.store.tools.getVersion(persona, input.name);
  if (current.kind === 'library') refuseCallSettings(input);
  const draft: Draft = {
    kind: current.kind,
    description: input.description === undefined ? current.description : checkDescription(input.description),
    inputSchema: input.inputSchema === undefined ? current.inputSchema : deps.validator.checkSchema(input.inputSchema),
    language: current.language,
    limits: checkLimits(deps, {
      timeoutMs: input.timeoutMs ?? current.limits.timeoutMs,
      memoryMb: input.memoryMb ?? current.limits.memoryMb,
    }),
    source: input.code === undefined ? current.source : checkSource(deps, input.code, current.language),
    // A kept manifest is not checked again: the config may have narrowed since, and calls
    // are refused then (call-host.ts) with what to change; an update of the code alone must
    // still be possible.
    capabilities: input.capabilities === undefined ? current.capabilities : checkCapabilities(deps, input.name, input.capabilities),
    // Like the manifest, a kept datasource is not checked again here (the config may have
    // dropped it since); a query checked again (below) needs it, and says so.
    ...(input.datasource === undefined ? (current.datasource === undefined ? {} : { datasource: current.datasource }) : checkDatasource(deps, current.language, input.datasource)),
    ...((input.replaySafe ?? current.replaySafe) === true ? { replaySafe: true } : {}),
    ...(input.strictTypes === undefined ? (current.strictTypes === true ? { strictTypes: true as const } : {}) : strictTypesOf(current.language, input.strictTypes)),
  };
  if (current.language === 'sql') assertSqlToolShape(draft.capabilities);
  // Kept tests are checked again when the schema changes: it may refuse their arguments.
  if (input.tests !== undefined || (input.inputSchema !== undefined && current.tests !== undefined)) draft.tests = checkTests(deps.validator, input.tests ?? current.tests, draft.inputSchema);
  else if (current.tests !== undefined) draft.tests = current.tests;
  const nextVersion = await nextVersionNumber(deps, persona, input.name);
  // The code, schema or capabilities may change what the checker says: every new version is checked.
  const check = await startTypeCheck(deps, persona, input.name, draft);
  // A SQL tool's statement is checked again against whatever it now depends on: its text, its
  // datasource, the schema its parameters bind from.
  const recheck = input.code !== undefined || (current.language === 'sql' && (input.datasource !== undefined || input.inputSchema !== undefined));
  let snapshot: VersionSnapshot;
  if (!recheck) {
    // The code as compiled, with the library and package versions it bundled: an update of the
    // description or limits does not pick up newer libraries. Passing the code (even unchanged)
    // compiles it again against the libraries' active versions.
    snapshot = { ...draft, compiledJs: current.compiledJs, sourceMap: current.sourceMap, dependencies: current.dependencies };
  } else {
    // A derived schema follows the statement; one the agent wrote stays as written.
    const derive = current.language === 'sql' && input.inputSchema === undefined && isDerivedSchema(current.inputSchema);
    const built = await buildSnapshot(deps, persona, input.name, nextVersion, draft, 'update', input, derive);
    if (!built.ok) return { outcome: built };
    snapshot = built.snapshot;
  }
  // The same code and settings as the active version (hashed as the store would): a version
  // that changes nothing would only make the history longer and the agent think it did something.
  // Its report is what was stored for the active version.
  if (hashSnapshot(snapshot) === current.hash) {
    const types = await storedReport(deps, persona, current);
    return { outcome: { ok: true, tool: toolView(current, await writtenTool(deps, persona, input.name)), unchanged: true, ...(types === undefined ? {} : { types }) } };
  }
  // Before the gate: code with type errors under strict_types is refused as code that does not compile is.
  if (draft.strictTypes === true) {
    const refused = await strictTypesRefusal(deps, strictWrite(persona, input.name, 'update', draft.source, input), check);
    if (refused !== null) return { outcome: refused };
  }
  const checked = (version: number) => (check === null ? {} : { check: { version, pending: check } });
  const originOf: VersionOrigin = { kind: origin };
  // A library is never called: nothing to test or replay (its importers are gated when they are updated).
  if (current.kind === 'library') {
    const version = await whenUnlocked(() => deps.store.tools.addVersion(persona, input.name, snapshot, originOf), deps.config.store.lockWaitMs);
    return { outcome: { ok: true, tool: toolView(version, await writtenTool(deps, persona, input.name)) }, ...checked(version.version) };
  }
  const report = await runGate(deps, candidateOf(current, nextVersion, snapshot), current);
  const forced = !report.passed && input.force === true;
  const activate = report.passed || forced;
  const version = await whenUnlocked(() => deps.store.tools.addVersion(persona, input.name, snapshot, originOf, { report, forced, activate }), deps.config.store.lockWaitMs);
  const tool = await writtenTool(deps, persona, input.name);
  // A version the gate refused is saved too, and its diagnostics with it.
  if (!activate) return { outcome: { ok: true, tool: toolView(await deps.store.tools.getVersion(persona, input.name), tool), gate: report, inactiveVersion: version.version }, ...checked(version.version) };
  return { outcome: { ok: true, tool: toolView(version, tool), gate: report, ...(forced ? { forced: true as const } : {}) }, ...checked(version.version) };
}

/** The new version as the gate runs it: the number and hash it will be saved under. */
function candidateOf(current: VersionRecord, version: number, snapshot: VersionSnapshot): VersionRecord {
  return {
    ...snapshot,
    kind: snapshot.kind ?? 'tool',
    dependencies: snapshot.dependencies ?? [],
    persona: current.persona,
    toolName: current.toolName,
    version,
    hash: hashSnapshot(snapshot),
    origin: { kind: 'update' },
    createdAt: new Date().toISOString(),
    gate: null,
    forced: false,
  };
}

/**
 * Applies partial edits to the active version's source (source-edits.ts), then saves the result
 * as update_tool would: compiled, load-checked, a new version only if something changed.
 */
export async function editTool(deps: ServiceDeps, persona: string, name: string, edits: readonly SourceEdit[], options: GateOptions = {}): Promise<WriteOutcome> {
  return finishWrite(deps, persona, await saveEdit(deps, persona, name, edits, options));
}

export async function saveEdit(deps: ServiceDeps, persona: string, name: string, edits: readonly SourceEdit[], options: GateOptions = {}): Promise<SavedWrite> {
  assertToolName(name);
  const current = await deps.store.tools.getVersion(persona, name);
  return saveUpdate(deps, persona, { name, code: applyEdits(current.source, edits, current.version), ...options }, 'edit');
}

export async function rollbackTool(deps: ServiceDeps, persona: string, name: string, toVersion: number): Promise<ToolView> {
  assertToolName(name);
  if (!Number.isSafeInteger(toVersion) || toVersion < 1) {
    throw new AppError('INVALID_ARGUMENT', `version must be a positive integer, got ${JSON.stringify(toVersion)}.`);
  }
  const version = await whenUnlocked(() => deps.store.tools.rollback(persona, name, toVersion), deps.config.store.lockWaitMs);
  return toolView(version, await writtenTool(deps, persona, name));
}

export async function deleteTool(deps: ServiceDeps, persona: string, name: string): Promise<{ name: string; deletedAt: string; versions: number }> {
  assertToolName(name);
  const tool = await whenUnlocked(() => deps.store.tools.delete(persona, name), deps.config.store.lockWaitMs);
  return { name, deletedAt: tool.deletedAt ?? deps.now().toISOString(), versions: (await deps.store.tools.listVersions(persona, name)).length };
}

export interface ToolDetails {
  tool: ToolView;
  /** The requested version (the active one by default). */
  version: number;
  source: string;
  versions: VersionView[];
  /** What the requested version bundled: libraries and packages, pinned. */
  dependencies: Dependency[];
  /** For a library: the live tools that bundle it, with the version each bundles. */
  importers?: Array<{ name: string; activeVersion: number; libraryVersion: number; current: boolean }>;
  /** How another tool calls this one: `name(args: {...}): Promise<unknown>;` (ctx.tools); null for a library. */
  callSignature: string | null;
  /** TypeScript declaration of ctx.tools for the requested version, or null when it may call no tool. */
  toolsDeclaration: string | null;
  /** The requested version's capabilities (its ctx.mcp declaration is made from them: mcp-declarations.ts). */
  capabilities: Capabilities;
  /** The requested version's declared tests and replay_safe, and the gate's report on it (null when no gate ran). */
  tests: ToolTest[];
  replaySafe: boolean;
  gate: GateReport | null;
  forced: boolean;
  /** What the type checker said of the requested version when it was saved ([] when nothing is stored); null when it is not TypeScript. */
  diagnostics: TypeDiagnostic[] | null;
}

export async function getTool(deps: ServiceDeps, persona: string, name: string, version?: number): Promise<ToolDetails> {
  assertToolName(name);
  const tool = await deps.store.tools.get(persona, name);
  if (!tool) throw new AppError('TOOL_NOT_FOUND', `Tool \`${name}\` not found. Call \`list_tools\` to see the tools you have.`);
  const active = await deps.store.tools.getVersion(persona, name);
  const requested = version === undefined ? active : await deps.store.tools.getVersion(persona, name, version);
  const importers =
    active.kind === 'library'
      ? (await deps.store.tools.importersOf(persona, name)).map((i) => ({ ...i, current: i.libraryVersion === active.version }))
      : undefined;
  // The active pointer as the active version read says: a rollback between the two reads
  // would otherwise mark another version active in the list than the one shown.
  const activeVersion = active.version;
  return {
    tool: toolView(active, tool),
    version: requested.version,
    source: requested.source,
    versions: (await deps.store.tools.listVersions(persona, name)).map((v) => versionView(v, activeVersion)),
    dependencies: requested.dependencies,
    capabilities: requested.capabilities,
    tests: requested.tests ?? [],
    replaySafe: requested.replaySafe === true,
    gate: requested.gate,
    forced: requested.forced,
    diagnostics: requested.language === 'typescript' ? await storedDiagnostics(deps, persona, name, requested.version) : null,
    ...(importers === undefined ? {} : { importers }),
    callSignature: active.kind === 'library' ? null : callSignature(active),
    toolsDeclaration: await toolsDeclarationOf(deps.store, persona, name, requested.capabilities),
  };
}

export interface ToolListing extends ToolView {
  lastStatus: 'SUCCESS' | 'FAILURE' | null;
}

export async function listTools(deps: ServiceDeps, persona: string, page?: ToolPage): Promise<ToolListing[]> {
  const statuses = await deps.store.executions.lastStatusByTool(persona, page);
  const listing: ToolListing[] = [];
  for (const tool of await deps.store.tools.list(persona, page)) {
    // Deleted since the list was read: it is not listed, as it would not be a moment later.
    const active = await liveVersionOrNone(deps.store.tools, persona, tool.name);
    if (active !== undefined) listing.push({ ...toolView(active, tool), lastStatus: statuses.get(tool.name) ?? null });
  }
  return listing;
}

/**
 * One page of the persona's tools in name order, and the cursor of the next page (null after
 * the last). Each listed tool's active version is read and its hash checked, so listing all of
 * 10,000 tools at once took over a second of the event loop (issue 12); a page costs its size.
 */
export async function listToolsPage(deps: ServiceDeps, persona: string, cursor: string | undefined, limit: number): Promise<{ tools: ToolListing[]; nextCursor: string | null }> {
  const after = cursor === undefined ? '' : decodeCursor(cursor);
  // One more than asked tells whether a next page exists without a count query.
  const tools = await listTools(deps, persona, { after, limit: limit + 1 });
  const more = tools.length > limit;
  const page = more ? tools.slice(0, limit) : tools;
  return { tools: page, nextCursor: more ? encodeCursor(page[page.length - 1]!.name) : null };
}

/**
 * One page of what tools/list shows of the persona's tools (name, description, input schema),
 * from the store's in-memory listing: no version is read, so a page costs its size.
 */
export async function listedToolsPage(deps: ServiceDeps, persona: string, cursor: string | undefined, limit: number): Promise<{ tools: readonly ListedTool[]; nextCursor: string | null }> {
  const page = await deps.store.tools.listed(persona, { after: cursor === undefined ? '' : decodeCursor(cursor), limit });
  return { tools: page.tools, nextCursor: page.more ? encodeCursor(page.tools[page.tools.length - 1]!.name) : null };
}

/** Opaque to clients (MCP cursors are), but only the last name listed. */
function encodeCursor(afterName: string): string {
  return Buffer.from(JSON.stringify({ after: afterName }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string' && parsed.after.length <= 200) return parsed.after;
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('INVALID_ARGUMENT', 'That cursor was not made by this server. Pass the next_cursor of the previous page unchanged, or leave it out to start from the first page.');
}

type Draft = Omit<VersionSnapshot, 'compiledJs' | 'sourceMap' | 'dependencies' | 'kind'> & { kind: ToolKind };

/** `{ strictTypes: true }` when asked for, `{}` otherwise; only TypeScript is type-checked. */
function strictTypesOf(language: Language, strictTypes: boolean | undefined): { strictTypes?: true } {
  if (strictTypes !== true) return {};
  if (language !== 'typescript') throw new AppError('INVALID_ARGUMENT', `strict_types is for TypeScript tools; this one is ${language}, which the type checker does not check. Leave strict_types out.`);
  return { strictTypes: true };
}

function strictWrite(persona: string, name: string, operation: 'create' | 'update', source: string, input: CreateToolInput | UpdateToolInput) {
  return { persona, name, operation, source, argumentsJson: JSON.stringify({ ...input, code: `[${source.length} characters]` }) };
}

/**
 * Compiles the source and loads it once in the sandbox (without calling it), so that code
 * with no usable default export, or that throws while loading, is refused before it is saved.
 * A refusal writes a FAILURE row to the log, like any call.
 */
async function buildSnapshot(
  deps: ServiceDeps,
  persona: string,
  name: string,
  version: number,
  draft: Draft,
  operation: 'create' | 'update',
  input: CreateToolInput | UpdateToolInput,
  deriveSqlSchema = false,
): Promise<{ ok: true; snapshot: VersionSnapshot } | { ok: false; failure: Failure; executionId: string }> {
  const started = deps.now();
  const t0 = performance.now();
  const executionId = deps.newExecutionId();
  let failure: Failure;
  let usage = { cpuMs: null as number | null, heapUsedBytes: null as number | null, console: '' };
  let hash: string | null = null;
  // A SQL tool is prepared against its datasource instead of compiled (sql-tools.ts).
  const compiled =
    draft.language === 'sql'
      ? await checkSqlDraft(deps, name, version, { ...draft, datasource: draft.datasource ?? '' }, deriveSqlSchema)
      : await compile({ toolName: name, version, language: draft.language, source: draft.source, imports: importContext(deps.store, deps.config, persona, draft.kind) });
  if (compiled.ok && 'snapshot' in compiled) return { ok: true, snapshot: compiled.snapshot };
  if (compiled.ok) {
    const snapshot: VersionSnapshot = { ...draft, compiledJs: compiled.compiledJs, sourceMap: compiled.sourceMap, dependencies: compiled.dependencies };
    hash = hashSnapshot(snapshot);
    // A throwaway map cache: this version number is not saved yet and may be reused.
    const probeMaps = new SourceMapCache({ maxEntries: 4 });
    // The script is keyed by the snapshot's hash, so the sandbox keeps what the load check
    // compiled and the version's first call starts warm. Should this version number be saved
    // later with other code, that code has another hash, hence another script.
    const probe = await callSandbox(
      deps,
      { persona, toolName: name, version, hash, snapshot },
      { argsJson: '{}', executionId, probe: draft.kind === 'library' ? 'library' : true },
      // Frames in a bundled library name its saved version: read from the store.
      { persona, sourceMaps: probeMaps, resolveVersion: resolverFor([{ ...snapshot, toolName: name, version }], (tool, v) => versionOrNone(deps.store.tools, persona, tool, v)) },
    ).finally(() => probeMaps.clear());
    if (probe.ok) return { ok: true, snapshot };
    failure = probe.failure.kind === 'exception' ? { ...probe.failure, message: `The module threw while loading: ${probe.failure.message}` } : probe.failure;
    usage = { cpuMs: probe.cpuMs, heapUsedBytes: probe.heapUsedBytes, console: probe.console };
  } else {
    failure = compiled.failure;
  }
  failure = unsaved(failure);
  // Through the log writer: committed before the refusal is returned, and waiting for a lock
  // another process holds on timers, like a call's row.
  // Frames of refused code name UNSAVED_VERSION (see unsaved()): the draft is their source.
  const sources = await sourcesOfFrames(failure.frames, async (tool, v) => (tool === name && v === UNSAVED_VERSION ? draft.source : (await versionOrNone(deps.store.tools, persona, tool, v))?.source));
  await deps.log.write(
    failureRecord(
      {
        id: executionId,
        startedAt: started,
        durationMs: performance.now() - t0,
        persona,
        toolName: name,
        operation,
        // Nothing was saved, so no version number names this code (see unsaved()).
        version: null,
        hash,
        argumentsJson: JSON.stringify({ ...input, code: `[${draft.source.length} characters]` }),
        ...usage,
      },
      failure,
      sources,
    ),
  );
  return { ok: false, failure, executionId };
}

/** The version number frames of refused code carry: no saved version has it. */
export const UNSAVED_VERSION = 0;

/**
 * Refused code never becomes a version: the number it was compiled under goes to whatever is
 * saved next (another update, a rollback), so frames that kept it would point readers of the
 * log at that other code's lines.
 */
function unsaved(failure: Failure): Failure {
  return { ...failure, frames: failure.frames.map((f) => ({ ...f, version: UNSAVED_VERSION })) };
}

async function nextVersionNumber(deps: ServiceDeps, persona: string, name: string): Promise<number> {
  try {
    const versions = await deps.store.tools.listVersions(persona, name);
    return versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
  } catch (err) {
    if (err instanceof AppError && err.code === 'TOOL_NOT_FOUND') return 1;
    throw err;
  }
}

/** The tool row after a write of it, for the answer; another process may have deleted it since. */
async function writtenTool(deps: ServiceDeps, persona: string, name: string): Promise<ToolRecord> {
  const tool = await deps.store.tools.get(persona, name);
  if (tool === undefined) throw new AppError('TOOL_NOT_FOUND', `Tool \`${name}\` was saved, then deleted by another request before this one could answer. Call \`list_tools\` to see the tools you have.`);
  return tool;
}

/**
 * A library is never called: it runs inside its importers, under their schemas, limits and
 * capabilities. Settings that only a call would use are refused rather than kept unused.
 */
function refuseCallSettings(input: CreateToolInput | UpdateToolInput): void {
  const given = (
    [
      ['input_schema', input.inputSchema],
      ['timeout_ms', input.timeoutMs],
      ['memory_mb', input.memoryMb],
      ['capabilities', input.capabilities],
      ['tests', input.tests],
      ['replay_safe', input.replaySafe],
      ['force', 'force' in input ? input.force : undefined],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (given.length === 0) return;
  throw new AppError(
    'INVALID_ARGUMENT',
    `${given.map(([key]) => key).join(', ')} ${given.length === 1 ? 'is' : 'are'} for tools that are called; \`${input.name}\` is a library, which runs inside the tools that import it, under their input schema, limits and capabilities. Leave ${given.length === 1 ? 'it' : 'them'} out.`,
  );
}

function checkCapabilities(deps: ServiceDeps, toolName: string, input: CapabilitiesInput): Capabilities {
  const parsed = CapabilitiesSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `capabilities${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`);
    throw new AppError('INVALID_ARGUMENT', `${problems.join('; ')}.`);
  }
  const capabilities = normaliseCapabilities(parsed.data);
  // Every such call would be refused as a cycle: say so now rather than at the first call.
  if (capabilities.tools?.includes(toolName) === true) {
    throw new AppError('INVALID_ARGUMENT', `capabilities.tools: ${toolName} names itself; a tool may not call itself (a call of a tool already running is refused as a cycle). Loop or recurse inside its own code instead.`);
  }
  assertManifestAllowed(capabilities, deps.config);
  return capabilities;
}

/** `{ datasource }` for a SQL tool (which must name one this server has), `{}` for code (which may not). */
function checkDatasource(deps: ServiceDeps, language: Language, datasource: string | undefined): { datasource?: string } {
  if (language === 'sql') return { datasource: sqlDatasource(deps, datasource).name };
  if (datasource !== undefined) {
    throw new AppError('INVALID_ARGUMENT', 'datasource is for SQL tools (language "sql"). A code tool reads a datasource through ctx.sql: declare it in capabilities.sql.');
  }
  return {};
}

function checkDescription(description: unknown): string {
  if (typeof description !== 'string') throw new AppError('INVALID_ARGUMENT', 'description must be a string that tells an agent what the tool does.');
  if (description.length > 4_000) throw new AppError('INVALID_ARGUMENT', `description is ${description.length} characters; the limit is 4000.`);
  return description;
}

function checkSource(deps: ServiceDeps, code: unknown, language: Language): string {
  if (typeof code !== 'string' || code.trim() === '') {
    throw new AppError(
      'INVALID_ARGUMENT',
      language === 'sql'
        ? 'code must be one SQL query with named parameters, e.g. `SELECT * FROM orders WHERE total > :min_total`.'
        : 'code must be the non-empty source of a module whose default export is the handler: `export default function (args, ctx) { ... }`.',
    );
  }
  const bytes = Buffer.byteLength(code);
  const max = deps.config.payload.maxSourceBytes;
  if (bytes > max) throw new AppError('PAYLOAD_TOO_LARGE', `code is ${bytes} bytes; the limit is ${max}. Split the tool or move data into its arguments.`);
  return code;
}

function checkLimits(deps: ServiceDeps, wanted: { timeoutMs: number | undefined; memoryMb: number | undefined }) {
  const { limits } = deps.config;
  const timeoutMs = wanted.timeoutMs ?? limits.defaultTimeoutMs;
  const memoryMb = wanted.memoryMb ?? limits.defaultMemoryMb;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > limits.maxTimeoutMs) {
    throw new AppError('INVALID_ARGUMENT', `timeout_ms must be an integer from 10 to ${limits.maxTimeoutMs}; got ${JSON.stringify(timeoutMs)}.`);
  }
  if (!Number.isInteger(memoryMb) || memoryMb < 8 || memoryMb > limits.maxMemoryMb) {
    throw new AppError('INVALID_ARGUMENT', `memory_mb must be an integer from 8 to ${limits.maxMemoryMb}; got ${JSON.stringify(memoryMb)}.`);
  }
  return { timeoutMs, memoryMb };
}
