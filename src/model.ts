/**
 * The vocabulary shared by every layer: tools, versions, failures, executions.
 * Plain data only; no behaviour, no imports of infrastructure.
 */

/** `sql`: one read-only query on a datasource of the host's (issue 16), not code. */
export type Language = 'typescript' | 'javascript' | 'sql';

/** `^[a-z][a-z0-9_]{0,63}$`, for tool names and persona names alike. */
export const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * What a version may ask the server to do for it (issue 14), within the host's ceiling. Empty
 * (`{}`) for a tool that needs nothing: it behaves as a pure function.
 */
export interface Capabilities {
  /** Host patterns its fetch may reach: `api.github.com`, `*.example.org`, `localhost:8080`. */
  fetch?: string[];
  /** Names of secrets (configured by the host) whose placeholders its requests may carry. */
  secrets?: string[];
  /** Upstream MCP servers (the host's `upstreams`) it calls through ctx.mcp. */
  mcp?: string[];
  /** ctx.kv's namespace: the tool's own (default) or one shared by the persona's tools. */
  kv?: 'tool' | 'persona';
  /**
   * Tools of the same persona it may call with ctx.tools (issue 15): names, or `["*"]` for any.
   * Names of tools that do not exist yet are allowed: a call to one is refused when it is made.
   */
  tools?: string[];
  /** Datasources (the host's `datasources`) it queries through ctx.sql.<name>(query, params). */
  sql?: string[];
}

/**
 * `tool`: called (an MCP tool with a default-export handler). `library`: imported by the
 * persona's other tools (`import { x } from "lib:name"`), never called; bundled into each
 * importer at the importer's compile time.
 */
export type ToolKind = 'tool' | 'library';

/**
 * What a version's compiled code bundled, pinned when it was compiled (issue 15): a later
 * update of a library or a later install of a package never changes a saved version.
 */
export type Dependency =
  /** A library of the persona, at the version that was active when the importer compiled. */
  | { kind: 'library'; name: string; version: number; hash: string }
  /**
   * A package from the host's packages folder. `integrity` is npm's (the tarball's SRI hash,
   * read from the folder's lockfile) when `integrityOf` is `tarball`; otherwise (`files`) a
   * `sha256-` hash over the package's files that went into the bundle, computed at compile.
   */
  | { kind: 'package'; name: string; version: string; integrity: string; integrityOf: 'tarball' | 'files' };

export interface ToolLimits {
  timeoutMs: number;
  memoryMb: number;
}

/** What one version of a tool is: every field is frozen when the version is made. */
export interface VersionSnapshot {
  description: string;
  inputSchema: Record<string, unknown>;
  language: Language;
  limits: ToolLimits;
  /** The source exactly as the agent wrote it. */
  source: string;
  /** ES2022 CommonJS-shaped JavaScript produced by the compiler. */
  compiledJs: string;
  /** Source map (JSON text, version 3) from compiledJs back to source. */
  sourceMap: string;
  capabilities: Capabilities;
  /** Absent means `tool` (every version before libraries existed is one); the store always sets it. */
  kind?: ToolKind;
  /** Libraries and packages bundled into compiledJs, in a stable order; absent or [] for none. */
  dependencies?: Dependency[];
  /**
   * The datasource a SQL tool (language `sql`) queries; absent for code. `source` is then the
   * statement, and compiledJs and sourceMap are empty.
   */
  datasource?: string;
  /** Declared tests (issue 17): run by the gate before a later update of this tool goes live. Absent or [] for none. */
  tests?: ToolTest[];
  /** True: the gate may replay this tool's recent calls although its capabilities have side effects (gate.ts). */
  replaySafe?: boolean;
  /**
   * Set when the version opted into strict types (issue 17): a TypeScript error from the
   * checker refuses its save. Absent (never false) otherwise, so older hashes stay the same.
   */
  strictTypes?: true;
}

