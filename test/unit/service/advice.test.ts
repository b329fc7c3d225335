import { describe, expect, it } from 'vitest';
import { adviceFor, type AdviceContext } from '../../../src/service/advice.js';

const maxima = { maxTimeoutMs: 60_000, maxMemoryMb: 512 };
const call: AdviceContext = { tool: 'spin', operation: 'call', limits: { timeoutMs: 5_000, memoryMb: 64 }, maxima };

describe('adviceFor()', () => {
  it.each<[string, Parameters<typeof adviceFor>[0], AdviceContext, RegExp]>([
    ['a timeout below the maximum', 'timeout', call, /Its time limit is 5000 ms\. .*update_tool with \{"name":"spin","timeout_ms":10000\} \(this server allows up to 60000 ms\)/],
    ['a timeout near the maximum', 'timeout', { ...call, limits: { timeoutMs: 40_000, memoryMb: 64 } }, /"timeout_ms":60000\}/],
    ['a timeout at the maximum', 'timeout', { ...call, limits: { timeoutMs: 60_000, memoryMb: 64 } }, /^Its time limit, 60000 ms, is already the most this server allows \(limits\.maxTimeoutMs\)/],
    ['a memory kill', 'memory', call, /Its memory limit is 64 MB\. .*update_tool with \{"name":"spin","memory_mb":128\}/],
    ['a timeout while a create loaded the module', 'timeout', { ...call, operation: 'create', limits: null }, /^If the work is finite .*create_tool with \{"name":"spin","timeout_ms":60000\}/],
    ['arguments that do not fit', 'invalid_arguments', call, /^The tool did not run: it is the arguments that must change, not the tool\./],
    ['a refused update', 'compile', { ...call, operation: 'update' }, /^Nothing was saved and the active version keeps serving/],
    ['a bug', 'exception', call, /^Fix the tool's code with update_tool\.$/],
  ])('%s', (_label, kind, ctx, expected) => {
    expect(adviceFor(kind, ctx)).toMatch(expected);
  });
});
