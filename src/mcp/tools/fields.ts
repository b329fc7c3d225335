/** Argument schemas shared by several meta-tools, with descriptions written for an agent. */
import { z } from 'zod';
import { NAME_PATTERN } from '../../model.js';

export const toolName = (what = 'The tool') =>
  z
    .string()
    .regex(NAME_PATTERN, 'use 1-64 characters: lowercase letters, digits and underscores, starting with a letter')
    .describe(`${what}'s name: lowercase letters, digits and underscores, starting with a letter (e.g. \`parse_csv\`).`);

export const code = z
  .string()
  .describe(
    'The complete source of a module whose default export is the handler: `export default function (args, ctx) { ... return result; }` (may be async). ' +
      '`args` are the call arguments (already checked against input_schema); the return value must be JSON-serialisable. ' +
      'The code runs in a sandbox: no file system or process; console.log output is captured into the execution log. ' +
      'It may import your libraries (`import { slugify } from "lib:text_utils"`, see kind "library") and the npm packages this server allows (`import { parse } from "csv-parse/browser/esm/sync"`; others are refused at create with the list of allowed ones); what it imports is bundled into the version, pinned. ' +
      'It has the Web APIs (URL, TextEncoder, crypto, setTimeout, Headers, ...) and `fetch`, which reaches only the hosts in the tool\'s capabilities.fetch. ' +
      '`ctx` has `persona`, `tool: {name, version}`, `executionId`, `log(...)`, `kv` (get/set/delete/list of JSON values, kept across calls; writes of a failed call are dropped), `secret(name)` (a placeholder for a secret in capabilities.secrets, to put in a request header), ' +
      '`mcp.<server>.callTool(name, args)` for the upstream MCP servers in capabilities.mcp, ' +
      'and `tools` (`await ctx.tools.name(args)` or `ctx.tools.call("name", args)` calls another of your tools listed in capabilities.tools; its failure is thrown as a ToolCallError), ' +
      '`sql.<datasource>(query, params)` for the datasources in capabilities.sql (read-only, named parameters: `await ctx.sql.shop("SELECT * FROM orders WHERE total > :min", { min: 10 })` gives `{ columns, rows, truncated }`). ' +
      'For language "sql", code is instead one read-only SQL query with named parameters (`:min_total`).',
  );

export const inputSchema = z
  .record(z.string(), z.unknown())
  .describe('JSON Schema of the arguments object, with `"type": "object"`, e.g. `{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}`. Calls that do not match it are refused before your code runs.');

export const timeoutMs = z.number().int().min(10).describe('Time limit of one call in milliseconds (default 5000). A call that runs longer is stopped.');
export const memoryMb = z.number().int().min(8).describe('Memory limit of the tool in MB (default 64, at least 8).');
export { CapabilitiesSchema as capabilities } from '../../capabilities/manifest.js';

export const kind = z
  .enum(['tool', 'library'])
  .describe(
    '`tool` (default): a callable tool with a default-export handler. `library`: code that your other tools import with `import { x } from "lib:<name>"` (named exports, no handler needed); it is not callable and not listed as an MCP tool. ' +
      'Importers bundle the library version that is active when they compile: updating a library changes no importer until that importer is updated with its code (get_tool of the library lists importers on older versions).',
  );

export const datasource = z
  .string()
  .describe('For language "sql": the datasource (a database the server configured) the query reads.');

export const strictTypes = z
  .boolean()
  .describe(
    'TypeScript only. true: a type error the checker finds refuses the save (as a compile error would, located in your lines). Default false: type diagnostics are advice returned with the saved version.',
  );

export const description = z.string().describe('What the tool does and when to use it; shown to agents in the tool list.');

export const tests = z
  .array(
    z
      .object({
        name: z.string().max(200).optional().describe('Shown in the gate report.'),
        arguments: z.record(z.string(), z.unknown()).describe('The call arguments; checked against input_schema when saved.'),
        expect: z
          .unknown()
          .optional()
          .describe('Absent: the call must succeed. `{"error_kind": "invalid_arguments"}` (that one key, a failure kind): it must fail with that kind. Any other JSON: the result must equal it (deep JSON equality).'),
      })
      .strict(),
  )
  .max(50)
  .describe(
    'Declared tests, saved with the version. Before update_tool/edit_tool make a new version active, the regression gate runs the new version\'s tests in the sandbox, and replays recent successful calls of the active version; a failing case refuses the new version (saved inactive, with a report). Not run by create_tool or rollback_tool. On update, `[]` removes them and leaving it out keeps them.',
  );

export const replaySafe = z
  .boolean()
  .describe(
    'The gate skips replaying calls of a tool whose capabilities reach outside the server (fetch, mcp, tools), since a replay would repeat what they did there. true: its calls may be repeated (e.g. it only GETs), so replay them. kv and sql tools are always replayed: the gate drops their kv writes and sql is read-only.',
  );

export const force = z
  .boolean()
  .describe('Make the new version active even if regression-gate cases fail; the version records that it was forced (get_tool history shows it).');
