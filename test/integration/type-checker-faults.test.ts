/**
 * The checker's worker (src/typecheck/checker.ts) fails on its own, never the write that asked:
 * a check past its deadline replaces the worker, a worker that dies fails the check it was on
 * and the next check gets a fresh one, a full queue answers at once. All with the real worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { ambientDeclarations } from '../../src/typecheck/ambient.js';
import { createTypeChecker, type TypeChecker, type TypeCheckerOptions } from '../../src/typecheck/checker.js';

const REQUEST = {
  fileName: 'probe.ts',
  source: 'export default (args: ToolArgs) => args.missing;\n',
  ambient: ambientDeclarations({ inputSchema: { type: 'object', properties: { n: { type: 'number' } } }, capabilities: {}, toolsDeclaration: null }),
};

describe('type checker faults', () => {
  const made: TypeChecker[] = [];
  const checker = (options: Partial<TypeCheckerOptions>) => {
    const c = createTypeChecker({ timeoutMs: 60_000, maxQueued: 16, memoryMb: 512, logger: silentLogger, ...options });
    made.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(made.splice(0).map((c) => c.close()));
  });

  it('check() answers timeout when the worker passes its deadline, and replaces the worker', async () => {
    // Loading TypeScript alone takes far longer than 20 ms.
    const c = checker({ timeoutMs: 20 });
    const outcome = await c.check(REQUEST);
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout', message: 'the checker did not answer within 20 ms' });
    expect(c.running()).toBe(false);
  });

  it('check() answers crashed when the worker dies, and the next check starts another worker', async () => {
    // 16 MB of heap is too little to load TypeScript: the worker dies of it.
    const c = checker({ memoryMb: 16 });
    const first = await c.check(REQUEST);
    expect(first).toMatchObject({ ok: false, reason: 'crashed' });
    const second = await c.check(REQUEST);
    expect(second).toMatchObject({ ok: false, reason: 'crashed' });
  });

  it('check() answers busy at once when maxQueued checks are waiting, and serves the others', async () => {
    const c = checker({ maxQueued: 2 });
    const answers = await Promise.all([c.check(REQUEST), c.check(REQUEST), c.check(REQUEST)]);
    expect(answers.map((a) => (a.ok ? a.diagnostics.map((d) => d.code) : a.reason))).toEqual([[2339], [2339], 'busy']);
  });

  it('close() answers the waiting checks and stops the worker', async () => {
    const c = checker({});
    const pending = c.check(REQUEST);
    await c.close();
    expect(await pending).toMatchObject({ ok: false, reason: 'closed' });
    expect(c.running()).toBe(false);
  });
});