/**
 * One declared test: the arguments of a call and what it must give. `expect` absent: the call
 * must succeed; `{ error_kind }` (that one key, a FailureKind): it must fail with that kind;
 * any other JSON: the result must equal it (deep JSON equality, key order ignored).
 */
export interface ToolTest {
  name?: string;
  arguments: Record<string, unknown>;
  expect?: unknown;
}

/** `edit`: made by edit_tool (issue 17); the console shows it apart from a whole-source update. */
export type VersionOrigin =
  | { kind: 'create' }
  | { kind: 'update' }
  | { kind: 'edit' }
  | { kind: 'rollback'; fromVersion: number };

/** How one gate case ended: `changed` (a replay that succeeds with another result) does not refuse. */
export type GateCaseStatus = 'passed' | 'failed' | 'changed' | 'not_run';

/** One case the gate ran against a new version before it could go live (service/gate.ts). */
export interface GateCase {
  source: 'test' | 'replay';
  name?: string;
  /** The arguments as JSON text (capped). */
  argumentsJson: string;
  status: GateCaseStatus;
  /** What was expected: the declared expectation, or for a replay the earlier result (summary). */
  before: { success: true; resultJson?: string } | { errorKind: FailureKind };
  /** What the new version did: its result (JSON summary) or its failure, in the agent's lines. */
  after: { ok: true; resultJson: string } | { ok: false; failure: Failure } | null;
  /** Why the case failed or was not run, in a sentence (the expectation it missed). */
  reason?: string;
  durationMs: number;
}

/** The gate's report, kept with the version it judged (versions.gate_json). */
export interface GateReport {
  /** True when no case failed: the version went live (or went live only because it was forced, see `forced`). */
  passed: boolean;
  cases: GateCase[];
  tests: number;
  /** Replays run, and why replays were skipped (none to replay, side effects), when they were. */
  replays: number;
  replaySkipped?: string;
  /** How many cases refused it. */
  failing: number;
  timedOut: boolean;
  durationMs: number;
}

export interface VersionRecord extends VersionSnapshot {
  kind: ToolKind;
  dependencies: Dependency[];
  persona: string;
  toolName: string;
  /** 1, 2, 3, ... per tool, never reused. */
  version: number;
  /** SHA-256 (hex) over the snapshot; checked every time the version is loaded. */
  hash: string;
  origin: VersionOrigin;
  createdAt: string;
  /** The gate's report when an update or edit ran it (null otherwise); an inactive version shows why it was refused. */
  gate: GateReport | null;
  /** True when `force: true` made it active past failing gate cases. */
  forced: boolean;
}

export interface ToolRecord {
  persona: string;
  name: string;
  activeVersion: number;
  createdAt: string;
  updatedAt: string;
  /** Set when the tool was deleted; its versions and log are kept. */
  deletedAt: string | null;
}

export type FailureKind =
  | 'compile'
  | 'exception'
  | 'timeout'
  | 'memory'
  | 'invalid_arguments'
  | 'invalid_result'
  | 'internal'
  /** Refused before it ran: too many calls of the tool were waiting. The caller retries; the tool is not at fault. */
  | 'overloaded';

/** One stack frame in the agent's own source. Lines and columns are 1-based. */
export interface Frame {
  function: string;
  tool: string;
  version: number;
  /** `fibonacci.ts` or `fibonacci.js`. */
  file: string;
  line: number;
  column: number;
  /**
   * A frame from CPU samples (a call stopped at its CPU-time limit), not from a stack: the
   * function the CPU was in, or one that called it, at the position where that function starts.
   */
  sampled?: true;
  /**
   * Set on a frame inside a package the host installed (`csv-parse@7.0.3`): `file` is the file
   * in the package (`csv-parse/dist/esm/sync.js`), and `tool`/`version` are the importer's, the
   * version whose bundle holds the package. Its source is not the agent's: no code frame.
   */
  package?: string;
}

