import { callBytesMessage, egressFetch, type GuestFetchRequest } from '../capabilities/egress/egress-fetch.js';
import { createKvSession, kvNamespace, type KvSession } from '../capabilities/kv/index.js';
import type { CalleeFailure, Effect, KvWrite } from '../model.js';
import type { CallHost } from '../sandbox-host/supervisor.js';
import type { ServiceDeps } from './deps.js';
import type { SecretValues } from './secrets.js';
import { ToolCalls, type RunCallee, type ToolCallsOf } from './tool-calls.js';
import { progressRelay, type ProgressSink } from './progress-relay.js';
import { sqlHostRequest } from './sql-host.js';

/**
 * The server's side of one call's capabilities (issues 14-16): the sandbox process forwards
 * each request the tool makes (fetch, ctx.kv, ctx.mcp, ctx.tools in tool-calls.ts, ctx.sql in
 * sql-host.ts) and this answers it, in the server process, which holds the secrets, the
 * connections and the database. Each request is checked against the version's manifest and
 * the host's config as they are now, counted against the call's bounds, and recorded as an
 * effect of the call (never a body or a header value). Its ctx.progress reports go on to the
 * client through progress-relay.ts. When the call ends, `finish()` stops
 * what is still running, waits for it to record itself (a fetch the deadline cut is audited
 * too), and hands over the effects and the kv writes to commit with the log row (a failed
 * call's writes are dropped by the caller).
 */
export interface CallHostHandle extends CallHost {
  /** Resolves when the tools this call called have ended (within its deadline); undefined when none runs. */
  settled(): Promise<void> | undefined;
  /** Synchronous when nothing is still running (every call that used no fetch or ctx.mcp). */
  finish(): CallEffects | Promise<CallEffects>;
}

export interface CallEffects {
  effects: Effect[];
  kvWrites: KvWrite[];
  /** The callees that failed, by execution id (callee-links.ts links a ToolCallError to one). */
  callees: ReadonlyMap<string, CalleeFailure>;
}

export interface HostedCall extends ToolCallsOf {
  /** Runs a call this one makes of another tool (ctx.tools). */
  runCallee: RunCallee;
  /** Where ctx.progress goes: set when the agent's request carried a progress token. */
  progress?: ProgressSink;
}

const NO_CALLEES: ReadonlyMap<string, CalleeFailure> = new Map();

const KV_OPS = new Set(['kv.get', 'kv.set', 'kv.delete', 'kv.list']);

export function createCallHost(deps: ServiceDeps, secrets: SecretValues, call: HostedCall): CallHostHandle {
  return new HostedCallState(deps, secrets, call);
}

