/*
 * What the host learns of a thrown value: an Error's name, message and stack, its JSON-safe
 * own properties (code, status, details), its cause chain and an AggregateError's members, each
 * with its own stack; for anything else, its type, its JSON, and where it was thrown.
 *
 * The thrown value is the guest's: getters, Proxy traps, cycles and huge values are expected.
 * Everything is read here, inside the isolate and under the call's CPU limit, through guarded
 * reads (accessors are never called, except name/message/stack, which V8's own errors need),
 * and within fixed budgets: the host only ever gets the capped text this file writes.
 */
import { AggregateErrorCtor, ErrorCtor, getOwnPropertyDescriptor, is, isArray, ownKeys, SetCtor, stringify } from './intrinsics.js';
import type { DescribedError, GuestFailure, ThrownValue } from './envelope.js';
import { UNDESCRIBABLE } from './envelope.js';
import { findJsonProblem } from './json-check.js';
import { cut, isError, isInstance, MAX_MESSAGE, MAX_NAME, MAX_STACK, ownValue, safeGet, safeString } from './values.js';

/** Errors described besides the thrown one (causes and members, all levels together). */
const MAX_LINKED = 16;
/** Members of one AggregateError that are described. */
const MAX_MEMBERS = 10;
const LINKED_MESSAGE = 1_000;
const LINKED_STACK = 4_000;
const MAX_PROPERTIES = 20;
/** Own keys looked at for them: an error with a million properties is not walked to the end. */
const MAX_KEYS_EXAMINED = 100;
/** One property's JSON; a longer one is replaced by a note of its length. */
const MAX_PROPERTY_JSON = 1_000;
/** Nodes walked to check one property value: a property is a small fact, not a data set. */
const PROPERTY_NODES = 2_000;

/**
 * Where the latest value that is not an Error was thrown. The compiler turns every `throw x`
 * of a tool into `throw __chameleon_throw(x)` (src/compiler/throw-sites.ts), and that is
 * `recordThrow`: it returns x unchanged, and when x is not an Error (which has a stack of its
 * own) it takes a stack at the throw. The latest throw wins: what escaped the handler is the
 * value thrown last (a rethrow in a `catch` included). Cleared at the start of every call.
 */
let lastThrow: { value: unknown; at: Error } | null = null;

// An arrow function: it has no `prototype` object, which freezing the function would not freeze.
export const recordThrow = (value: unknown): unknown => {
  if (!isError(value)) lastThrow = { value, at: new ErrorCtor() };
  return value;
};

export function forgetThrows(): void {
  lastThrow = null;
}

/** describeThrown that never throws: what the guest threw must never leave the prelude. */
export function describeSafely(thrown: unknown): GuestFailure {
  try {
    return describeThrown(thrown);
  } catch {
    return UNDESCRIBABLE;
  } finally {
    lastThrow = null;
  }
}

function describeThrown(thrown: unknown): GuestFailure {
  const budget = { linked: MAX_LINKED, seen: new SetCtor<unknown>() };
  if (isError(thrown)) return { kind: 'exception', thrown: 'error', ...describeError(thrown, MAX_MESSAGE, MAX_STACK, budget) };
  const value = thrownValue(thrown);
  return {
    kind: 'exception',
    thrown: 'value',
    name: `thrown ${value.type}`,
    message: value.json,
    stack: throwSite(thrown, value.type),
    value,
  };
}

/**
 * The stack taken where `thrown` was thrown, headed `thrown <type>` (the value itself is in
 * the message: the header stays one line of ours), or null when no throw site saw it
 * (`Promise.reject('x')`, or code compiled before throw sites were recorded).
 */
function throwSite(thrown: unknown, type: string): string | null {
  const site = lastThrow;
  if (site === null || !is(site.value, thrown)) return null;
  const stack = safeGet(site.at, 'stack');
  if (typeof stack !== 'string') return null;
  const frames = stack.indexOf('\n');
  return frames < 0 ? null : cut(`thrown ${type}${stack.slice(frames)}`, MAX_STACK);
}

interface Budget {
  linked: number;
  seen: Set<unknown>;
}

