/**
 * Where a call stands in a tree of calls (issue 15): an agent's call is the root (depth 0);
 * every tool it calls with ctx.tools is a call of its own one level down, and so on. What the
 * whole tree shares (its root, its budget of calls) travels down by reference.
 */

export interface CallTree {
  /** The execution id of the agent's call at the top. */
  rootId: string;
  /** 0 for the agent's call, 1 for a tool it called, ... */
  depth: number;
  /** The tools from the root down to this call, this one last: a name here is running already. */
  chain: readonly string[];
  /** Calls of other tools made so far anywhere in the tree (config tools.maxCallsPerRoot). */
  budget: { calls: number };
}

/** A call made by another tool, as runTool takes it. */
export interface NestedCall {
  /** Made by the caller, so that its audit names the callee's row whatever happens to it. */
  executionId: string;
  parentId: string;
  tree: CallTree;
  /** The caller's deadline (performance.now() ms): the callee never runs past it. */
  deadlineAt: number;
  /** Aborted when the caller ends: a callee still waiting for a sandbox then never starts. */
  signal: AbortSignal;
  /**
   * Told when the callee is handed to the sandbox pool: until then it reads its version from
   * the store, and the caller's end does not let it go (tool-calls.ts end()).
   */
  entered?: () => void;
}

export function rootTree(executionId: string, tool: string): CallTree {
  return { rootId: executionId, depth: 0, chain: [tool], budget: { calls: 0 } };
}

/** The tree position of a call that `tree`'s call makes to `tool`. */
export function childTree(tree: CallTree, tool: string): CallTree {
  return { rootId: tree.rootId, depth: tree.depth + 1, chain: [...tree.chain, tool], budget: tree.budget };
}
