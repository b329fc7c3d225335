/*
 * What console.log prints for a value: Node's util.inspect, in small and on one line.
 * `Map(2) { 'a' => 1, 'b' => 2 }`, `Set(1) { 1 }`, `Point { x: 1 }`, an Error's stack (the host
 * maps its frames to the agent's lines), `[Getter]` for accessors (never called).
 *
 * Runs in the guest's own call, under its CPU limit, on values the guest made: every read that
 * can run guest code is guarded, the output stops growing at `max` characters (so a huge value
 * costs what its first `max` characters do), and anything unexpected falls back to String().
 */
import {
  dateGetTime,
  dateToISOString,
  DateCtor,
  ErrorCtor,
  fnToString,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  isArray,
  mapEntries,
  mapSize,
  MapCtor,
  ObjectPrototype,
  objectToString,
  ownKeys,
  PromiseCtor,
  RegExpCtor,
  setSize,
  setValues,
  SetCtor,
  TypedArrayCtor,
  WeakMapCtor,
  WeakSetCtor,
  ArrayBufferCtor,
} from './intrinsics.js';
import { cut, isInstance, ownValue, safeGet, safeString } from './values.js';

const MAX_DEPTH = 6;
const MAX_ITEMS = 100;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Thrown (and caught below) once the output is long enough: nothing more is read. Never leaves this file. */
const FULL = new ErrorCtor('inspect: output full');

/** A console argument: strings as they are, anything else inspected. */
export function inspectArgument(value: unknown, max: number): string {
  return typeof value === 'string' ? cut(value, max) : inspect(value, max);
}

export function inspect(value: unknown, max: number): string {
  let text = '';
  const seen: object[] = [];
  const put = (s: string): void => {
    text += s;
    if (text.length > max) throw FULL;
  };

  const entries = (open: string, close: string, count: number, each: (i: number) => boolean): void => {
    if (count === 0) {
      put(`${open}${close}`);
      return;
    }
    put(`${open} `);
    let shown = 0;
    for (let i = 0; i < count && shown < MAX_ITEMS; i++) {
      if (shown > 0) put(', ');
      if (each(i)) shown++;
    }
    if (count > shown) put(`${shown > 0 ? ', ' : ''}... ${count - shown} more item${count - shown === 1 ? '' : 's'}`);
    put(` ${close}`);
  };

  const properties = (obj: object, depth: number, prefix: string, skip: (key: string) => boolean): void => {
    let keys: string[];
    try {
      keys = ownKeys(obj);
    } catch {
      keys = [];
    }
    const shown = keys.filter((k) => !skip(k));
    entries(`${prefix}{`, '}', shown.length, (i) => {
      const key = shown[i]!;
      put(IDENTIFIER.test(key) ? key : quote(key));
      put(': ');
      let desc: PropertyDescriptor | undefined;
      try {
        desc = getOwnPropertyDescriptor(obj, key);
      } catch {
        desc = undefined;
      }
      if (desc === undefined) put('undefined');
      else if ('value' in desc) write(desc.value, depth + 1);
      else put(desc.get && desc.set ? '[Getter/Setter]' : desc.get ? '[Getter]' : '[Setter]');
      return true;
    });
  };

  const write = (v: unknown, depth: number): void => {
    switch (typeof v) {
      case 'string':
        put(quote(cut(v, max)));
        return;
      case 'number':
        put(v === 0 && 1 / v < 0 ? '-0' : `${v}`);
        return;
      case 'bigint':
        put(`${v}n`);
        return;
      case 'undefined':
        put('undefined');
        return;
      case 'boolean':
        put(v ? 'true' : 'false');
        return;
      case 'symbol':
        put(safeString(v, 200));
        return;
      case 'function':
        put(functionLabel(v));
        return;
      default:
        break;
    }
    if (v === null) {
      put('null');
      return;
    }
    const obj = v as object;
    if (seen.includes(obj)) {
      put('[Circular]');
      return;
    }
    if (isInstance(obj, ErrorCtor)) {
      writeError(obj as Error, depth);
      return;
    }
    let proto: unknown;
    try {
      proto = getPrototypeOf(obj);
    } catch {
      proto = ObjectPrototype;
    }
    const name = proto === null ? '[Object: null prototype]' : proto === ObjectPrototype ? '' : constructorName(proto);
    if (depth > MAX_DEPTH) {
      put(isArray(obj) ? '[Array]' : `[${name || 'Object'}]`);
      return;
    }
    seen.push(obj);
    try {
      writeObject(obj, depth, name);
    } finally {
      seen.pop();
    }
  };

  const writeObject = (obj: object, depth: number, name: string): void => {
    const prefix = name === '' ? '' : `${name} `;
    if (isArray(obj)) {
      const list = obj as unknown[];
      entries('[', ']', lengthOf(list), (i) => (write(safeGet(list, `${i}`), depth + 1), true));
      return;
    }
    if (isInstance(obj, MapCtor) && hasSlot(mapSize, obj)) {
      const size = mapSize.call(obj) as number;
      const it = mapEntries.call(obj as Map<unknown, unknown>);
      entries(`Map(${size}) {`, '}', size, () => {
        const step = it.next();
        if (step.done === true) return false;
        write(step.value[0], depth + 1);
        put(' => ');
        write(step.value[1], depth + 1);
        return true;
      });
      return;
    }
    if (isInstance(obj, SetCtor) && hasSlot(setSize, obj)) {
      const size = setSize.call(obj) as number;
      const it = setValues.call(obj as Set<unknown>);
      entries(`Set(${size}) {`, '}', size, () => {
        const step = it.next();
        if (step.done === true) return false;
        write(step.value, depth + 1);
        return true;
      });
      return;
    }
    if (isInstance(obj, DateCtor)) {
      try {
        const time = dateGetTime.call(obj as Date);
        put(time === time ? dateToISOString.call(obj as Date) : 'Invalid Date');
        return;
      } catch {
        // Not a real Date (only its prototype is): shown as the object it is.
      }
    }
    if (isInstance(obj, RegExpCtor)) return put(safeString(obj, 1_000));
    if (isInstance(obj, PromiseCtor)) return put(`${prefix}{}`);
    if (isInstance(obj, WeakMapCtor) || isInstance(obj, WeakSetCtor)) return put(`${name} { <items unknown> }`);
    if (isInstance(obj, ArrayBufferCtor)) return put(`ArrayBuffer { byteLength: ${safeString(safeGet(obj, 'byteLength'), 20)} }`);
    if (isInstance(obj, TypedArrayCtor)) {
      const list = obj as unknown as ArrayLike<unknown>;
      const count = lengthOf(list);
      entries(`${tagOf(obj)}(${count}) [`, ']', count, (i) => (write(safeGet(list, `${i}`), depth + 1), true));
      return;
    }
    properties(obj, depth, prefix, () => false);
  };

  /**
   * The stack (whose frames the host maps to the agent's lines), then on a line of its own the
   * own properties and the cause, as Node shows them (`{ code: 'E_X', [cause]: ... }`).
   */
  const writeError = (err: Error, depth: number): void => {
    const stack = safeGet(err, 'stack');
    put(typeof stack === 'string' ? stack : `${safeString(safeGet(err, 'name'), 200)}: ${safeString(safeGet(err, 'message'), max)}`);
    if (depth > MAX_DEPTH) return;
    let keys: string[];
    try {
      keys = ownKeys(err).filter((k) => k !== 'stack' && k !== 'message');
    } catch {
      keys = [];
    }
    const cause = ownValue(err, 'cause');
    if (keys.length === 0 && cause === undefined) return;
    seen.push(err);
    try {
      const count = keys.length + (cause === undefined ? 0 : 1);
      entries('\n{', '}', count, (i) => {
        if (i < keys.length) {
          const key = keys[i]!;
          put(IDENTIFIER.test(key) ? key : quote(key));
          put(': ');
          write(ownValue(err, key), depth + 1);
        } else {
          put('[cause]: ');
          write(cause, depth + 1);
        }
        return true;
      });
    } finally {
      seen.pop();
    }
  };

  try {
    write(value, 0);
    return text;
  } catch (stop) {
    if (stop === FULL) return cut(text, max);
    return safeString(value, max);
  }
}

