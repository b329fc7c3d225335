import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PersonaScope, ProgressSink } from '../service/index.js';
import { errorResult, newIncidentId } from './boundary.js';
import { createToolEvents, type ToolEvents } from './events.js';
import type { Inflight } from './inflight.js';
import type { MetaContext, MetaTool } from './meta-tool.js';
import { requestProgress, type RequestProgress } from './progress.js';
import { runResult } from './results.js';
import { META_TOOLS } from './tools/index.js';

export interface McpServerOptions {
  scope: PersonaScope;
  logger: Logger;
  /** Reported to clients as serverInfo.version. */
  version: string;
  /** Shared by all sessions of a process, so every session of a persona hears of changes. */
  events?: ToolEvents;
  /** Counts calls in progress, so that shutdown can wait for them. */
  inflight?: Inflight;
  /** Stored tools per tools/list page (default TOOLS_LIST_PAGE). */
  toolsListPage?: number;
}

const INSTRUCTIONS = [
  'Chameleon lets you write your own tools and fix them while you work.',
  'create_tool saves TypeScript/JavaScript whose default export is the handler; the tool then appears under its own name (or call it with run_tool).',
  'When a call fails, the result names the error and the failing line (`at fn (tool.ts:line:column)`); get_last_error has the full traceback and code frame.',
  'Fix it with update_tool (a new version, active at once); rollback_tool goes back; list_executions and get_execution show the audit log.',
].join(' ');

/**
 * Stored tools per tools/list page. Large, because clients that do not follow nextCursor see
 * only the first page; small enough that a page costs milliseconds, not the second that a
 * listing of 10,000 tools took (issue 12).
 */
export const TOOLS_LIST_PAGE = 500;

/**
 * One MCP server for one session, serving one persona.
 *
 * Why not `McpServer.registerTool`: stored tools come with raw JSON Schemas, while registerTool
 * wants zod and would list a converted schema; and the SDK would validate arguments itself,
 * so a bad call would never reach the service, which must log it as an `invalid_arguments`
 * execution for get_last_error. So this factory owns a small tool table instead: the ten
 * meta-tools (zod in, JSON Schema out) plus the persona's stored tools, paged from the store's
 * in-memory listing (kept current by writes, here and in other processes: store/tool-listing.ts),
 * behind one `tools/call` handler with one error
 * boundary. The handlers are installed on the McpServer's underlying Server; list_changed is
 * the Server's own `sendToolListChanged`, fired through `events` after every successful write.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const { scope, logger } = options;
  const events = options.events ?? createToolEvents();
  const mcp = new McpServer({ name: 'chameleon', title: 'Chameleon', version: options.version }, { instructions: INSTRUCTIONS });
  const server = mcp.server;
  server.registerCapabilities({ tools: { listChanged: true } });

  const meta = new Map<string, MetaTool>(META_TOOLS.map((t) => [t.name, t]));
  const ctx: MetaContext = { scope, toolsChanged: () => events.toolsChanged(scope.persona) };

  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    try {
      // Pages of TOOLS_LIST_PAGE stored tools (MCP cursors), the meta-tools first on the first.
      const cursor = request.params?.cursor;
      const page = await scope.listedToolsPage(cursor, options.toolsListPage ?? TOOLS_LIST_PAGE);
      // Name, description and input schema: already the shape of an MCP Tool.
      const stored = page.tools as unknown as readonly Tool[];
      return { tools: [...(cursor === undefined ? META_TOOLS.map((t) => t.definition) : []), ...stored], ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    } catch (err) {
      if (isAppError(err) && err.kind === 'user') throw new McpError(ErrorCode.InvalidParams, err.message);
      const incident = newIncidentId();
      logger.error(`incident ${incident}: tools/list failed`, { error: err instanceof Error ? err.stack : String(err) });
      // A system AppError's message is written for the agent too, as in a tool call's answer
      // (boundary.ts): a store that cannot be reached says so, and that a retry may do.
      const why = isAppError(err) ? ` ${err.message}` : '';
      throw new McpError(ErrorCode.InternalError, `Chameleon could not list the tools (incident ${incident}).${why}`);
    }
  });

  const callTool = async (name: string, args: Record<string, unknown> | undefined, progress: ProgressSink | undefined): Promise<CallToolResult> => {
    try {
      const metaTool = meta.get(name);
      // Only run_tool reads `progress`; the other meta-tools share one context.
      if (metaTool) return await metaTool.call(args, progress === undefined ? ctx : { ...ctx, progress });
      // Not a meta-tool: one of the persona's stored tools (the service says if it is not).
      return runResult(await scope.runTool(name, args ?? {}, progress));
    } catch (err) {
      return errorResult(err, logger, { tool: name, persona: scope.persona });
    }
  };
  const callWithProgress = async (name: string, args: Record<string, unknown> | undefined, progress: RequestProgress): Promise<CallToolResult> => {
    const result = await callTool(name, args, progress.sink);
    await progress.settled();
    return result;
  };
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const progress = requestProgress(extra, logger);
    const { name, arguments: args } = request.params;
    const work = progress === undefined ? callTool(name, args, undefined) : callWithProgress(name, args, progress);
    return options.inflight ? options.inflight.track(work) : work;
  });
  answerMalformedCallsWithInvalidParams(server);

  const unsubscribe = events.subscribe(scope.persona, () => {
    if (!mcp.isConnected()) return;
    server.sendToolListChanged().catch((err: unknown) => logger.debug('could not send tools/list_changed', { error: String(err) }));
  });
  const previousOnClose = server.onclose;
  server.onclose = () => {
    unsubscribe();
    previousOnClose?.();
  };
  return mcp;
}

/**
 * The SDK (v1.32) validates a request with zod before our handler runs, and a ZodError has no
 * JSON-RPC code, so a malformed tools/call (a numeric name, string arguments, no params) got
 * -32603 "Internal error" with a zod dump. JSON-RPC says -32602 "Invalid params". The SDK has
 * no hook for this, so the registered handler is wrapped in place (a private map, checked).
 */
function answerMalformedCallsWithInvalidParams(server: McpServer['server']): void {
  const handlers = (server as unknown as { _requestHandlers?: Map<string, (req: unknown, extra: unknown) => Promise<unknown>> })._requestHandlers;
  const inner = handlers?.get('tools/call');
  if (!handlers || !inner) return;
  handlers.set('tools/call', async (req, extra) => {
    try {
      return await inner(req, extra);
    } catch (err) {
      // zod's errors (classic or core, whichever the SDK used) carry an `issues` array.
      if (err instanceof Error && Array.isArray((err as { issues?: unknown }).issues)) {
        throw new McpError(ErrorCode.InvalidParams, 'Invalid params for tools/call: send {"name": "<tool name>", "arguments": {...}} with a string name and an object of arguments.');
      }
      throw err;
    }
  });
}
