#!/usr/bin/env node
// `npm run locations`: runs the traceback fixture suite (test/fixtures/broken-tools/) and prints,
// per class of failure, the share located in the agent's source: the first frame on the line
// the fixture marks (issue 13). Each fixture appends one line through
// test/helpers/location-report.ts. Exits non-zero when the suite fails or a class is below 100%.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-locations-'));
const reportFile = path.join(tmp, 'locations.jsonl');
fs.writeFileSync(reportFile, '');
const run = spawnSync('npx', ['vitest', 'run', 'test/integration/traceback-fixtures.test.ts', '--reporter=dot'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, CHAMELEON_LOCATION_REPORT: reportFile },
});
const lines = fs.readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
fs.rmSync(tmp, { recursive: true, force: true });

const classes = new Map();
for (const l of lines) {
  const c = classes.get(l.class) ?? { fixtures: 0, located: 0, sampled: 0, missed: [], unlocatable: 0 };
  c.fixtures++;
  if (l.located) c.located++;
  // A failure whose place the engine cannot know (its fixture says `located=no`, docs/writing-tools.md lists why).
  else if (l.locatable === false) c.unlocatable++;
  else c.missed.push(l.fixture);
  if (l.sampled) c.sampled++;
  classes.set(l.class, c);
}
const rows = [...classes].sort(([a], [b]) => a.localeCompare(b));
const width = Math.max(5, ...rows.map(([name]) => name.length));
const out = [`${'class'.padEnd(width)}  fixtures  located  share`];
for (const [name, c] of rows) {
  const share = c.unlocatable === c.fixtures ? 'none possible' : `${((100 * c.located) / (c.fixtures - c.unlocatable)).toFixed(0)}%`;
  out.push(`${name.padEnd(width)}  ${String(c.fixtures).padStart(8)}  ${String(c.located).padStart(7)}  ${share.padStart(5)}${c.sampled ? `  (${c.sampled} sampled)` : ''}${c.missed.length ? `  not located: ${c.missed.join(', ')}` : ''}`);
}
const total = lines.filter((l) => l.located).length;
out.push(`${'all'.padEnd(width)}  ${String(lines.length).padStart(8)}  ${String(total).padStart(7)}  ${`${lines.length ? ((100 * total) / lines.length).toFixed(0) : 0}%`.padStart(5)}`);
process.stdout.write(`${out.join('\n')}\n`);
const short = rows.some(([, c]) => c.located + c.unlocatable < c.fixtures);
process.exit(run.status !== 0 ? run.status ?? 1 : lines.length === 0 || short ? 1 : 0);