/** A value thrown (or given as a cause) that is not an Error. */
export interface ThrownValue {
  /** What `typeof` says (`null` for null). */
  type: string;
  /** The value as JSON (cycles marked `[Circular]`, capped), or the closest text (`undefined`, `10n`, `NaN`). */
  json: string;
}

/**
 * What a failure says beyond name, message and frames, when the thrown value had it: the
 * value itself when it was not an Error, the error's own JSON-safe properties, its cause chain
 * and an AggregateError's members. Kept in the log with the failure.
 */
export interface FailureFacts {
  thrown?: ThrownValue;
  /** The error's own data properties that JSON keeps as they are (`code`, `status`, `details`). */
  properties?: Record<string, unknown>;
  /** `new Error(message, { cause })`: the cause, with its own frames and facts. */
  cause?: LinkedError;
  /** An AggregateError's members (the first few), each with its own frames and facts. */
  errors?: LinkedError[];
  /** How many members `errors` leaves out. */
  errorsOmitted?: number;
  /**
   * Set on a ToolCallError (a tool this one called with ctx.tools failed): the callee's own
   * failure, as the server logged it, not as the guest reported it.
   */
  callee?: CalleeFailure;
}

/**
 * The failure of a tool called with ctx.tools, linked to the ToolCallError it became in its
 * caller: its frames are in the callee's own source and version. `callee` goes one level down
 * when the callee itself failed by a ToolCallError it did not catch.
 */
export interface CalleeFailure {
  tool: string;
  version: number;
  executionId: string;
  kind: FailureKind;
  name: string;
  message: string;
  /** Innermost first, in the callee's source. */
  frames: Frame[];
  codeFrame: string | null;
  callee?: CalleeFailure;
}

/** An error linked to a failure: its cause, or a member of an AggregateError. */
export interface LinkedError extends FailureFacts {
  name: string;
  message: string;
  /** Innermost first, only frames of the tool's own source. */
  frames: Frame[];
  /** The same error as one above it (a cycle): it is not described again. */
  circular?: true;
}

export interface Failure extends FailureFacts {
  kind: FailureKind;
  /** Error name (`TypeError`), or `thrown <type>` when the value thrown was not an Error (`thrown string`, `thrown null`). */
  name: string;
  message: string;
  /** Innermost first, only frames of the tool's own source. */
  frames: Frame[];
  /** The stack as V8 printed it, capped; kept even when mapping works. */
  rawStack: string | null;
  /** False when a stack existed but could not be mapped: `frames` is empty, `rawStack` is the truth. */
  mapped: boolean;
  /** A few source lines around the top frame with a caret under the column. */
  codeFrame: string | null;
  /** Extra facts for the agent, e.g. the schema violations of invalid_arguments. */
  details?: unknown;
  /**
   * Which case of its kind this is, when the kind alone does not say. `unhandled_rejection`: an
   * exception that no code awaited (a promise the tool let go rejected). Not kept in the log.
   */
  subkind?: FailureSubkind;
}

export type FailureSubkind = 'unhandled_rejection';

export type ExecutionStatus = 'SUCCESS' | 'FAILURE';

