/**
 * How `chameleon logs --groups` prints failures grouped by fingerprint: one line per group,
 * the most recently seen at the bottom (where the log table puts the newest row). Messages and
 * names are the guest's: renderTable makes every cell terminal-safe.
 */
import type { FailureGroup } from '../service/failure-groups.js';
import { versionRanges } from '../service/failure-groups.js';
import { shortTime } from './log-view.js';
import { renderTable, type Palette } from './table.js';

/** `TypeError: ... (parse.ts:5)`: the latest message with where it failed. */
function groupMessage(g: FailureGroup): string {
  const head = [g.name, g.message].filter((s) => s !== '').join(': ');
  return g.location === null ? head : `${head} (${g.location.file}:${g.location.line})`;
}

export function renderGroupTable(groups: readonly FailureGroup[], palette: Palette, width?: number): string {
  return renderTable<FailureGroup>(
    [
      { header: 'COUNT', value: (g) => String(g.count), max: 7, align: 'right', colour: () => 'bold' },
      { header: 'TOOL', value: (g) => g.tool, max: 30 },
      { header: 'VERSIONS', value: (g) => versionRanges(g.versions), max: 20 },
      { header: 'FIRST SEEN (UTC)', value: (g) => shortTime(g.firstSeen).slice(0, 19), max: 19 },
      { header: 'LAST SEEN (UTC)', value: (g) => shortTime(g.lastSeen).slice(0, 19), max: 19 },
      { header: 'FINGERPRINT', value: (g) => g.fingerprint, max: 16, colour: () => 'dim' },
      { header: 'KIND', value: (g) => g.kind, max: 17, colour: () => 'red' },
      { header: 'LATEST MESSAGE', value: groupMessage, max: 100 },
    ],
    [...groups].reverse(),
    { palette, ...(width === undefined ? {} : { width }) },
  );
}
