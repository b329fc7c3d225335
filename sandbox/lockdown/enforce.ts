/*
 * Removes every property of every intrinsic that the permits (permits.ts) do not allow, and
 * checks that what stays is what its permit says: the right prototype, the right kind of value,
 * the very intrinsic a permit names. A port of SES's removeUnpermittedIntrinsics
 * (ses/src/permits-intrinsics.js) with two differences, both because this realm is not tamed
 * by SES first: each object is visited once, under its primary name (intrinsics.ts), and a
 * property whose kind differs from its permit is removed rather than failing the lockdown,
 * unless KEEP_AS_DATA keeps it. A property that cannot be removed fails the lockdown: no tool
 * code ever runs in a realm that kept something unpermitted.
 */
import { FunctionInstance, isAccessorPermit, type Permit, type PermitRecord } from 'ses/src/permits.js';
import type { Intrinsics } from './intrinsics.js';
import { ANY_MEMBERS, KEEP_AS_DATA, PERMITS } from './permits.js';

const { getPrototypeOf, getOwnPropertyDescriptor } = Object;
const { ownKeys, deleteProperty } = Reflect;
const hasOwn = (obj: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(obj, key);
const PRIMITIVES = new Set(['undefined', 'boolean', 'number', 'string', 'symbol', 'bigint']);

/** Well-known symbols by the names permits use for them ('@@iterator'). */
function wellKnownSymbols(): Map<symbol, string> {
  const names = new Map<symbol, string>();
  for (const key of Object.getOwnPropertyNames(Symbol)) {
    const value = (Symbol as unknown as Record<string, unknown>)[key];
    if (typeof value === 'symbol') names.set(value, `@@${key}`);
  }
  return names;
}

export function removeUnpermitted(intrinsics: Intrinsics): void {
  const wellKnown = wellKnownSymbols();

  const nameOf = (prop: string | symbol): string => {
    if (typeof prop === 'string') return prop;
    const known = wellKnown.get(prop);
    if (known) return known;
    const registered = Symbol.keyFor(prop);
    return registered === undefined ? `Unique${String(prop)}` : `RegisteredSymbol(${registered})`;
  };

  const remove = (obj: object, prop: string | symbol, path: string): void => {
    if (!deleteProperty(obj, prop)) throw new TypeError(`Chameleon lockdown failed: cannot remove ${path}`);
  };

  const checkPrototype = (path: string, obj: object, protoName: Permit | undefined): void => {
    const proto: unknown = getPrototypeOf(obj);
    if (proto === null && protoName === null) return;
    const expected = typeof protoName === 'string' ? protoName : '%ObjectPrototype%';
    if (proto !== intrinsics.byName.get(expected)) throw new TypeError(`Chameleon lockdown failed: unexpected prototype at ${path} (expected ${expected})`);
  };

  /** Is `value` (at `path`) what `permit` allows? Records are visited in turn. */
  const allowedValue = (path: string, value: unknown, permit: Permit): boolean => {
    if (permit === false) return false;
    if (typeof permit === 'object') {
      if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return false;
      visit(path, value, permit);
      return true;
    }
    if (permit === 'any') return true;
    if (PRIMITIVES.has(permit)) return typeof value === permit;
    return intrinsics.byName.has(permit) && intrinsics.byName.get(permit) === value;
  };

  const allowedProperty = (path: string, obj: object, prop: string | symbol, permit: Permit): boolean => {
    const desc = getOwnPropertyDescriptor(obj, prop);
    if (!desc) return true;
    if ('value' in desc) {
      if (isAccessorPermit(permit)) return KEEP_AS_DATA[path] !== undefined && typeof desc.value === KEEP_AS_DATA[path];
      return allowedValue(path, desc.value, permit);
    }
    if (!isAccessorPermit(permit)) return permit === 'any';
    // The accessor functions are checked as values, never called.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    return allowedValue(`${path}<get>`, desc.get, permit.get) && allowedValue(`${path}<set>`, desc.set, permit.set);
  };

  const visit = (path: string, obj: object, permit: PermitRecord): void => {
    checkPrototype(path, obj, permit['[[Proto]]']);
    for (const prop of ownKeys(obj)) {
      const name = nameOf(prop);
      const key = name === '__proto__' ? '--proto--' : name;
      const subPath = `${path}.${name}`;
      let sub: Permit | undefined = hasOwn(permit, key) ? permit[key] : undefined;
      if (sub === undefined && typeof obj === 'function' && hasOwn(FunctionInstance, key)) sub = FunctionInstance[key];
      if (sub === undefined && hasOwn(permit, ANY_MEMBERS)) sub = 'any';
      if (sub === undefined || !allowedProperty(subPath, obj, prop, sub)) remove(obj, prop, subPath);
    }
  };

  for (const [name, obj] of intrinsics.primary) {
    const permit = PERMITS[name];
    if (typeof permit === 'object' && permit !== null && !isAccessorPermit(permit)) visit(name, obj, permit);
    else if (typeof permit === 'object' && isAccessorPermit(permit)) throw new TypeError(`Chameleon lockdown failed: ${name} has an accessor permit`);
    else if (permit !== undefined && typeof obj === 'function') visit(name, obj, FunctionInstance);
    else throw new TypeError(`Chameleon lockdown failed: no permit for ${name}`);
  }
}
