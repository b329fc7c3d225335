/** The MCP adapter: the only place (with cli.ts) that imports the SDK. */
export { createMcpServer, type McpServerOptions } from './server.js';
export { createToolEvents, type ToolEvents } from './events.js';
export { createInflight, type Inflight } from './inflight.js';
export { serveStdio, type StdioSession } from './stdio.js';
export { serveHttp, isLoopbackHost, type HttpServeOptions, type HttpService } from './http.js';
export { META_TOOLS } from './tools/index.js';
