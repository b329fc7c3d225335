/**
 * The trace of a call tree (issue 15): every call a tool made with ctx.tools is a log row of
 * its own, with its parent and its root. These read a tree back: the calls below one execution
 * (get_execution, `chameleon logs --id`) and how many calls each root led to (list_executions).
 */
import type { ExecutionRecord } from '../model.js';
import type { StoreContract } from '../store/contract.js';

/** One call of a tree, with the calls it made, oldest first. */
export interface CallNode {
  record: ExecutionRecord;
  calls: CallNode[];
}

/** Rows of one tree read at most (tools.maxCallsPerRoot may be up to 10,000). */
export const MAX_TREE_ROWS = 1_000;

/**
 * The calls made below `row` (its children, theirs, ...), oldest first at each level. `cut`
 * says the tree had more rows than were read (MAX_TREE_ROWS), so some calls may be missing.
 */
export async function callsBelow(executions: Pick<StoreContract['executions'], 'tree'>, persona: string, row: ExecutionRecord): Promise<{ calls: CallNode[]; cut: boolean }> {
  return callsIn(row, await executions.tree(persona, treeRootOf(row), MAX_TREE_ROWS + 1));
}

/** The id of the root of `row`'s tree: what to read (`executions.tree`) for callsIn. */
export function treeRootOf(row: ExecutionRecord): string {
  return row.rootExecutionId ?? row.id;
}

/** callsBelow over the rows of the tree already read (at most MAX_TREE_ROWS + 1 of them). */
export function callsIn(row: ExecutionRecord, rows: readonly ExecutionRecord[]): { calls: CallNode[]; cut: boolean } {
  const cut = rows.length > MAX_TREE_ROWS;
  const byParent = new Map<string, ExecutionRecord[]>();
  for (const r of rows.slice(0, MAX_TREE_ROWS)) {
    if (r.parentExecutionId === undefined) continue;
    const siblings = byParent.get(r.parentExecutionId);
    if (siblings) siblings.push(r);
    else byParent.set(r.parentExecutionId, [r]);
  }
  // Parents come before their children in a tree, and ids never repeat: no cycle to guard
  // against, but a damaged log is bounded all the same by the rows read.
  const seen = new Set<string>();
  const nodesOf = (id: string): CallNode[] =>
    (byParent.get(id) ?? []).filter((r) => !seen.has(r.id) && seen.add(r.id)).map((r) => ({ record: r, calls: nodesOf(r.id) }));
  return { calls: nodesOf(row.id), cut };
}

/** How many calls each root among `rows` led to (every depth); a row that led to none is absent. */
export function nestedCounts(executions: Pick<StoreContract['executions'], 'nestedCounts'>, persona: string, rows: readonly ExecutionRecord[]): Promise<Map<string, number>> {
  const roots = rows.filter((r) => r.parentExecutionId === undefined && r.operation === 'call').map((r) => r.id);
  return executions.nestedCounts(persona, roots);
}
