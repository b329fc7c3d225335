/**
 * The console's fixture: a database filled by the real server. `chameleon serve` is spawned over
 * stdio and driven by the SDK client as an agent would: tools created, a failing one healed by
 * update_tool, a rollback, calls that succeed and fail, a chain of tools calling tools (ctx.tools),
 * and a tool whose description, source, arguments, console output and errors carry script
 * payloads. Used by the browser tests and by scripts/ui-screenshots.mjs (which bundles it).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface FixtureAgent {
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Script payloads: each must reach the page as text, never as markup. */
export const PAYLOADS = {
  script: '<script>alert("xss-script")</script>',
  img: '<img src=x onerror=alert("xss-img")>',
  textarea: '</textarea><svg onload=alert("xss-svg")>',
  link: '<a id="xss-link" href="javascript:alert(\'xss-link\')">click me</a>',
  remote: '<img id="xss-remote" src="http://127.0.0.2:9/tracker.png">',
  attribute: '"><iframe src="http://127.0.0.2:9/frame"></iframe>',
} as const;

const ALL_PAYLOADS = Object.values(PAYLOADS).join(' ');

export const FIBONACCI_V1 = [
  'export default function fibonacci(args: { n: number }) {',
  '  const memo: { value: number }[] = [{ value: 0 }, { value: 1 }];',
  '  for (let i = 2; i <= args.n; i++) {',
  '    memo[i] = { value: memo[i - 1].value + memo[i - 2].value };',
  '  }',
  '  // off by one: reads past the end',
  '  return { value: memo[args.n + 1].value };',
  '}',
].join('\n');

export const FIBONACCI_V2 = FIBONACCI_V1.replace('  // off by one: reads past the end\n  return { value: memo[args.n + 1].value };', '  return { value: memo[args.n].value };');

export const CSV_STATS = [
  'function parse(line: string): number[] {',
  "  const cells = line.split(',');",
  "  if (cells.some((c) => c.trim() === '')) {",
  '    throw new TypeError(`empty cell in ${JSON.stringify(line)}`);',
  '  }',
  '  return cells.map(Number);',
  '}',
  '',
  'export default function stats(args: { csv: string }) {',
  '  const values = parse(args.csv);',
  '  return { sum: values.reduce((a, b) => a + b, 0) };',
  '}',
].join('\n');

export const WEEKLY_REPORT = [
  'export default async function report(args: { weeks: string[] }, ctx: any) {',
  '  const sums: number[] = [];',
  '  for (const csv of args.weeks) sums.push((await ctx.tools.csv_stats({ csv })).sum);',
  '  return { sums };',
  '}',
].join('\n');

export const HOSTILE = [
  `// ${ALL_PAYLOADS}`,
  'export default function probe(args: { html: string; fail?: boolean }) {',
  `  console.log(${JSON.stringify(PAYLOADS.script)}, args.html);`,
  `  if (args.fail) throw new Error(${JSON.stringify(`${PAYLOADS.img} ${PAYLOADS.link}`)} + args.html);`,
  `  return { echoed: args.html, note: ${JSON.stringify(PAYLOADS.textarea)} };`,
  '}',
].join('\n');

/** `chameleon serve --db <db>` over stdio with the SDK client. `bin` is bin/chameleon.js. */
export async function connectAgent(bin: string, db: string, cwd: string): Promise<FixtureAgent> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'serve', '--db', db, '--log-level', 'warn'], cwd, stderr: 'pipe' });
  const client = new Client({ name: 'console-fixture', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools();
  return {
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 30_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

async function must(agent: FixtureAgent, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = await agent.call(name, args);
  if (result.isError) throw new Error(`${name} failed in the fixture: ${JSON.stringify(result.content).slice(0, 500)}`);
  return result;
}

/** Fills `db` through a real server and closes it; the file is then complete and quiet. */
export async function buildConsoleFixture(bin: string, db: string, cwd: string): Promise<void> {
  const agent = await connectAgent(bin, db, cwd);
  try {
    await must(agent, 'create_tool', { name: 'fibonacci', description: 'The n-th Fibonacci number.', code: FIBONACCI_V1 });
    await agent.call('fibonacci', { n: 10 }); // fails at line 7
    await agent.call('fibonacci', { n: 5 });
    await must(agent, 'update_tool', { name: 'fibonacci', code: FIBONACCI_V2 });
    for (const n of [1, 2, 10, 20, 30]) await must(agent, 'fibonacci', { n });
    await must(agent, 'rollback_tool', { name: 'fibonacci', version: 1 });
    await agent.call('fibonacci', { n: 3 }); // v3 (a copy of v1) fails the same way
    await must(agent, 'update_tool', { name: 'fibonacci', code: FIBONACCI_V2, description: 'The n-th Fibonacci number (fixed).' });
    await must(agent, 'fibonacci', { n: 12 });

    await must(agent, 'create_tool', { name: 'csv_stats', description: 'Sum of a CSV line.', code: CSV_STATS });
    await must(agent, 'create_tool', { name: 'weekly_report', description: 'Sums of weeks, through csv_stats.', code: WEEKLY_REPORT, capabilities: { tools: ['csv_stats'] } });
    await must(agent, 'weekly_report', { weeks: ['1,2', '3,4'] });
    await agent.call('weekly_report', { weeks: ['1,2', '3,,4'] }); // fails in csv_stats, two levels

    await must(agent, 'create_tool', { name: 'html_probe', description: `Hostile text everywhere: ${ALL_PAYLOADS}`, code: HOSTILE });
    await must(agent, 'html_probe', { html: ALL_PAYLOADS });
    await agent.call('html_probe', { html: ALL_PAYLOADS, fail: true });
  } finally {
    await agent.close();
  }
}
