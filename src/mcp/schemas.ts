/**
 * Output shapes of the meta-tools, in zod (so handlers are type-checked against them) and as
 * the JSON Schema that `tools/list` announces (so clients can validate `structuredContent`).
 *
 * Every meta-tool result carries `structuredContent`, errors included. A tool's outputSchema is
 * therefore `{type: 'object', anyOf: [<its result shapes>..., RequestError]}`: MCP wants an
 * object schema at the top, and `anyOf` keeps each shape exact instead of making every field
 * optional. Guest failures (`error.kind`) and request errors (`error.code`) stay distinguishable.
 */
import { z } from 'zod';

export const FAILURE_KINDS = ['compile', 'exception', 'timeout', 'memory', 'invalid_arguments', 'invalid_result', 'internal', 'overloaded'] as const;

export const FrameOut = z.object({
  function: z.string().describe('Function name; `<module>` for top-level code, `<anonymous>` for unnamed functions.'),
  tool: z.string(),
  version: z.number().int().describe('The version whose source the position is in; 0 for code that was refused and never saved.'),
  file: z.string().describe('`<tool>.ts` or `<tool>.js` (a library\'s frame: the library\'s own file, `tool` and `version`); in a package, the file inside it (`csv-parse/dist/esm/sync.js`).'),
  line: z.number().int().describe('1-based line in the source as written.'),
  column: z.number().int().describe('1-based column in the source as written.'),
  sampled: z
    .boolean()
    .optional()
    .describe('True for a frame from CPU samples of a timed-out call: the function the CPU was in (or a caller), at the position where that function starts, not a line it was on.'),
  package: z
    .string()
    .optional()
    .describe('Set on a frame inside a package the host installed (`csv-parse@7.0.3`): not your code; the frame after it is where your code called it.'),
});

export const ThrownValueOut = z.object({
  type: z.string().describe('What `typeof` says of the thrown value (`null` for null).'),
  json: z.string().describe('The value as JSON, capped (or the closest text: `undefined`, `10n`).'),
});

/**
 * A cause or member: `{ name, message, frames, circular? }` and, when it has them, the same
 * facts as the failure (thrown, properties, cause, errors, errors_omitted). Announced as any
 * object: a recursive schema needs `$ref`s that do not survive being nested in anyOf, and
 * spelling levels out would weigh on every client's tools/list (FailureOut is in most of them).
 */
export const LinkedErrorOut = z
  .record(z.string(), z.unknown())
  .describe('An error linked to this one: { name, message, frames (as above), circular? } and, when it has them, thrown, properties, cause, errors, errors_omitted.');

/**
 * The failure of a tool called with ctx.tools (model.ts CalleeFailure), recursive like
 * LinkedErrorOut and announced the same way.
 */
export const CalleeFailureOut = z
  .record(z.string(), z.unknown())
  .describe(
    'Set on a ToolCallError: the failure of the tool it called, as that call was logged: { tool, version, execution_id, kind, name, message, frames (in that tool\'s source, as above), code_frame, callee? } (callee: one level further down, when that tool failed by a ToolCallError of its own).',
  );

/** The facts of an error beyond its message (model.ts FailureFacts). */
const factsFields = {
  callee: CalleeFailureOut.optional(),
  thrown: ThrownValueOut.optional().describe('Set when the tool threw something that is not an Error.'),
  properties: z.record(z.string(), z.unknown()).optional().describe("The error's own JSON-safe properties, e.g. `code`, `status`, `details`."),
  cause: LinkedErrorOut.optional().describe('`new Error(message, { cause })`: the cause, with its own frames.'),
  errors: z.array(LinkedErrorOut).optional().describe("An AggregateError's members (the first few), each with its own frames."),
  errors_omitted: z.number().int().optional().describe('How many members `errors` leaves out.'),
};

export const FailureOut = z.object({
  kind: z.enum(FAILURE_KINDS),
  name: z.string().describe('Error name, e.g. `TypeError`.'),
  message: z.string(),
  frames: z.array(FrameOut).describe('Innermost first; only frames of your own source.'),
  code_frame: z.string().nullable().describe('Source lines around the top frame, with a caret under the column.'),
  raw_stack: z.string().nullable().optional().describe('The stack as V8 printed it (compiled-code positions).'),
  details: z.unknown().optional(),
  subkind: z
    .enum(['unhandled_rejection'])
    .optional()
    .describe('Which case of `kind`, when it matters: `unhandled_rejection` is an exception from a promise nothing awaited.'),
  ...factsFields,
});

