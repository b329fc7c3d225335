import { z } from 'zod';
import { versionDiffText } from '../../service/version-diff.js';
import { dependencyOut, gateReportOut, toolOut, versionDiffOut, versionOut } from '../convert.js';
import { gateReportText } from '../gate-text.js';
import { defineMetaTool } from '../meta-tool.js';
import { success } from '../results.js';
import { DependencyOut, GateReportOut, ToolOut, VersionOut, outputSchemaOf } from '../schemas.js';
import { toolName } from './fields.js';
import { DiagnosticOut, diagnosticLines } from './diagnostics-out.js';
import { sourceFileName } from '../../compiler/compile.js';

const VersionSideOut = z.object({
  version: z.number().int(),
  created_at: z.string(),
  active: z.boolean(),
  calls: z.number().int().describe('Calls of this version, by you or by other tools.'),
  failures: z.number().int(),
  last_failure: z
    .object({
      execution_id: z.string(),
      at: z.string().describe('ISO 8601.'),
      kind: z.string(),
      name: z.string(),
      message: z.string(),
      fingerprint: z.string().nullable().describe('The same bug has the same fingerprint in every version (see get_last_error); null for a failure logged before fingerprints existed.'),
    })
    .nullable()
    .describe('Its latest failed call; null when none failed.'),
});

const VersionDiffOut = z.object({
  from: VersionSideOut,
  to: VersionSideOut,
  unified: z.string().describe('Unified diff of the two sources (`---`/`+++` headers, `@@` hunks, 3 lines of context); empty when they are the same or too different to diff quickly.'),
  added: z.number().int().nullable().describe('Lines added; null when the sources were too different to diff within the time allowed.'),
  removed: z.number().int().nullable(),
  metadata: z
    .array(z.object({ field: z.string(), from: z.string().describe('JSON text.'), to: z.string().describe('JSON text.') }))
    .describe('Metadata that differs (description, input_schema, timeout_ms, memory_mb, capabilities, dependencies, ...); empty when none does.'),
});

const GetToolOut = z.object({
  tool: ToolOut.describe('The tool with its active version’s metadata.'),
  version: z.number().int().describe('The version whose source is returned.'),
  source: z.string().describe('The source of that version, exactly as written.'),
  versions: z.array(VersionOut).describe('Every version, oldest first.'),
  dependencies: z.array(DependencyOut).describe('What that version bundled: libraries at the versions it pinned, packages with their version and integrity.'),
  importers: z
    .array(
      z.object({
        name: z.string(),
        version: z.number().int().describe("The importer's active version."),
        library_version: z.number().int().describe('The version of this library that importer bundles.'),
        current: z.boolean().describe('False when it bundles an older version: update it with its code to pick up the active one.'),
      }),
    )
    .optional()
    .describe('For a library: the tools that import it.'),
  call_signature: z
    .string()
    .optional()
    .describe('How another tool calls this one with ctx.tools, as TypeScript: `name(args: {...}): Promise<unknown>;` (the caller must list it in capabilities.tools); absent for a library.'),
  mcp_declaration: z
    .string()
    .optional()
    .describe("TypeScript declaration of this version's ctx.mcp, from the tools its upstream MCP servers (capabilities.mcp) list now; absent when it declares none."),
  tests: z
    .array(z.object({ name: z.string().optional(), arguments: z.record(z.string(), z.unknown()), expect: z.unknown().optional() }))
    .optional()
    .describe("That version's declared tests (absent when none)."),
  replay_safe: z.boolean().optional().describe('True when that version lets the gate replay its calls despite side effects.'),
  gate: GateReportOut.optional().describe('The regression gate\'s report on that version, when update_tool/edit_tool ran it: why a refused version is not active, or what a forced one was forced past.'),
  diagnostics: z
    .array(DiagnosticOut)
    .optional()
    .describe('TypeScript only: what the type checker said about that version when it was saved ([] when nothing, or while it has not answered yet).'),
  tools_declaration: z
    .string()
    .optional()
    .describe("TypeScript declaration of this version's ctx.tools, from the input schemas of the tools it may call (capabilities.tools), and of the ToolCallError a failed call throws; absent when it may call none."),
  diff: VersionDiffOut.optional().describe('With the `diff` argument: the two versions compared.'),
});

