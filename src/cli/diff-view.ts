/**
 * How `chameleon tools diff` prints two versions compared: how each fared, the metadata that
 * changed, then the unified diff, removed lines red and added lines green when colour is on
 * (a terminal, or FORCE_COLOR: table.ts wantsColour). Sources, messages and metadata are the
 * agent's text: every line is made terminal-safe before colour is added around it.
 */
import type { VersionDiff, VersionSide } from '../service/version-diff.js';
import type { Palette } from './table.js';
import { terminalSafe } from '../terminal-text.js';

function fared(s: VersionSide, palette: Palette): string {
  const label = palette.paint('bold', `v${s.version}${s.active ? ' (active)' : ''}`);
  const failures = s.failures === 0 ? '0 failed' : palette.paint('red', `${s.failures} failed`);
  const head = `${label}: ${s.calls} call${s.calls === 1 ? '' : 's'}, ${failures}`;
  if (s.lastFailure === null) return head;
  const last = terminalSafe(`${s.lastFailure.name}: ${s.lastFailure.message}`, { max: 160 });
  return `${head}; last failure ${last} ${palette.paint('dim', `(fingerprint ${s.lastFailure.fingerprint ?? 'none'}, ${s.lastFailure.at})`)}`;
}

function diffLine(line: string, palette: Palette): string {
  const safe = terminalSafe(line, { multiline: true, max: 2_000 });
  if (line.startsWith('+++') || line.startsWith('---')) return palette.paint('bold', safe);
  if (line.startsWith('@@')) return palette.paint('cyan', safe);
  if (line.startsWith('+')) return palette.paint('green', safe);
  if (line.startsWith('-')) return palette.paint('red', safe);
  return safe;
}

export function renderVersionDiff(d: VersionDiff, palette: Palette): string {
  const out = [palette.paint('bold', `${terminalSafe(d.tool)}: v${d.from.version} → v${d.to.version}`), fared(d.from, palette), fared(d.to, palette)];
  if (d.metadata.length > 0) {
    out.push('', palette.paint('bold', 'Metadata changed:'));
    for (const m of d.metadata) out.push(`  ${m.field}: ${palette.paint('red', terminalSafe(m.from, { max: 300 }))} → ${palette.paint('green', terminalSafe(m.to, { max: 300 }))}`);
  }
  out.push('');
  if (d.added === null) out.push('The sources differ too much to diff quickly; compare them with `chameleon tools show NAME --version N`.');
  else if (d.unified === '') out.push('The sources are the same.');
  else {
    out.push(palette.paint('bold', `Source: ${palette.paint('green', `+${d.added}`)} ${palette.paint('red', `-${d.removed}`)} lines`));
    out.push(...d.unified.trimEnd().split('\n').map((line) => diffLine(line, palette)));
  }
  return out.join('\n');
}
