/*
 * The realm's intrinsics, named as SES's permits name them ('%ArrayPrototype%', '%InitialDate%').
 *
 * SES names some objects twice: a "start compartment" version with powers and a "shared"
 * powerless one (%InitialDate% / %SharedDate%), and "inert" constructors it installs in place of
 * Function's kin. This realm has one of each (every call gets the same frozen realm, and no
 * compartments are made), so one object can answer to several names. Each object is visited
 * under its PRIMARY name only (the first it is given below), so one set of permits decides
 * what it keeps; every other name is an ALIAS, used when a permit says "this property holds
 * %X%" or "the prototype is %X%".
 */
import { initialGlobalPropertyNames, universalPropertyNames } from 'ses/src/permits.js';
import { CHAMELEON_GLOBAL_NAMES, INTL_SERVICES, PERMITS } from './permits.js';

export interface Intrinsics {
  /** Primary name -> object, in visiting order. */
  primary: Map<string, object>;
  /** Every name (primary or alias) -> object. */
  byName: Map<string, unknown>;
}

const { getOwnPropertyDescriptor } = Object;
const protoOf = (value: unknown): object => Object.getPrototypeOf(value) as object;
const constructorOf = (value: unknown): { prototype: unknown } => (protoOf(value) as { constructor: { prototype: unknown } }).constructor;
const hasOwn = (obj: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/**
 * The globals this realm has, with the permit names they go by. Symbol, eval and Function are
 * named as SES names them on a global; Symbol is SES's shared (powerless) one: its registry is
 * the only state it has, and registered symbols carry no data a later call can enumerate.
 */
const GLOBAL_NAMES: Record<string, string> = {
  ...universalPropertyNames,
  ...initialGlobalPropertyNames,
  Symbol: '%SharedSymbol%',
  eval: '%UniqueEval%',
  Function: '%UniqueFunction%',
  ...CHAMELEON_GLOBAL_NAMES,
};

/** Names under which SES's permits refer to an object this realm has under another name. */
const ALIASES: Record<string, string> = {
  '%SharedDate%': '%InitialDate%',
  '%SharedError%': '%InitialError%',
  '%SharedRegExp%': '%InitialRegExp%',
  '%SharedMath%': '%InitialMath%',
  '%InitialSymbol%': '%SharedSymbol%',
  '%InertFunction%': '%UniqueFunction%',
};

/** The objects reachable only through syntax or through what built-ins return (SES's getAnonymousIntrinsics, plus Intl's). */
function anonymousIntrinsics(): Record<string, unknown> {
  const ArrayIteratorPrototype = protoOf([][Symbol.iterator]());
  const GeneratorFunction = constructorOf(function* () {});
  const AsyncGeneratorFunction = constructorOf(async function* () {});
  const AsyncGeneratorPrototype = (AsyncGeneratorFunction.prototype as { prototype: unknown }).prototype;
  // A strict function's arguments object: its callee is an accessor whose getter is %ThrowTypeError%.
  const strictArguments = (function (): IArguments {
    'use strict';
    // eslint-disable-next-line prefer-rest-params
    return arguments;
  })();
  const found: Record<string, unknown> = {
    // eslint-disable-next-line @typescript-eslint/unbound-method
    '%ThrowTypeError%': getOwnPropertyDescriptor(strictArguments, 'callee')?.get,
    '%ArrayIteratorPrototype%': ArrayIteratorPrototype,
    '%IteratorPrototype%': protoOf(ArrayIteratorPrototype),
    '%StringIteratorPrototype%': protoOf(''[Symbol.iterator]()),
    '%RegExpStringIteratorPrototype%': protoOf(/./[Symbol.matchAll]('')),
    '%MapIteratorPrototype%': protoOf(new Map().entries()),
    '%SetIteratorPrototype%': protoOf(new Set().values()),
    '%TypedArray%': protoOf(Float64Array),
    '%InertGeneratorFunction%': GeneratorFunction,
    '%Generator%': GeneratorFunction.prototype,
    '%InertAsyncFunction%': constructorOf(async function () {}),
    '%InertAsyncGeneratorFunction%': AsyncGeneratorFunction,
    '%AsyncGenerator%': AsyncGeneratorFunction.prototype,
    '%AsyncGeneratorPrototype%': AsyncGeneratorPrototype,
    '%AsyncIteratorPrototype%': protoOf(AsyncGeneratorPrototype),
    // Reachable only through the objects Intl.Segmenter's segment() returns.
    '%IntlSegmentsPrototype%': protoOf(new Intl.Segmenter().segment('')),
    '%IntlSegmentIteratorPrototype%': protoOf(new Intl.Segmenter().segment('')[Symbol.iterator]()),
  };
  for (const service of INTL_SERVICES) found[`%Intl${service}%`] = (Intl as unknown as Record<string, unknown>)[service];
  const IteratorCtor = (globalThis as { Iterator?: { from(x: unknown): { take(n: number): object } } }).Iterator;
  if (IteratorCtor) {
    found['%IteratorHelperPrototype%'] = protoOf(IteratorCtor.from([]).take(0));
    found['%WrapForValidIteratorPrototype%'] = protoOf(IteratorCtor.from({ next: () => ({ value: undefined, done: true }) }));
  }
  return found;
}

export function collectIntrinsics(global: typeof globalThis): Intrinsics {
  const primary = new Map<string, object>();
  const byName = new Map<string, unknown>();
  const seen = new Set<unknown>();
  const add = (name: string, value: unknown): void => {
    if (value === undefined || byName.has(name)) return;
    byName.set(name, value);
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      if (!seen.has(value)) {
        seen.add(value);
        primary.set(name, value);
      }
    }
  };
  for (const [globalName, name] of Object.entries(GLOBAL_NAMES)) {
    if (hasOwn(global, globalName)) add(name, (global as unknown as Record<string, unknown>)[globalName]);
  }
  for (const [name, value] of Object.entries(anonymousIntrinsics())) add(name, value);
  for (const [alias, name] of Object.entries(ALIASES)) if (byName.has(name)) add(alias, byName.get(name));
  // An intrinsic's .prototype gets the name its permit gives it (SES's completePrototypes).
  for (const [name, value] of [...primary]) {
    if (!hasOwn(value, 'prototype')) continue;
    const permit = PERMITS[name];
    const protoName = typeof permit === 'object' && permit !== null && !('get' in permit) ? permit['prototype'] : undefined;
    if (typeof protoName === 'string') add(protoName, (value as { prototype: unknown }).prototype);
  }
  return { primary, byName };
}

export { GLOBAL_NAMES };