function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return q + s.replace(/[\\'"\n\r\t\u0000-\u001f\u007f]/g, (c) => escape(c, q)) + q;
}

function escape(c: string, q: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case "'":
    case '"':
      return c === q ? `\\${c}` : c;
    default:
      return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
}

function functionLabel(fn: unknown): string {
  let source = '';
  try {
    source = fnToString.call(fn as () => void);
  } catch {
    source = '';
  }
  const name = safeGet(fn as object, 'name');
  const named = typeof name === 'string' && name !== '' ? cut(name, 200) : '';
  if (source.startsWith('class')) return named ? `[class ${named}]` : '[class (anonymous)]';
  return named ? `[Function: ${named}]` : '[Function (anonymous)]';
}

/** `Point` for an instance of class Point; '' when the constructor has no usable name. */
function constructorName(proto: unknown): string {
  const ctor = safeGet(proto as object, 'constructor');
  const name = typeof ctor === 'function' ? safeGet(ctor, 'name') : undefined;
  return typeof name === 'string' ? cut(name, 200) : '';
}

/** `Uint8Array` from `[object Uint8Array]`. */
function tagOf(obj: object): string {
  try {
    return objectToString.call(obj).slice(8, -1);
  } catch {
    return 'TypedArray';
  }
}

function lengthOf(list: ArrayLike<unknown>): number {
  const length = safeGet(list, 'length');
  return typeof length === 'number' && length >= 0 ? length : 0;
}

/** Whether `obj` has the internal slot `getter` reads (a real Map or Set, not one by prototype only). */
function hasSlot(getter: () => unknown, obj: object): boolean {
  try {
    getter.call(obj);
    return true;
  } catch {
    return false;
  }
}
