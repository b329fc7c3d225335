/**
 * What to do after a failure, written for whoever must act: the caller when its arguments do
 * not fit the schema (the tool never ran), the tool's author for a bug in its code, the author
 * or the server's operator when a limit stopped the call. Shown in the run result and by
 * get_last_error.
 */
import type { Config } from '../config.js';
import type { CalleeFailure, ExecutionRecord, FailureKind, ToolLimits } from '../model.js';

export interface AdviceContext {
  tool: string;
  operation: ExecutionRecord['operation'];
  /** The limits the call ran with (the config's maxima applied); null when unknown. */
  limits: ToolLimits | null;
  maxima: Pick<Config['limits'], 'maxTimeoutMs' | 'maxMemoryMb'>;
  /** The error's name: a refusal of the host's policy or a quota is not a bug to fix in the code. */
  errorName?: string | null;
  /** The callees an uncaught ToolCallError came through, outermost first (format-callees.ts calleeChain). */
  callees?: readonly CalleeFailure[];
}

export function adviceFor(kind: FailureKind, ctx: AdviceContext): string {
  if (ctx.callees !== undefined && ctx.callees.length > 0) return calleeAdvice(ctx.tool, ctx.callees);
  const tool = JSON.stringify(ctx.tool);
  switch (kind) {
    case 'invalid_arguments':
      return (
        `The tool did not run: it is the arguments that must change, not the tool. Call ${ctx.tool} again with arguments that match its input_schema ` +
        '(get_tool shows it); change the schema with update_tool only if the schema itself is wrong.'
      );
    case 'timeout':
      return raiseLimit({
        what: 'time',
        field: 'timeout_ms',
        unit: 'ms',
        limit: ctx.limits?.timeoutMs ?? null,
        max: ctx.maxima.maxTimeoutMs,
        setting: 'limits.maxTimeoutMs',
        tool,
        write: ctx.operation === 'create' ? 'create_tool' : 'update_tool',
        otherwise: 'If the call should have finished sooner, look for a loop that does not end or a promise that never settles.',
      });
    case 'memory':
      return raiseLimit({
        what: 'memory',
        field: 'memory_mb',
        unit: 'MB',
        limit: ctx.limits?.memoryMb ?? null,
        max: ctx.maxima.maxMemoryMb,
        setting: 'limits.maxMemoryMb',
        tool,
        write: ctx.operation === 'create' ? 'create_tool' : 'update_tool',
        otherwise: 'Otherwise hold less at once: page or stream the data, and drop what you no longer need.',
      });
    case 'internal':
      return 'This is a fault of the server, not of the tool: there is nothing to fix in its code. Retry the call as its message says.';
    case 'overloaded':
      return 'The call did not run and the tool is not at fault: retry it in a few seconds, or make fewer calls of it at once.';
    case 'compile':
      return ctx.operation === 'create'
        ? 'Nothing was saved: fix the code and call create_tool again.'
        : ctx.operation === 'update'
          ? 'Nothing was saved and the active version keeps serving: fix the code and call update_tool again.'
          : "Fix the tool's code with update_tool.";
    case 'invalid_result':
      return 'The tool ran, but what it returned is not JSON that can be sent: change what it returns with update_tool.';
    case 'exception':
      if (ctx.operation === 'call' && ctx.errorName === 'CapabilityError') {
        return (
          "The server refused a request of the tool under its policy; its message says which rule and who can change it. For a host or secret the server allows, declare it in the tool's capabilities with update_tool; " +
          "for one it does not, only the server's operator can allow it (capabilities.fetch.allow, secrets in its config), or the tool must do without."
        );
      }
      if (ctx.operation === 'call' && ctx.errorName === 'KvQuotaError') {
        return "A kv quota stopped the call and none of its kv writes were kept: store less (smaller values, fewer keys, delete what is no longer needed), or ask the server's operator to raise the kv.* limit its message names.";
      }
      if (ctx.operation === 'create') return 'Nothing was saved: fix the code and call create_tool again.';
      if (ctx.operation === 'update') return 'Nothing was saved and the active version keeps serving: fix the code and call update_tool again.';
      return "Fix the tool's code with update_tool.";
    default:
      return 'Call get_last_error for the details.';
  }
}

/** `write` is how the limit is set: update_tool, or create_tool again for a tool that was never saved. */
function raiseLimit(o: { what: string; field: string; unit: string; limit: number | null; max: number; setting: string; tool: string; write: string; otherwise: string }): string {
  if (o.limit !== null && o.limit >= o.max) {
    return (
      `Its ${o.what} limit, ${o.limit} ${o.unit}, is already the most this server allows (${o.setting}): make the work smaller or split it across calls, ` +
      `or ask the server's operator to raise ${o.setting}. ${o.otherwise}`
    );
  }
  const suggested = o.limit === null ? o.max : Math.min(o.max, o.limit * 2);
  const now = o.limit === null ? '' : `Its ${o.what} limit is ${o.limit} ${o.unit}. `;
  return (
    `${now}If the work is finite and only needs more ${o.what}, raise the limit: ${o.write} with {"name":${o.tool},"${o.field}":${suggested}} ` +
    `(this server allows up to ${o.max} ${o.unit}). ${o.otherwise}`
  );
}

/**
 * A failure that came from a tool this one called (ctx.tools): the fix belongs where the error
 * was raised, or in the tool that called that one, whichever the failure's kind points at.
 */
function calleeAdvice(root: string, chain: readonly CalleeFailure[]): string {
  const raised = chain[chain.length - 1]!;
  const caller = chain.length > 1 ? chain[chain.length - 2]!.tool : root;
  const where = `${raised.tool} (version ${raised.version}, execution ${raised.executionId})`;
  switch (raised.kind) {
    case 'invalid_arguments':
      return `${caller} called ${raised.tool} with arguments its input_schema refuses, so ${raised.tool} did not run: fix the call in ${caller} (error.callee says what the schema wants), or change ${raised.tool}'s input_schema if it is the schema that is wrong.`;
    case 'timeout':
      return (
        `${where} ran out of time. A tool called by another gets its own timeout_ms, cut to what is left of its caller's (less a reserve): raise the timeout_ms of ${root} (the tool you called) ` +
        `or of ${raised.tool}, whichever is shorter, or make ${raised.tool} faster.`
      );
    case 'memory':
      return `${where} ran past its memory limit: raise its memory_mb with update_tool, or make it hold less at once.`;
    case 'internal':
    case 'overloaded':
      return `${where} did not run to its end for a reason of the server's, not of any tool's code: retry the call as its message says.`;
    default:
      return `The error was raised in ${where}: fix it there with update_tool, or catch the ToolCallError in ${caller}, the tool that called it, if ${caller} can carry on without it.`;
  }
}