export const RequestErrorOut = z.object({
  error: z.object({
    code: z.string().describe('E.g. TOOL_NOT_FOUND, INVALID_ARGUMENT, INTERNAL.'),
    message: z.string(),
    incident_id: z.string().optional().describe('Quote it when reporting a server fault; the server log has the details.'),
  }),
});

export const DependencyOut = z
  .object({
    kind: z.enum(['library', 'package']),
    name: z.string(),
    version: z.union([z.number().int(), z.string()]).describe('A library version (number) or a package version (semver).'),
    hash: z.string().optional().describe("A library version's hash."),
    integrity: z.string().optional().describe("A package's integrity: npm's (`sha512-...`) or, for integrity_of `files`, a sha256 over the files bundled."),
    integrity_of: z.enum(['tarball', 'files']).optional(),
  })
  .describe('A library or package bundled into a version, pinned when it compiled.');

export const ToolOut = z.object({
  name: z.string(),
  persona: z.string(),
  kind: z.enum(['tool', 'library']).describe('`library`: code other tools import as `lib:<name>`; it is not callable.'),
  description: z.string(),
  language: z.enum(['typescript', 'javascript', 'sql']),
  datasource: z.string().optional().describe('For a SQL tool: the datasource its query reads.'),
  input_schema: z.record(z.string(), z.unknown()),
  timeout_ms: z.number().int(),
  memory_mb: z.number().int(),
  capabilities: z
    .object({ fetch: z.array(z.string()).optional(), secrets: z.array(z.string()).optional(), mcp: z.array(z.string()).optional(), kv: z.enum(['tool', 'persona']).optional(), tools: z.array(z.string()).optional(), sql: z.array(z.string()).optional() })
    .describe('What the tool may ask the server for ({} when nothing): hosts to fetch from, secrets, upstream MCP servers, its kv namespace, the tools it may call, datasources for ctx.sql.'),
  dependencies: z.array(DependencyOut).describe('Libraries and packages the active version bundled, pinned when it compiled ([] for none).'),
  strict_types: z.boolean().optional().describe('True when the active version opted into strict types: type errors refuse its saves.'),
  version: z.number().int().describe('The active version.'),
  hash: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const VersionOut = z.object({
  version: z.number().int(),
  hash: z.string(),
  created_at: z.string(),
  origin: z.object({ kind: z.enum(['create', 'update', 'edit', 'rollback']), from_version: z.number().int().optional() }),
  active: z.boolean(),
  gate: z
    .object({ passed: z.boolean(), failing: z.number().int(), cases: z.number().int(), forced: z.boolean() })
    .optional()
    .describe('When update_tool/edit_tool ran the regression gate on it: whether its cases passed, how many failed, whether force made it active anyway. A version refused by the gate is saved but was never active; get_tool with its `version` shows the report.'),
});

/** One case of the regression gate (model.ts GateCase). */
export const GateCaseOut = z.object({
  source: z.enum(['test', 'replay']).describe('`test`: a declared test; `replay`: a recent successful call of the active version, run again.'),
  name: z.string().optional(),
  arguments: z.unknown(),
  status: z.enum(['passed', 'failed', 'changed', 'not_run']).describe('`changed`: a replay that still succeeds with another result (does not refuse); `not_run`: the gate ran out of time (refuses).'),
  before: z
    .object({ success: z.boolean().optional(), result: z.unknown().optional(), error_kind: z.enum(FAILURE_KINDS).optional() })
    .describe('What was expected: success (and for a replay, the result the active version gave, as the log kept it; for a test, its `expect`), or a failure kind.'),
  after: z
    .object({ status: z.enum(['SUCCESS', 'FAILURE']), result: z.unknown().optional(), error: FailureOut.optional() })
    .nullable()
    .describe('What the new version did: its result, or its error located in your source (line, column, code frame); null when it did not run.'),
  reason: z.string().optional().describe('Why the case failed, changed or did not run.'),
  duration_ms: z.number(),
});

/** The regression gate's report (model.ts GateReport). */
export const GateReportOut = z.object({
  passed: z.boolean().describe('True when no case failed.'),
  forced: z.boolean().describe('True when force: true made the version active although cases failed.'),
  tests: z.number().int().describe('Declared tests run.'),
  replays: z.number().int().describe('Recent calls replayed.'),
  replay_skipped: z.string().optional().describe('Why no call was replayed, when none was.'),
  failing: z.number().int().describe('Cases that refuse the version (failed or not run).'),
  timed_out: z.boolean().describe('The gate ran out of time (config gate.timeoutMs).'),
  duration_ms: z.number(),
  cases: z.array(GateCaseOut),
});

/** An update/edit the regression gate refused: the version is saved, inactive; the active one keeps serving. */
export const GateRefusedOut = z.object({
  saved: z.literal(true).describe('The new version is saved (see get_tool history), but it is NOT active.'),
  active: z.literal(false),
  refused_by: z.literal('gate'),
  tool: z.string(),
  version: z.number().int().describe('The number of the saved, inactive version.'),
  active_version: z.number().int().describe('The version that keeps serving.'),
  gate: GateReportOut,
});

/** A create/update that was refused: nothing was saved. */
export const RefusedWriteOut = z.object({
  saved: z.literal(false),
  tool: z.string(),
  execution_id: z.string().describe('The log row of this refusal; see get_execution.'),
  active_version: z.number().int().nullable().describe('The version that keeps serving, or null if the tool does not exist.'),
  error: FailureOut,
});

export const RunLimitsOut = z
  .object({
    timeout_ms: z.number().int().describe("Bounds both the call's CPU time and its wall-clock time; for a call made by another tool, cut to what was left of its caller's."),
    memory_mb: z.number().int().nullable().describe('The V8 heap limit of its sandbox; null for a SQL tool, which runs in none.'),
  })
  .describe('The limits the call ran under: its own, capped by the server\'s maxima.');

const runCommon = {
  execution_id: z.string(),
  tool: z.string(),
  version: z.number().int(),
  console: z.string().describe('What the call printed with console.log (capped).'),
  duration_ms: z.number().describe('Wall-clock time of the whole call, arguments check and log row included.'),
  cpu_ms: z.number().nullable().describe('CPU time the tool used in its sandbox; null when it ran in none (refused arguments, a SQL tool) or its sandbox process died.'),
  heap_used_bytes: z.number().int().nullable().describe("The sandbox's V8 heap in use when the call ended; null as for cpu_ms."),
  limits: RunLimitsOut,
};

export const RunSuccessOut = z.object({ status: z.literal('SUCCESS'), ...runCommon, result: z.unknown().describe("The tool's return value.") });
export const RunFailureOut = z.object({ status: z.literal('FAILURE'), ...runCommon, error: FailureOut });

export type JsonObjectSchema = { type: 'object'; [key: string]: unknown };

/**
 * The JSON Schema announced for a meta-tool that answers with one of `shapes`, made when first
 * asked for (tools/list), not at start-up: converting the meta-tools' zod schemas costs
 * ~60 ms here, before a server could answer its first call.
 */
export function outputSchemaOf(...shapes: z.ZodObject[]): () => JsonObjectSchema {
  let made: JsonObjectSchema | null = null;
  return () => (made ??= { type: 'object', anyOf: [...shapes, RequestErrorOut].map((s) => jsonSchemaOf(s)) });
}

/** Draft-07 JSON Schema, which the SDK client's Ajv validator reads without configuration. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonObjectSchema {
  const { $schema: _ignored, ...rest } = tidy(z.toJSONSchema(schema, { target: 'draft-7', io })) as Record<string, unknown>;
  return { ...rest, type: 'object' };
}

/**
 * Drops what zod adds but says nothing to a reader: the safe-integer bounds of every integer,
 * and `propertyNames: {type: string}` (JSON keys are always strings).
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) continue;
    if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue;
    out[key] = tidy(value);
  }
  return out;
}
