import { describe, expect, it } from 'vitest';
import { reportOf } from '../../../src/service/type-diagnostics.js';

const at = { line: 2, column: 9, severity: 'error' as const };

describe('reportOf()', () => {
  it('says in the runtime\'s terms what an unknown Node or browser global is, keeping line, column and code', () => {
    const report = reportOf({
      ok: true,
      total: 4,
      ms: 1,
      diagnostics: [
        { ...at, code: 2591, message: "Cannot find name 'process'. Do you need to install type definitions for node? Try `npm i --save-dev @types/node` and then add 'node' to the types field in your tsconfig." },
        { ...at, code: 2584, message: "Cannot find name 'document'. Do you need to change your target library? Try changing the 'lib' compiler option to include 'dom'." },
        { ...at, code: 2591, message: "Cannot find name 'require'. Do you need to install type definitions for node?" },
        { ...at, code: 2304, message: "Cannot find name 'totl'." },
      ],
    });
    expect(report).toMatchObject({ state: 'checked', omitted: 0 });
    const messages = report.state === 'checked' ? report.diagnostics.map((d) => [d.code, d.message]) : [];
    expect(messages[0]).toEqual([2591, expect.stringMatching(/^Cannot find name 'process': There is no process \(no environment, no exit\)/)]);
    expect(messages[1]).toEqual([2584, expect.stringMatching(/^Cannot find name 'document': Tools run in a sandbox without a DOM/)]);
    expect(messages[2]).toEqual([2591, expect.stringMatching(/^Cannot find name 'require': Tools have no require\(\)/)]);
    expect(messages[3]).toEqual([2304, "Cannot find name 'totl'."]);
  });

  it('counts what the checker left out, and turns a checker that could not answer into a note', () => {
    expect(reportOf({ ok: true, total: 60, ms: 1, diagnostics: [{ ...at, code: 2339, message: 'x' }] })).toMatchObject({ state: 'checked', omitted: 59 });
    expect(reportOf({ ok: false, reason: 'busy', message: '16 checks were already waiting' })).toEqual({
      state: 'unavailable',
      note: 'Types were not checked: 16 checks were already waiting. The version is saved; nothing about its types is known.',
    });
  });
});
