/*
 * Which values JSON cannot carry faithfully. JSON.stringify throws on a cycle or a BigInt, but
 * it silently drops functions and symbols, turns a Map, Set, Promise, Error or RegExp into {}
 * and NaN or Infinity into null: a tool returning one would "succeed" with a wrong answer. So
 * the result (and each property kept from an error) is walked first, and the first such value
 * is named with its path and how to return it instead.
 */
import {
  ArrayBufferCtor,
  DataViewCtor,
  getPrototypeOf,
  isArray,
  isFinite,
  MapCtor,
  ObjectPrototype,
  objectToString,
  ownKeys,
  PromiseCtor,
  RegExpCtor,
  SetCtor,
  TypedArrayCtor,
  WeakMapCtor,
  WeakSetCtor,
} from './intrinsics.js';
import { isError, isInstance, safeGet } from './values.js';

const MAX_DEPTH = 256;

export interface JsonProblem {
  /** `result.rows[2].total` */
  path: string;
  /** `is NaN, which JSON turns into null: ...` */
  problem: string;
}

/**
 * The first value under `root` that JSON would refuse or change, or null when there is none
 * (or when the walk ran out of its `maxNodes` budget first: JSON.stringify still refuses cycles
 * and BigInts past it). Getters and Proxy traps of the value run, and may throw.
 */
export function findJsonProblem(root: unknown, rootName: string, maxNodes: number): JsonProblem | null {
  // Most results are small and clean: flat values need no walk at all, and the path of a
  // problem is spelled out only once one is found (not for every node on the way).
  switch (typeof root) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return null;
    case 'number':
      return isFinite(root) ? null : { path: rootName, problem: nonFinite(root) };
    default:
      if (root === null) return null;
  }
  const seen = new SetCtor<object>();
  const trail: string[] = [];
  let budget = maxNodes;
  const walk = (value: unknown, depth: number): string | null => {
    if (--budget < 0) return null;
    switch (typeof value) {
      case 'number':
        return isFinite(value) ? null : nonFinite(value);
      case 'function':
        return 'is a function';
      case 'symbol':
        return 'is a symbol';
      case 'bigint':
        return 'is a BigInt (use a string or number)';
      case 'object': {
        if (value === null) return null;
        if (depth > MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels`;
        if (seen.has(value)) return 'is a circular reference';
        if (typeof safeGet(value, 'toJSON') === 'function') return null;
        const array = isArray(value);
        if (!array) {
          const special = unfaithfulObject(value);
          if (special !== null) return special;
        }
        seen.add(value);
        if (array) {
          const list = value as unknown[];
          for (let i = 0; i < list.length; i++) {
            const found = walk(list[i], depth + 1);
            if (found) {
              trail.push(`[${i}]`);
              return found;
            }
          }
        } else {
          const keys = ownKeys(value);
          for (let i = 0; i < keys.length; i++) {
            const key = keys[i]!;
            const found = walk(safeGet(value, key), depth + 1);
            if (found) {
              trail.push(`.${key}`);
              return found;
            }
          }
        }
        seen.delete(value);
        return null;
      }
      default:
        return null;
    }
  };
  const found = walk(root, 0);
  if (found === null) return null;
  let path = rootName;
  for (let i = trail.length - 1; i >= 0; i--) path += trail[i];
  return { path, problem: found };
}

function nonFinite(n: number): string {
  const text = n !== n ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  return `is ${text}, which JSON turns into null: return null, a string such as "${text}", or a finite number`;
}

/**
 * What an object that is not plain becomes in JSON, when that is not what it holds: only
 * objects whose prototype is not Object.prototype (or null) are looked at, so a plain object
 * costs one prototype read. Class instances and objects with toJSON (Date) are left as
 * JSON.stringify makes them.
 */
function unfaithfulObject(value: object): string | null {
  const proto: unknown = getPrototypeOf(value);
  if (proto === ObjectPrototype || proto === null) return null;
  if (isInstance(value, MapCtor)) return 'is a Map, which JSON turns into {}: return Object.fromEntries(map) for an object, or [...map] for its entries';
  if (isInstance(value, SetCtor)) return 'is a Set, which JSON turns into {}: return [...set]';
  if (isError(value)) return 'is an Error, which JSON turns into {}: throw it, or return { name: err.name, message: err.message }';
  if (isInstance(value, PromiseCtor) || typeof safeGet(value, 'then') === 'function') {
    return 'is a Promise, which JSON turns into {}: await it before returning it (await Promise.all(list) for a list of them)';
  }
  if (isInstance(value, RegExpCtor)) return 'is a RegExp, which JSON turns into {}: return regex.source, or String(regex)';
  if (isInstance(value, WeakMapCtor) || isInstance(value, WeakSetCtor)) {
    return 'is a WeakMap or WeakSet, which JSON turns into {}: keep the data in a Map and return Object.fromEntries(map)';
  }
  if (isInstance(value, ArrayBufferCtor) || isInstance(value, DataViewCtor)) {
    return 'is binary data, which JSON turns into {}: return Array.from(new Uint8Array(buffer)), or the bytes as a string';
  }
  if (isInstance(value, TypedArrayCtor)) {
    return `is a ${typedArrayName(value)}, which JSON turns into an object of indices: return Array.from(array)`;
  }
  return null;
}

function typedArrayName(value: object): string {
  try {
    return objectToString.call(value).slice(8, -1);
  } catch {
    return 'typed array';
  }
}