export const getToolTool = defineMetaTool({
  name: 'get_tool',
  title: 'Read a tool',
  description:
    "Read a tool or library: its source exactly as written (the active version, or the `version` you ask for), its description, input schema and limits, the list of all its versions, how other tools call it, TypeScript declarations of the ctx.tools and ctx.mcp it may call, and what that version bundled (libraries and packages, pinned). For a library, also the tools that import it and whether they bundle its active version. " +
    'With `diff`, also two versions compared: a unified diff of the sources, the metadata that changed, and each version\'s calls, failures and latest failure with its fingerprint.',
  input: z
    .object({
      name: toolName('The tool'),
      version: z.number().int().min(1).optional().describe('A version number from the tool’s version list; default the active version.'),
      diff: z
        .object({
          from: z.number().int().min(1).optional().describe('Default: the version before `to` that went live (one the regression gate refused is skipped).'),
          to: z.number().int().min(1).optional().describe('Default: the active version.'),
        })
        .strict()
        .optional()
        .describe('Compare two versions: a unified diff of their sources, the metadata that changed, and per version its calls, failures and latest failure with its fingerprint. `{}` compares the active version with the one before it.'),
    })
    .strict(),
  output: outputSchemaOf(GetToolOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, ctx) {
    const details = await ctx.scope.getTool(args.name, args.version);
    const diff = args.diff === undefined ? null : await ctx.scope.diffVersions(args.name, args.diff.from, args.diff.to);
    // Only a version that declares upstreams asks them for their tools (and starts them).
    const mcpDeclaration = details.capabilities.mcp === undefined ? null : await ctx.scope.mcpDeclaration(args.name, args.version);
    const structured: z.infer<typeof GetToolOut> = {
      tool: toolOut(details.tool),
      version: details.version,
      source: details.source,
      versions: details.versions.map(versionOut),
      dependencies: details.dependencies.map(dependencyOut),
      ...(details.importers === undefined
        ? {}
        : { importers: details.importers.map((i) => ({ name: i.name, version: i.activeVersion, library_version: i.libraryVersion, current: i.current })) }),
      ...(details.callSignature === null ? {} : { call_signature: details.callSignature }),
      ...(details.toolsDeclaration === null ? {} : { tools_declaration: details.toolsDeclaration }),
      ...(details.tests.length === 0 ? {} : { tests: details.tests }),
      ...(details.replaySafe ? { replay_safe: true } : {}),
      ...(details.gate === null ? {} : { gate: gateReportOut(details.gate, details.forced) }),
      ...(mcpDeclaration === null ? {} : { mcp_declaration: mcpDeclaration }),
      ...(diff === null ? {} : { diff: versionDiffOut(diff) }),
      ...(details.diagnostics === null ? {} : { diagnostics: details.diagnostics }),
    };
    const t = structured.tool;
    const history = structured.versions
      .map((v) => `${v.version} (${v.origin.kind}${v.origin.from_version ? ` of ${v.origin.from_version}` : ''}${gateNote(v)}${v.active ? ', active' : ''})`)
      .join(', ');
    const bundled = structured.dependencies.map((d) => (d.kind === 'library' ? `lib:${d.name}@${d.version}` : `${d.name}@${d.version}`)).join(', ');
    const head =
      t.kind === 'library'
        ? [`${t.name} — library (${t.language}), active version ${t.version}; import it with \`import { ... } from "lib:${t.name}"\``]
        : [
            `${t.name} — ${t.language}, active version ${t.version}, timeout ${t.timeout_ms} ms, memory ${t.memory_mb} MB`,
            `Description: ${t.description}`,
            `Input schema: ${JSON.stringify(t.input_schema)}`,
            `Capabilities: ${Object.keys(t.capabilities).length === 0 ? 'none' : JSON.stringify(t.capabilities)}`,
          ];
    if (t.kind === 'library') head.push(`Description: ${t.description}`);
    if (bundled !== '') head.push(`Version ${details.version} bundles: ${bundled}`);
    const importers = structured.importers;
    if (importers !== undefined) {
      const older = importers.filter((i) => !i.current);
      head.push(
        importers.length === 0
          ? 'Imported by: no tool yet'
          : `Imported by: ${importers.map((i) => `${i.name} (bundles version ${i.library_version}${i.current ? '' : ', older'})`).join(', ')}`,
      );
      if (older.length > 0) head.push(`To give ${older.map((i) => i.name).join(', ')} version ${t.version}: update_tool each with its code (unchanged is fine); they compile against the active version then.`);
    }
    const text = [
      ...head,
      `Versions: ${history}`,
      ...(details.callSignature === null ? [] : [`Called from another tool as: ctx.tools.${details.callSignature}`]),
      ...(details.toolsDeclaration === null ? [] : ['', `ctx.tools of version ${details.version}:`, details.toolsDeclaration]),
      ...(mcpDeclaration === null ? [] : ['', `ctx.mcp of version ${details.version}:`, mcpDeclaration]),
      ...(details.tests.length === 0 ? [] : ['', `Version ${details.version} declares ${details.tests.length} test${details.tests.length === 1 ? '' : 's'} (the gate runs them before an update goes live).`]),
      ...(details.gate === null ? [] : ['', `Gate report of version ${details.version}${details.forced ? ' (forced)' : ''}:`, gateReportText(details.gate, t.name)]),
      ...(details.diagnostics === null || details.diagnostics.length === 0
        ? []
        : ['', `Type diagnostics of version ${details.version} (advisory):`, ...diagnosticLines(sourceFileName(t.name, t.language), details.diagnostics)]),
      '',
      // Asked for a diff, the agent reads the diff; the whole source stays in the structured answer.
      ...(diff === null ? [`Source of version ${details.version}:`, details.source] : [versionDiffText(diff)]),
    ].join('\n');
    return success(structured, text);
  },
});

/** `, refused by the gate: 2 failing` / `, forced past 2 failing cases` in the history line. */
function gateNote(v: z.infer<typeof VersionOut>): string {
  if (v.gate === undefined || v.gate.passed) return '';
  const cases = `${v.gate.failing} failing case${v.gate.failing === 1 ? '' : 's'}`;
  return v.gate.forced ? `, forced past ${cases}` : `, refused by the gate: ${cases}, never active`;
}
