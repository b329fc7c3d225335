#!/usr/bin/env node
// The `chameleon` command: runs dist/cli.js in this same node process.
//
// isolated-vm on Node 20 needs `--no-node-snapshot` on the node command line, and
// `--no-harmony-rab-gsab` closes a V8 abort reachable from guest code (see SECURITY.md). Only the
// sandbox processes load isolated-vm, and the supervisor starts them with both flags
// (SANDBOX_NODE_FLAGS in src/sandbox-host/fork-worker.ts). The server process never hosts an
// isolate, so it needs neither flag, and this launcher no longer re-executes node to add them:
// that cost a second node start (~100 ms) before the server could begin. MCP client configs can
// say `npx chameleon serve` or `node /path/to/bin/chameleon.js serve`.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const cliUrl = new URL('../dist/cli.js', import.meta.url);

if (!fs.existsSync(cliUrl)) {
  process.stderr.write(`chameleon: ${fileURLToPath(cliUrl)} is missing; run \`npm run build\` (npm install runs it for you).\n`);
  process.exit(1);
}

// `serve`: the first sandbox process starts now, before the server's code loads. A sandbox
// process is a second node start (without node's startup snapshot, so ~150 ms here) plus
// isolated-vm, the longest step before a server's first result; forked from here, it starts
// ~80 ms sooner than from the serve command (which needs the CLI bundle and commander loaded).
// The server's pool adopts this process (src/sandbox-host/early-start.ts). If anything here
// fails, the serve command starts the process itself.
if (process.argv[2] === 'serve') {
  try {
    const early = await import(new URL('../dist/sandbox-host/early-start.js', import.meta.url).href);
    early.startSandboxEarly(early.sandboxExtraEnv(process.env));
  } catch {
    /* started later, by the serve command */
  }
}

await import(cliUrl.href);
