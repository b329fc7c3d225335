/*
 * Reading guest values without letting them break the prelude: every read that can run guest
 * code (a getter, a Proxy trap, a toString) is caught here, and every text is capped.
 */
import { ErrorCtor, getOwnPropertyDescriptor, StringCtor } from './intrinsics.js';

export const MAX_NAME = 200;
export const MAX_MESSAGE = 4_000;
export const MAX_STACK = 16_000;

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[cut at ${max} characters]`;
}

/** String(value) that survives throwing toString/Symbol.toPrimitive. */
export function safeString(value: unknown, max: number): string {
  try {
    return cut(StringCtor(value), max);
  } catch {
    return '[unprintable value]';
  }
}

/** `value instanceof Ctor` that cannot throw (a Proxy's getPrototypeOf trap may). */
export function isInstance(value: unknown, Ctor: abstract new (...args: never[]) => unknown): boolean {
  try {
    return value instanceof Ctor;
  } catch {
    return false;
  }
}

/**
 * `value instanceof Error` that cannot throw. On a Proxy, instanceof runs the guest's
 * getPrototypeOf trap; if that throws inside describeThrown, the error would escape the
 * prelude and be copied to the host by isolated-vm, getters and all, outside the CPU limit
 * (test/security/thrown-proxy-escapes-prelude.test.ts).
 */
export function isError(value: unknown): value is Error {
  return isInstance(value, ErrorCtor);
}

export function safeGet(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** An own data property's value, without calling a getter; undefined when there is none. */
export function ownValue(obj: object, key: string): unknown {
  try {
    const desc = getOwnPropertyDescriptor(obj, key);
    return desc !== undefined && 'value' in desc ? desc.value : undefined;
  } catch {
    return undefined;
  }
}
