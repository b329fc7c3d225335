/**
 * What to do after a failure, written for whoever must act: the caller when its arguments do
 * not fit the schema (the tool never ran), the tool's author for a bug in its code, the author
 * or the server's operator when a limit stopped the call. Shown in the run result and by
 * get_last_error.
 */
import type { Config } from '../config.js';
import type { ExecutionRecord, FailureKind, ToolLimits } from '../model.js';

export interface AdviceContext {
  tool: string;
  operation: ExecutionRecord['operation'];
  /** The limits the call ran with (the config's maxima applied); null when unknown. */
  limits: ToolLimits | null;
  maxima: Pick<Config['limits'], 'maxTimeoutMs' | 'maxMemoryMb'>;
  /** The error's name: a refusal of the host's policy or a quota is not a bug to fix in the code. */
  errorName?: string | null;
}

export function adviceFor(kind: FailureKind, ctx: AdviceContext): string {
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
