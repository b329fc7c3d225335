// Baseline for "server start to first tool result": a bare Node process that reads one
// JSON-RPC line from stdin and answers it on stdout, then exits when stdin ends.
import readline from 'node:readline';

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const request = JSON.parse(line);
  if (request.id === undefined) return;
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text: '{"sum":3}' }] } })}\n`);
});
lines.on('close', () => process.exit(0));
