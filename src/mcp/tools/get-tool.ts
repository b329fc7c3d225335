import { z } from 'zod';
import { toolOut, versionOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { success } from '../results.js';
import { ToolOut, VersionOut, outputSchemaOf } from '../schemas.js';
import { toolName } from './fields.js';

const GetToolOut = z.object({
  tool: ToolOut.describe('The tool with its active version’s metadata.'),
  version: z.number().int().describe('The version whose source is returned.'),
  source: z.string().describe('The source of that version, exactly as written.'),
  versions: z.array(VersionOut).describe('Every version, oldest first.'),
});

export const getToolTool = defineMetaTool({
  name: 'get_tool',
  title: 'Read a tool',
  description: "Read a tool: its source exactly as written (the active version, or the `version` you ask for), its description, input schema and limits, and the list of all its versions.",
  input: z
    .object({
      name: toolName('The tool'),
      version: z.number().int().min(1).optional().describe('A version number from the tool’s version list; default the active version.'),
    })
    .strict(),
  output: outputSchemaOf(GetToolOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  run(args, ctx) {
    const details = ctx.scope.getTool(args.name, args.version);
    const structured: z.infer<typeof GetToolOut> = {
      tool: toolOut(details.tool),
      version: details.version,
      source: details.source,
      versions: details.versions.map(versionOut),
    };
    const t = structured.tool;
    const history = structured.versions
      .map((v) => `${v.version} (${v.origin.kind}${v.origin.from_version ? ` of ${v.origin.from_version}` : ''}${v.active ? ', active' : ''})`)
      .join(', ');
    const text = [
      `${t.name} — ${t.language}, active version ${t.version}, timeout ${t.timeout_ms} ms, memory ${t.memory_mb} MB`,
      `Description: ${t.description}`,
      `Input schema: ${JSON.stringify(t.input_schema)}`,
      `Capabilities: ${Object.keys(t.capabilities).length === 0 ? 'none' : JSON.stringify(t.capabilities)}`,
      `Versions: ${history}`,
      '',
      `Source of version ${details.version}:`,
      details.source,
    ].join('\n');
    return success(structured, text);
  },
});
