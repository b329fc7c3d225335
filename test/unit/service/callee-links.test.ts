import { describe, expect, it } from 'vitest';

import type { CalleeFailure, Failure } from '../../../src/model.js';
import { linkCallees } from '../../../src/service/callee-links.js';

const CALLEE: CalleeFailure = { tool: 'csv_stats', version: 1, executionId: 'ex_real', kind: 'exception', name: 'TypeError', message: 'bad', frames: [], codeFrame: null };
const callees = new Map([['ex_real', CALLEE]]);

function failure(partial: Partial<Failure>): Failure {
  return { kind: 'exception', name: 'ToolCallError', message: 'csv_stats failed', frames: [], rawStack: null, mapped: true, codeFrame: null, ...partial };
}

describe('linkCallees()', () => {
  it("links a ToolCallError to the callee this call ran, and drops the guest's copy of its facts", () => {
    const linked = linkCallees(failure({ properties: { tool: 'csv_stats', version: 1, executionId: 'ex_real', kind: 'exception', error: { name: 'TypeError', message: 'bad' }, frames: [], mine: 1 } }), callees);
    expect(linked.callee).toBe(CALLEE);
    expect(linked.properties).toEqual({ mine: 1 });
  });

  it('links nothing for an id that is not one of this call failed callees (forged, or a success)', () => {
    for (const executionId of ['ex_other', 42, undefined]) {
      const linked = linkCallees(failure({ properties: { executionId } }), callees);
      expect(linked).not.toHaveProperty('callee');
      expect(linked.properties).toEqual({ executionId });
    }
  });

  it('links only errors named ToolCallError', () => {
    expect(linkCallees(failure({ name: 'Error', properties: { executionId: 'ex_real' } }), callees)).not.toHaveProperty('callee');
  });

  it('links a ToolCallError wrapped as a cause or an AggregateError member', () => {
    const wrapped = linkCallees(
      failure({
        name: 'Error',
        cause: { name: 'ToolCallError', message: 'x', frames: [], properties: { executionId: 'ex_real' } },
        errors: [{ name: 'ToolCallError', message: 'y', frames: [], properties: { executionId: 'ex_real' } }],
      }),
      callees,
    );
    expect(wrapped.cause?.callee).toBe(CALLEE);
    expect(wrapped.errors?.[0]?.callee).toBe(CALLEE);
  });

  it('stops after a bounded number of linked errors', () => {
    let cause: Failure['cause'] = { name: 'ToolCallError', message: 'deep', frames: [], properties: { executionId: 'ex_real' } };
    for (let i = 0; i < 100; i++) cause = { name: 'Error', message: `${i}`, frames: [], cause };
    let at: Failure['cause'] = linkCallees(failure({ name: 'Error', cause }), callees).cause;
    while (at?.cause !== undefined) at = at.cause;
    expect(at).not.toHaveProperty('callee');
  });
});
