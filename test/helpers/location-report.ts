/**
 * The share of fixture failures located in the agent's source (issue 13, "Done when"). The
 * traceback fixture suite appends one JSON line per fixture to the file named by
 * CHAMELEON_LOCATION_REPORT, before its checks (a fixture that is not located must still be
 * counted); without that variable nothing is written. scripts/location-share.mjs sets it, runs
 * the suite and prints the share per class.
 */
import fs from 'node:fs';
import type { Failure } from '../../src/model.js';

export interface LocationLine {
  fixture: string;
  /** The failure's class: its kind, its subkind if any, and whether it failed at load. */
  class: string;
  /** The first frame is in the agent's source, on the line the fixture marks. */
  located: boolean;
  /** The frames are sampled (a timeout or memory kill: where the CPU or the allocations were). */
  sampled: boolean;
  /** False when the engine cannot know a place for this failure (a memory kill): not counted as missed. */
  locatable: boolean;
}

export function reportLocation(fixture: string, expected: { line: number; kind: string; sub?: string | undefined; phase: string; located?: boolean }, failure: Failure): void {
  const file = process.env['CHAMELEON_LOCATION_REPORT'];
  if (!file) return;
  const top = failure.frames[0];
  const line: LocationLine = {
    fixture,
    class: [failure.kind, failure.subkind ?? expected.sub, expected.phase === 'create' ? 'at load' : null].filter(Boolean).join(' / '),
    located: top !== undefined && failure.mapped && top.line === expected.line,
    sampled: (top as { sampled?: boolean } | undefined)?.sampled === true,
    locatable: expected.located !== false,
  };
  fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
}