/** What a call did, for the log. Operation `create`/`update` rows record compile failures. */
export interface ExecutionRecord {
  id: string;
  timestamp: string;
  persona: string;
  toolName: string;
  operation: 'call' | 'create' | 'update';
  version: number | null;
  hash: string | null;
  /** JSON text of the arguments as received (capped). */
  argumentsJson: string;
  status: ExecutionStatus;
  errorKind: FailureKind | null;
  errorName: string | null;
  errorMessage: string | null;
  /** JSON text of the result, cut at 2,000 characters with a visible marker. */
  resultSummary: string | null;
  frames: Frame[] | null;
  rawStack: string | null;
  codeFrame: string | null;
  /** The failure's thrown value, properties, cause and members, when it had any. */
  errorFacts: FailureFacts | null;
  /** Captured guest console output, newline separated, capped. */
  consoleOutput: string;
  durationMs: number;
  cpuMs: number | null;
  heapUsedBytes: number | null;
  /**
   * What the call did outside itself (fetch requests, kv operations), in order; null when it
   * did nothing. The log keeps the first MAX_EFFECTS_PER_ROW and an `omitted` marker (rows.ts).
   */
  effects: Effect[] | null;
  /**
   * For a call made by another tool (ctx.tools): the execution that made it, and the root of
   * the tree (the call an agent made). Absent on a call an agent made.
   */
  parentExecutionId?: string;
  rootExecutionId?: string;
  /** How many times the call called ctx.progress (sent to the client or not); absent when none. */
  progressCalls?: number;
  /**
   * A FAILURE row's fingerprint (traceback/fingerprint.ts): equal for the same bug in any
   * version. Absent on successes and on failures logged before migration 9.
   */
  fingerprint?: string;
  /**
   * The call's kv writes, applied to the kv table in the transaction that inserts this row (so
   * they commit with it, or not at all). Never stored as such, never read back. A FAILURE row's
   * writes are never applied: the caller gives a failed call none, and the store ignores any.
   */
  kvWrites?: KvWrite[];
}

/**
 * One thing a call did outside itself, for the audit. Never values, bodies or header values:
 * names, sizes, statuses and counts only. `refused` says why the host refused the operation.
 */
export type Effect =
  | { op: 'fetch'; method: string; origin: string; path: string; status: number | null; bytes: number; ms: number; refused?: string; error?: string; redirects?: number }
  | { op: KvOperation; namespace: string; key?: string; prefix?: string; bytes?: number; found?: boolean; count?: number; refused?: string }
  /** A call to an upstream MCP server (ctx.mcp): which server and tool, how it ended; never arguments or results. */
  | { op: 'mcp.call' | 'mcp.list'; server: string; tool?: string; status: 'ok' | 'error'; ms: number; refused?: string }
  /** A call of another tool (ctx.tools): its own execution row says the rest. `refused`: it never ran. */
  | { op: 'tools.call'; tool: string; version?: number; executionId?: string; status?: ExecutionStatus; kind?: FailureKind; ms?: number; refused?: string }
  /** A query on a datasource (a SQL tool's, or ctx.sql's): never the text or the values. */
  | { op: 'sql.query'; datasource: string; rows: number; ms: number; truncated?: true; error?: string; refused?: string }
  /** Stands for `count` effects left out of a log row (see MAX_EFFECTS_PER_ROW in rows.ts). */
  | { op: 'omitted'; count: number };

export type KvOperation = 'kv.get' | 'kv.set' | 'kv.delete' | 'kv.list';

/** The final state of one key after a call: `valueJson` null deletes it. */
export interface KvWrite {
  namespace: string;
  key: string;
  /** The value as JSON text (validated), or null to delete the key. */
  valueJson: string | null;
  /** When the call wrote it (ISO 8601). */
  at: string;
}

/**
 * The bounds of kv storage (config `kv.*`). Entry size = UTF-8 bytes of its key plus its
 * value's JSON text; a namespace's bytes are the sum over its entries.
 */
export interface KvQuotas {
  /** Largest value, as UTF-8 bytes of its JSON text. */
  maxValueBytes: number;
  maxKeysPerNamespace: number;
  maxBytesPerNamespace: number;
  /** get/set/delete/list calls one tool call may make. */
  maxOperationsPerCall: number;
}

export const DEFAULT_KV_QUOTAS: Readonly<KvQuotas> = Object.freeze({
  maxValueBytes: 64 * 1024,
  maxKeysPerNamespace: 10_000,
  maxBytesPerNamespace: 10 * 1024 * 1024,
  maxOperationsPerCall: 1_000,
});

export interface ExecutionQuery {
  toolName?: string;
  status?: ExecutionStatus;
  /** ISO 8601; rows at or after this instant. */
  since?: string;
  /** Newest first; default 50, at most 1,000. */
  limit?: number;
  /** Also calls made by other tools (ctx.tools); by default only the calls agents made (the roots). */
  includeNested?: boolean;
}
