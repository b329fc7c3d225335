/**
 * The refusals of tenant quotas. Each names the quota and its limit, tells the caller what to
 * do (wait, retry after, delete), and the host which setting to raise.
 */
import { AppError } from '../errors.js';

export type QuotaName = 'tools' | 'sourceBytes' | 'callsPerMinute' | 'concurrentCalls' | 'logRows' | 'httpSessions';

/** The config key of a tenant's quota, as the host writes it. */
export function quotaSetting(tenant: string, quota: QuotaName): string {
  return `tenants.${tenant}.quotas.${quota}`;
}

function refusal(tenant: string, quota: QuotaName, limit: number, state: string, callerAdvice: string, hostAdvice = 'The host can raise', cause?: unknown): AppError {
  const message = `Quota ${quota} of tenant \`${tenant}\` reached: ${state} (limit ${limit}). ${callerAdvice} ${hostAdvice} ${quotaSetting(tenant, quota)} in the config file.`;
  return new AppError('QUOTA_EXCEEDED', message, cause === undefined ? {} : { cause });
}

/** `cause`: the engine's TOO_MANY_TOOLS, which counted inside its write transaction. */
export function toolsExceeded(tenant: string, limit: number, cause?: unknown): AppError {
  return refusal(tenant, 'tools', limit, `it has ${limit} live tools`, 'Delete tools you no longer need (delete_tool), then create again.', undefined, cause);
}

export function sourceBytesExceeded(tenant: string, limit: number, bytes: number): AppError {
  return refusal(tenant, 'sourceBytes', limit, `this tool's source is ${bytes} bytes`, 'Shorten the source or split the tool; move data into its arguments.');
}

export function callsPerMinuteExceeded(tenant: string, limit: number, retryAfterSeconds: number): AppError {
  return refusal(tenant, 'callsPerMinute', limit, `${limit} calls started in the last 60 s`, `Retry after ${retryAfterSeconds} s; nothing was run or logged.`);
}

export function concurrentCallsExceeded(tenant: string, limit: number): AppError {
  return refusal(tenant, 'concurrentCalls', limit, `${limit} calls are in progress`, 'Wait for one of them to finish, then retry; nothing was run or logged.');
}

export function logRowsExceeded(tenant: string, limit: number): AppError {
  return refusal(
    tenant,
    'logRows',
    limit,
    `its execution log holds ${limit} rows`,
    'Calls are refused until old rows are pruned; retry later (nothing was run).',
    'The host can prune the log (retention.maxRowsPerPersona below the quota, or `chameleon logs prune`), or raise',
  );
}

/** An HTTP session refused (429): the message, and when an idle session of the tenant expires. */
export function httpSessionsExceeded(tenant: string, limit: number, retryAfterSeconds: number): string {
  return refusal(
    tenant,
    'httpSessions',
    limit,
    `${limit} sessions are open`,
    `End sessions you no longer use (DELETE /mcp with their Mcp-Session-Id), or retry after ${retryAfterSeconds} s, when an idle one expires.`,
  ).message;
}