class HostedCallState implements CallHostHandle {
  private readonly effects: Effect[] = [];
  /** Fetches and ctx.mcp calls still running; each settles soon after the abort (every wait races it). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private kv: KvSession | null = null;
  /** How many of the kv session's effects are in `effects` already. */
  private kvEffectsTaken = 0;
  private fetches = 0;
  private receivedBytes = 0;
  /** Made on the first fetch: aborted when the call ends, or at its deadline at the latest. */
  private abort: AbortController | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private ended = false;
  /** Made on the first ctx.tools call. */
  private tools: ToolCalls | null = null;
  /** When the call was sent to its sandbox (until then, when this was made): what is left of its deadline is measured from here. */
  private startedAt = performance.now();
  /** Made on the first report: a call that reports none pays for nothing. */
  private relay: ProgressSink | null = null;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly secrets: SecretValues,
    private readonly call: HostedCall,
  ) {}

  request(op: string, body: string): Promise<{ ok: boolean; body: string }> {
    if (this.ended) return Promise.resolve(refusal('Error', 'The call has ended; its requests are no longer served.'));
    if (op === 'fetch') return this.tracked(this.fetch(body));
    // Tracked: an operation asked for just before the call ended still records its effect and write.
    if (KV_OPS.has(op)) return this.tracked(this.kvRequest(op as 'kv.get', body));
    if (op === 'mcp.call' || op === 'mcp.list') return this.tracked(this.mcpRequest(op, body));
    if (op === 'tools.call') return (this.tools ??= new ToolCalls(this.deps, this.call, this.call.runCallee, this.effects, this.startedAt)).request(body);
    if (op === 'sql.query') return this.tracked(this.sqlRequest(body));
    return Promise.resolve(refusal('Error', `Unknown request ${JSON.stringify(op.slice(0, 40))}.`));
  }

  progress(progress: number, total: number | undefined, message: string | undefined): void {
    if (this.ended || this.call.progress === undefined) return;
    (this.relay ??= progressRelay(this.call.progress))(progress, total, message);
  }

  dispatched(): void {
    this.startedAt = performance.now();
    this.tools?.restartDeadline(this.startedAt);
  }

  settled(): Promise<void> | undefined {
    return this.tools?.end();
  }

  finish(): CallEffects | Promise<CallEffects> {
    this.ended = true;
    this.kv?.end();
    this.abort?.abort();
    void this.tools?.end();
    if (this.deadline) clearTimeout(this.deadline);
    // Aborted, they end within a few turns; their audit entries are part of this call's row.
    // No await otherwise: a warm call that used none pays for no microtask turn.
    if (this.inFlight.size > 0) return Promise.all(this.inFlight).then(() => this.collected());
    return this.collected();
  }

  private collected(): CallEffects {
    // The session's count of operations it left out of the audit comes last.
    const omitted = this.kv?.effects().find((e) => e.op === 'omitted');
    return { effects: omitted === undefined ? this.effects : [...this.effects, omitted], kvWrites: this.kv?.writes() ?? [], callees: this.tools?.failures ?? NO_CALLEES };
  }

  private tracked(answer: Promise<{ ok: boolean; body: string }>): Promise<{ ok: boolean; body: string }> {
    this.inFlight.add(answer);
    void answer.finally(() => this.inFlight.delete(answer));
    return answer;
  }

  private async kvRequest(op: 'kv.get' | 'kv.set' | 'kv.delete' | 'kv.list', body: string): Promise<{ ok: boolean; body: string }> {
    const { persona, toolName, executionId, capabilities } = this.call;
    this.kv ??= createKvSession(this.deps.store.kv, {
      persona,
      namespace: kvNamespace(toolName, capabilities.kv === 'persona'),
      executionId,
      quotas: this.deps.config.kv,
      now: this.deps.now,
      onHostFault: (error) => this.deps.logger.error('kv store fault', { persona, tool: toolName, error: error instanceof Error ? error.message : String(error) }),
    });
    const kv = this.kv;
    const answer = await kv.handle(op, body);
    this.takeKvEffects(kv);
    return answer.ok ? { ok: true, body: answer.body } : refusal(answer.name, answer.message);
  }

  /** The session's new effects, in the call's own list: effects stay in the order they happened. */
  private takeKvEffects(kv: KvSession): void {
    const all = kv.effects();
    for (let i = this.kvEffectsTaken; i < all.length; i++) if (all[i]!.op !== 'omitted') this.effects.push(all[i]!);
    this.kvEffectsTaken = all.length - (all[all.length - 1]?.op === 'omitted' ? 1 : 0);
  }

  private async mcpRequest(op: 'mcp.call' | 'mcp.list', body: string): Promise<{ ok: boolean; body: string }> {
    const { toolName, capabilities } = this.call;
    let request: { server?: unknown; tool?: unknown; args?: unknown };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      return refusal('TypeError', 'ctx.mcp: the request could not be read.');
    }
    const { server, tool, args } = request;
    if (typeof server !== 'string' || (op === 'mcp.call' && (typeof tool !== 'string' || args === null || typeof args !== 'object' || Array.isArray(args)))) {
      return refusal('TypeError', 'ctx.mcp: callTool(name, args) takes a tool name and an object of arguments.');
    }
    const effect = { op, server, ...(op === 'mcp.call' ? { tool: tool as string } : {}) };
    if (!(capabilities.mcp ?? []).includes(server)) {
      this.effects.push({ ...effect, status: 'error', ms: 0, refused: 'not declared' });
      const known = Object.keys(this.deps.config.upstreams);
      return refusal(
        'CapabilityError',
        `ctx.mcp.${server} is not available to tool ${toolName}: add "${server}" to its capabilities.mcp with update_tool (${known.length === 0 ? 'this server has no upstream MCP servers: the host must configure one under upstreams in its config' : `this server has: ${known.join(', ')}`}).`,
      );
    }
    const t0 = performance.now();
    const left = this.call.timeoutMs - (t0 - this.startedAt);
    this.abort ??= this.startDeadline();
    const answer =
      op === 'mcp.call'
        ? await this.deps.upstreams.callTool(server, tool as string, args as Record<string, unknown>, left, this.abort.signal)
        : await this.deps.upstreams.listTools(server, left, this.abort.signal);
    this.effects.push({ ...effect, status: answer.ok ? 'ok' : 'error', ms: Math.round(performance.now() - t0) });
    return answer.ok ? { ok: true, body: answer.json } : refusal(answer.name, answer.message);
  }

  private async sqlRequest(body: string): Promise<{ ok: boolean; body: string }> {
    const left = this.call.timeoutMs - (performance.now() - this.startedAt);
    this.abort ??= this.startDeadline();
    const { answer, effect } = await sqlHostRequest(this.deps, { toolName: this.call.toolName, declared: this.call.capabilities.sql ?? [] }, body, left, this.abort.signal);
    if (effect) this.effects.push(effect);
    return answer;
  }

  private async fetch(body: string): Promise<{ ok: boolean; body: string }> {
    const { toolName, capabilities } = this.call;
    const config = this.deps.config.capabilities.fetch;
    const manifest = capabilities.fetch ?? [];
    if (manifest.length === 0) {
      return refusal(
        'CapabilityError',
        `fetch is not available to tool ${toolName}: it declares no capabilities.fetch. Add the hosts it needs with update_tool, e.g. capabilities: { fetch: ["api.example.com"] } ` +
          `(${config.allow.length === 0 ? 'this server allows no fetch at all: the host must first add hosts to capabilities.fetch.allow in its config' : `this server allows: ${config.allow.join(', ')}`}).`,
      );
    }
    if (this.fetches >= config.maxRequestsPerCall) {
      return refusal('CapabilityError', `fetch: this call has made ${this.fetches} requests, the most one call may make (capabilities.fetch.maxRequestsPerCall in the host's config). Fetch less per call, or page the work over several calls.`);
    }
    const left = config.maxBytesPerCall - this.receivedBytes;
    if (left <= 0) {
      return refusal('CapabilityError', `fetch: this call has received ${this.receivedBytes} bytes, the most one call may (capabilities.fetch.maxBytesPerCall in the host's config). Ask for less data (filters, pages).`);
    }
    const request = parseGuestRequest(body);
    if (request === null) return refusal('TypeError', 'fetch: the request could not be read.');
    this.fetches++;
    this.abort ??= this.startDeadline();
    const { outcome, audit } = await egressFetch(
      request,
      {
        tool: toolName,
        manifest,
        ceiling: config.allow,
        privateRanges: config.privateRanges,
        secrets: this.secrets.forTool(capabilities.secrets ?? []),
        declaredSecrets: capabilities.secrets ?? [],
      },
      {
        maxResponseBytes: config.maxResponseBytes,
        perCall: { maxBytes: config.maxBytesPerCall, received: this.receivedBytes },
        maxRedirects: config.maxRedirects,
        maxRequestBytes: config.maxRequestBytes,
        signal: this.abort.signal,
      },
    );
    if (!('refused' in outcome) && this.receivedBytes + outcome.body.length > config.maxBytesPerCall) {
      // Fetches made in parallel each started with the room left then: the one that lands past
      // the call's bound is refused here, so the call never receives more than it.
      audit[audit.length - 1] = { ...audit[audit.length - 1]!, refused: 'too large' };
      this.effects.push(...audit);
      const at = URL.canParse(outcome.url) ? new URL(outcome.url) : null;
      const where = at ? `${at.origin}${at.pathname}` : 'the server';
      return refusal('CapabilityError', callBytesMessage(where, { maxBytes: config.maxBytesPerCall, received: this.receivedBytes }));
    }
    this.effects.push(...audit);
    if ('refused' in outcome) return refusal(outcome.name, outcome.message);
    this.receivedBytes += outcome.body.length;
    return { ok: true, body: JSON.stringify(outcome) };
  }

  /** The requests of a call never outlive it: aborted at finish(), or after its time limit if that never comes. */
  private startDeadline(): AbortController {
    const controller = new AbortController();
    this.deadline = setTimeout(() => controller.abort(), this.call.timeoutMs + this.deps.config.sandbox.killGraceMs);
    this.deadline.unref();
    return controller;
  }
}

function refusal(name: string, message: string): { ok: false; body: string } {
  return { ok: false, body: JSON.stringify({ name, message }) };
}


/** The prelude's request (sandbox/capabilities/fetch.ts), checked field by field: it comes from the sandbox. */
function parseGuestRequest(text: string): GuestFetchRequest | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const headers = r['headers'];
  if (typeof r['url'] !== 'string' || typeof r['method'] !== 'string' || !Array.isArray(headers)) return null;
  if (!headers.every((h): h is [string, string] => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string')) return null;
  const body = r['body'];
  if (body !== null && typeof body !== 'string') return null;
  const redirect = r['redirect'];
  if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') return null;
  return { url: r['url'], method: r['method'], headers, body, redirect };
}
