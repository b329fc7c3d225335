/** The MCP adapter: the only place (with cli.ts) that imports the SDK. */
import type * as HttpTransport from './http.js';

export { createMcpServer, type McpServerOptions } from './server.js';
export { createToolEvents, type ToolEvents } from './events.js';
export { createInflight, type Inflight } from './inflight.js';
export { serveStdio, type StdioSession } from './stdio.js';
export { tenantPrincipals, type Principal, type Principals } from './tenants.js';
export type { HttpServeOptions, HttpService } from './http.js';
export { META_TOOLS } from './tools/index.js';

/**
 * The Streamable HTTP transport (`serveHttp`, `isLoopbackHost`), loaded on use: it brings the
 * SDK's HTTP stack (~70 ms to import), which a server on stdio never needs.
 */
export function loadHttpTransport(): Promise<typeof HttpTransport> {
  return import('./http.js');
}
