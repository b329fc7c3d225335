/**
 * Request, configuration and host faults. Guest faults (a tool that throws, loops or
 * returns garbage) are never AppErrors: they are `Failure` values, see model.ts.
 *
 * Messages are written for the reader we usually have, an agent: say what happened and
 * what to do next.
 */
export const USER_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_NAME',
  'RESERVED_NAME',
  'TOOL_EXISTS',
  'TOOL_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'EXECUTION_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_TOOLS',
  'INVALID_CONFIG',
  'CAPABILITY_REFUSED',
  /** A tenant's quota (tenants/quota-errors.ts): the message names it, its limit and what to do. */
  'QUOTA_EXCEEDED',
] as const;

export const SYSTEM_ERROR_CODES = [
  'INTEGRITY',
  'SANDBOX_UNAVAILABLE',
  /** strict_types asked for a type check the checker could not give (issue 17). */
  'TYPECHECK_UNAVAILABLE',
  'STORE_FAILURE',
  'INTERNAL',
] as const;

export type UserErrorCode = (typeof USER_ERROR_CODES)[number];
export type SystemErrorCode = (typeof SYSTEM_ERROR_CODES)[number];
export type ErrorCode = UserErrorCode | SystemErrorCode;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** `user`: the caller can fix it. `system`: the host is at fault. */
  readonly kind: 'user' | 'system';

  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.kind = (USER_ERROR_CODES as readonly string[]).includes(code) ? 'user' : 'system';
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
