#!/usr/bin/env node
// The `chameleon` command. isolated-vm on Node 20 needs `--no-node-snapshot` on the node command
// line (NODE_OPTIONS is not honoured), and `--no-harmony-rab-gsab` closes a V8 abort reachable
// from guest code (see SECURITY.md). So unless node already runs with both, this re-executes
// node with them on dist/cli.js: stdio inherited, signals forwarded, exit code passed back.
// MCP client configs can then just say `npx chameleon serve`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const FLAGS = ['--no-node-snapshot', '--no-harmony-rab-gsab'];
const cliUrl = new URL('../dist/cli.js', import.meta.url);
const cliPath = fileURLToPath(cliUrl);

if (!fs.existsSync(cliPath)) {
  process.stderr.write(`chameleon: ${cliPath} is missing; run \`npm run build\` (npm install runs it for you).\n`);
  process.exit(1);
}

if (FLAGS.every((flag) => process.execArgv.includes(flag))) {
  await import(cliUrl.href);
} else {
  const execArgv = [...process.execArgv.filter((a) => !FLAGS.includes(a)), ...FLAGS];
  const child = spawn(process.execPath, [...execArgv, cliPath, ...process.argv.slice(2)], { stdio: 'inherit' });
  const forward = (signal) => {
    // The child may already have it (Ctrl-C reaches the whole process group); it shuts down once.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  child.on('error', (err) => {
    process.stderr.write(`chameleon: could not start node: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so that our parent sees what really happened.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