function describeError(err: Error, maxMessage: number, maxStack: number, budget: Budget): DescribedError {
  budget.seen.add(err);
  const stack = safeGet(err, 'stack');
  const described: DescribedError = {
    name: safeString(safeGet(err, 'name'), MAX_NAME) || 'Error',
    message: safeString(safeGet(err, 'message'), maxMessage),
    stack: typeof stack === 'string' ? cut(stack, maxStack) : null,
  };
  const aggregate = isInstance(err, AggregateErrorCtor);
  const properties = propertiesOf(err, aggregate);
  if (properties !== null) described.properties = properties;
  const cause = ownValue(err, 'cause');
  if (cause !== undefined) {
    const linked = describeLinked(cause, budget);
    if (linked !== null) described.cause = linked;
  }
  if (aggregate) describeMembers(err, described, budget);
  return described;
}

function describeMembers(err: Error, into: DescribedError, budget: Budget): void {
  const members = ownValue(err, 'errors');
  let count = 0;
  try {
    if (!isArray(members)) return;
    const length = safeGet(members, 'length');
    count = typeof length === 'number' ? length : 0;
  } catch {
    return;
  }
  const errors: DescribedError[] = [];
  for (let i = 0; i < count && errors.length < MAX_MEMBERS; i++) {
    const linked = describeLinked(safeGet(members as object, `${i}`), budget);
    if (linked === null) break;
    errors.push(linked);
  }
  into.errors = errors;
  if (count > errors.length) into.errorsOmitted = count - errors.length;
}

/** A cause or member: described with smaller caps, once (a cycle ends in a note), while the budget lasts. */
function describeLinked(value: unknown, budget: Budget): DescribedError | null {
  if (budget.linked <= 0) return null;
  budget.linked--;
  if (budget.seen.has(value) && typeof value === 'object') {
    return { name: safeString(safeGet(value as object, 'name'), MAX_NAME), message: safeString(safeGet(value as object, 'message'), LINKED_MESSAGE), stack: null, circular: true };
  }
  if (isError(value)) return describeError(value, LINKED_MESSAGE, LINKED_STACK, budget);
  const described = thrownValue(value, LINKED_MESSAGE);
  return { name: described.type, message: described.json, stack: null, value: described };
}

/**
 * The error's own enumerable data properties whose values JSON keeps as they are, as the JSON
 * text of one object; null when there are none. Never calls a getter.
 */
function propertiesOf(err: Error, aggregate: boolean): string | null {
  let keys: string[];
  try {
    keys = ownKeys(err);
  } catch {
    return null;
  }
  let json = '';
  let kept = 0;
  for (let i = 0; i < keys.length && i < MAX_KEYS_EXAMINED && kept < MAX_PROPERTIES; i++) {
    const key = keys[i]!;
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause' || (aggregate && key === 'errors')) continue;
    const text = propertyJson(err, key);
    if (text === null) continue;
    json += `${kept === 0 ? '' : ','}${stringify(cut(key, MAX_NAME))}:${text}`;
    kept++;
  }
  return kept === 0 ? null : `{${json}}`;
}

function propertyJson(err: Error, key: string): string | null {
  try {
    const desc = getOwnPropertyDescriptor(err, key);
    if (desc === undefined || !('value' in desc)) return null;
    const value: unknown = desc.value;
    if (value === undefined || findJsonProblem(value, key, PROPERTY_NODES) !== null) return null;
    const json = stringify(value);
    if (typeof json !== 'string') return null;
    return json.length <= MAX_PROPERTY_JSON ? json : stringify(`[${json.length} characters of JSON, left out]`);
  } catch {
    return null;
  }
}

/** A value that is not an Error: its type, and its JSON (cycles marked, BigInts and functions as text). */
function thrownValue(value: unknown, max = MAX_MESSAGE): ThrownValue {
  const type = value === null ? 'null' : typeof value;
  switch (typeof value) {
    case 'string':
      return { type, json: stringify(cut(value, max)) };
    case 'bigint':
      return { type, json: `${safeString(value, max)}n` };
    case 'function':
      return { type, json: `[Function ${safeString(safeGet(value, 'name'), MAX_NAME) || '(anonymous)'}]` };
    case 'object':
      return { type, json: value === null ? 'null' : jsonPreview(value, max) };
    default:
      return { type, json: safeString(value, max) };
  }
}

function jsonPreview(value: object, max: number): string {
  try {
    const seen = new SetCtor<unknown>();
    const json = stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${safeString(v, 100)}n`;
      if (typeof v === 'function') return `[Function ${safeString(safeGet(v, 'name'), MAX_NAME)}]`;
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
    return cut(json ?? safeString(value, max), max);
  } catch {
    return safeString(value, max);
  }
}
