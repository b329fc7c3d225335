/**
 * A tool's capabilities manifest (model.ts Capabilities): its shape, as create_tool, update_tool
 * and `tools import` take it, and the host's policy over it. A manifest outside the host's
 * ceiling is refused when the version is written, naming what to change and where; calls check
 * again (the config may have changed since), in src/service/call-host.ts.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { NAME_PATTERN, type Capabilities } from '../model.js';
import { ceilingCovers, patternProblem } from './egress/host-patterns.js';

/** Secret names as the config spells them: environment-variable style. */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

const MAX_PATTERNS = 100;

/** In capabilities.tools: any tool of the persona. */
export const ANY_TOOL = '*';

export const CapabilitiesSchema = z
  .object({
    fetch: z
      .array(z.string().max(300))
      .max(MAX_PATTERNS)
      .optional()
      .describe('Hosts the tool may fetch from, within what the server allows: "api.github.com" (ports 80/443), "api.example.com:8443", "*.example.org", "localhost:8080".'),
    secrets: z
      .array(z.string().regex(SECRET_NAME, 'secret names are upper case: letters, digits and underscores, starting with a letter'))
      .max(MAX_PATTERNS)
      .optional()
      .describe('Secrets (configured by the server) the tool uses: ctx.secret("NAME") gives a placeholder to put in a request header, and the server puts the value in only on requests to the secret\'s hosts.'),
    mcp: z
      .array(z.string().max(64))
      .max(MAX_PATTERNS)
      .optional()
      .describe('Upstream MCP servers (configured by the server) the tool calls with ctx.mcp.<name>.callTool(tool, args).'),
    kv: z.enum(['tool', 'persona']).optional().describe('ctx.kv namespace: "tool" (default, the tool\'s own) or "persona" (shared by the persona\'s tools).'),
    tools: z
      .array(z.string().max(64).refine((name) => name === ANY_TOOL || NAME_PATTERN.test(name), 'use a tool name (lowercase letters, digits and underscores, starting with a letter) or "*"'))
      .max(MAX_PATTERNS)
      .optional()
      .describe(
        'Other tools of yours this tool may call: `await ctx.tools.call("name", args)` or `await ctx.tools.name(args)`; `["*"]` allows any (then only ctx.tools.call). ' +
          'A tool that does not exist yet may be named; the call is refused until it does.',
      ),
    sql: z
      .array(z.string().max(64))
      .max(MAX_PATTERNS)
      .optional()
      .describe('Datasources (configured by the server) the tool queries, read-only, with await ctx.sql.<name>("SELECT ... WHERE x = :x", { x }).'),
  })
  .strict();

export type CapabilitiesInput = z.input<typeof CapabilitiesSchema>;

/** The manifest as stored: empty lists and the default namespace dropped, lists sorted and unique. */
export function normaliseCapabilities(input: z.infer<typeof CapabilitiesSchema> | undefined): Capabilities {
  const out: Capabilities = {};
  const unique = (list: readonly string[]) => [...new Set(list)].sort();
  if (input?.fetch !== undefined && input.fetch.length > 0) out.fetch = unique(input.fetch.map((p) => p.trim().toLowerCase()));
  if (input?.secrets !== undefined && input.secrets.length > 0) out.secrets = unique(input.secrets);
  if (input?.mcp !== undefined && input.mcp.length > 0) out.mcp = unique(input.mcp);
  if (input?.kv === 'persona') out.kv = 'persona';
  // "*" covers every name: the list is just ["*"].
  if (input?.tools !== undefined && input.tools.length > 0) out.tools = input.tools.includes(ANY_TOOL) ? [ANY_TOOL] : unique(input.tools);
  if (input?.sql !== undefined && input.sql.length > 0) out.sql = unique(input.sql);
  return out;
}

/** Why the host's config does not allow this manifest, one sentence each (empty: it does). */
export function manifestProblems(capabilities: Capabilities, config: Pick<Config, 'capabilities' | 'secrets' | 'upstreams'> & Partial<Pick<Config, 'datasources'>>): string[] {
  const problems: string[] = [];
  const ceiling = config.capabilities.fetch.allow;
  for (const pattern of capabilities.fetch ?? []) {
    const problem = patternProblem(pattern);
    if (problem !== null) problems.push(`capabilities.fetch: ${JSON.stringify(pattern)}: ${problem}`);
    else if (!ceilingCovers(ceiling, pattern)) {
      problems.push(
        `capabilities.fetch: ${JSON.stringify(pattern)} is outside what this server allows (${ceiling.length === 0 ? 'it allows no fetch at all' : `it allows: ${ceiling.join(', ')}`}); the host must add it to capabilities.fetch.allow in its config`,
      );
    }
  }
  for (const name of capabilities.secrets ?? []) {
    if (!Object.hasOwn(config.secrets, name)) {
      const known = Object.keys(config.secrets);
      problems.push(`capabilities.secrets: ${name} is not a secret this server has (${known.length === 0 ? 'it has none' : `it has: ${known.join(', ')}`}); the host must configure it under secrets in its config`);
    }
  }
  for (const name of capabilities.mcp ?? []) {
    if (!Object.hasOwn(config.upstreams, name)) {
      const known = Object.keys(config.upstreams);
      problems.push(`capabilities.mcp: ${name} is not an upstream MCP server this server has (${known.length === 0 ? 'it has none' : `it has: ${known.join(', ')}`}); the host must configure it under upstreams in its config`);
    }
  }
  for (const name of capabilities.sql ?? []) {
    const datasources = config.datasources ?? {};
    if (!Object.hasOwn(datasources, name)) {
      const known = Object.keys(datasources);
      problems.push(`capabilities.sql: ${name} is not a datasource this server has (${known.length === 0 ? 'it has none' : `it has: ${known.join(', ')}`}); the host must configure it under datasources in its config`);
    }
  }
  return problems;
}

/** Whether a version with these capabilities may call `tool` with ctx.tools. */
export function mayCall(capabilities: Capabilities, tool: string): boolean {
  const declared = capabilities.tools;
  return declared !== undefined && (declared.includes(ANY_TOOL) || declared.includes(tool));
}

/** Refuses a manifest the host's config does not allow, with every problem and what to change. */
export function assertManifestAllowed(capabilities: Capabilities, config: Pick<Config, 'capabilities' | 'secrets' | 'upstreams'> & Partial<Pick<Config, 'datasources'>>): void {
  const problems = manifestProblems(capabilities, config);
  if (problems.length > 0) throw new AppError('CAPABILITY_REFUSED', `The tool's capabilities are not allowed here: ${problems.join('; ')}.`);
}
