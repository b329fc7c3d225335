/*
 * `ctx.tools`: calls of other tools of the persona (issue 15). Each call is a request to the
 * server process, which runs the callee as a call of its own (its own isolate, limits and log
 * row), within this call's deadline and the host's bounds on depth and count, and answers with
 * the callee's result or its failure.
 *
 * A refusal (a tool not declared in capabilities.tools, a cycle, a bound) is thrown at the
 * line that called, as every capability's refusal is (host-requests.ts). A callee that failed
 * becomes a ToolCallError thrown at that line too, carrying what the callee's failure was:
 * `tool`, `version`, `executionId`, `kind`, `error: { name, message }` and `frames` (in the
 * callee's source), as plain data, so a caller can inspect it and the log keeps it.
 *
 * Nothing here holds state between calls: `call` is one frozen function per realm, and the
 * object with a method per declared tool is made per version (from the call's meta).
 */
import { defineProperty, ErrorCtor, freeze, parse, PromiseCtor, stringify } from '../prelude/intrinsics.js';
import { isError, safeGet, safeString } from '../prelude/values.js';
import { hostRequest, located } from './host-requests.js';

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

export type ToolCall = (name: string, args?: unknown) => Promise<unknown>;

/** What the server answers to a call that ran (host-side: src/service/tool-calls.ts). */
interface CallAnswer {
  ok: boolean;
  result?: unknown;
  failure?: { kind: string; name: string; message: string; tool: string; version: number; executionId: string; frames: unknown[] };
}

/** `ctx.tools.call(name, args)`: one for every call of every version of the realm. */
export function createToolCall(): ToolCall {
  return freeze((name: string, args?: unknown): Promise<unknown> => {
    const site = new ErrorCtor();
    if (typeof name !== 'string') return PromiseCtor.reject(located(site, 'TypeError', 'ctx.tools.call(name, args): the name must be a string, the name of another of your tools.'));
    let json: string | undefined;
    try {
      // Serialised here, under this call's CPU limit: getters and toJSON are the caller's own code.
      json = stringify(args === undefined ? {} : args);
    } catch (error) {
      // What toJSON or a getter threw is the caller's own value: read without running more of it.
      const why = isError(error) ? safeString(safeGet(error, 'message'), 300) : 'it could not be serialised';
      return PromiseCtor.reject(located(site, 'TypeError', `ctx.tools.call(${stringify(name.slice(0, 64))}): the arguments must be JSON (${why}).`));
    }
    if (json === undefined) return PromiseCtor.reject(located(site, 'TypeError', `ctx.tools.call(${stringify(name.slice(0, 64))}): the arguments must be a JSON object, not ${typeof args}.`));
    return hostRequest('tools.call', stringify({ name, args: json })).then((text) => {
      const answer = parse(text) as CallAnswer;
      if (answer.ok) return answer.result;
      throw toolCallError(site, answer.failure!);
    });
  });
}

/**
 * `ctx.tools`: `call`, and a method per tool the version declares (none for `"*"`). A declared
 * name that is not a plain tool name, or is `call`, gets no method of its own.
 */
export function createToolsView(call: ToolCall, declared: readonly string[] | undefined): Readonly<Record<string, ToolCall>> {
  const view: Record<string, ToolCall> = { call };
  for (const name of declared ?? []) {
    if (name === 'call' || !NAME.test(name)) continue;
    view[name] = freeze((args?: unknown) => call(name, args));
  }
  return freeze(view);
}

/** The callee's failure, thrown where the caller called: its facts are own, enumerable, JSON-safe data. */
function toolCallError(site: Error, failure: NonNullable<CallAnswer['failure']>): Error {
  // A callee that failed by a ToolCallError of its own says so already: no second "ToolCallError:".
  const what = failure.name === 'ToolCallError' ? failure.message : `${failure.name}: ${failure.message}`;
  const error = located(site, 'ToolCallError', `${failure.tool} failed (${failure.kind}): ${what}`);
  const facts: Record<string, unknown> = {
    tool: failure.tool,
    version: failure.version,
    executionId: failure.executionId,
    kind: failure.kind,
    error: freeze({ name: failure.name, message: failure.message }),
    frames: freeze(failure.frames.map((frame) => freeze(frame))),
  };
  for (const key of ['tool', 'version', 'executionId', 'kind', 'error', 'frames']) {
    defineProperty(error, key, { value: facts[key], writable: true, enumerable: true, configurable: true });
  }
  return error;
}
