/*
 * `ctx.kv`: the tool's persistent key-value store, kept by the server process in its database
 * (src/capabilities/kv/). Values are JSON: `set` serialises here, in the tool's realm and under
 * its CPU limit, and the server checks the text and its quotas. A call's writes are committed
 * with its log row, so a call that fails leaves nothing behind.
 *
 * One frozen object serves every call of the realm: it holds no state (each operation is a
 * request of the running call).
 */
import { ErrorCtor, freeze, parse, PromiseCtor, stringify } from '../prelude/intrinsics.js';
import { attempt, hostRequest, located } from './host-requests.js';

const TypeErrorCtor = TypeError;

export interface Kv {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(options?: { prefix?: string; limit?: number }): Promise<{ keys: string[]; truncated: boolean }>;
}

function keyOf(method: string, key: unknown): string {
  if (typeof key !== 'string') throw new TypeErrorCtor(`kv.${method}: the key must be a string, not ${key === null ? 'null' : typeof key}.`);
  return key;
}

export function createKv(): Kv {
  // The object and each function are frozen: one serves every call of the realm, so a property
  // a tool hung on `ctx.kv.get` would reach the next call.
  const kv: Kv = {
    get: (key: string) =>
      attempt(() =>
        hostRequest('kv.get', stringify({ key: keyOf('get', key) })).then((text) => {
          const answer = parse(text) as { found: boolean; value?: unknown };
          return answer.found ? answer.value : undefined;
        }),
      ),
    set: (key: string, value: unknown) =>
      attempt(() => {
        const name = keyOf('set', key);
        const site = new ErrorCtor();
        const json = stringify(value) as string | undefined;
        if (json === undefined) {
          return PromiseCtor.reject(located(site, 'TypeError', `kv.set(${stringify(name.slice(0, 100))}): the value is ${typeof value}, which JSON cannot store. Store null, or delete the key.`));
        }
        return hostRequest('kv.set', stringify({ key: name, value: json })).then(() => undefined);
      }),
    delete: (key: string) =>
      attempt(() => hostRequest('kv.delete', stringify({ key: keyOf('delete', key) })).then((text) => (parse(text) as { deleted: boolean }).deleted === true)),
    list: (options?: { prefix?: string; limit?: number }) =>
      attempt(() => {
        const prefix = options?.prefix ?? '';
        const limit = options?.limit;
        if (typeof prefix !== 'string') throw new TypeErrorCtor('kv.list: prefix must be a string.');
        if (limit !== undefined && (typeof limit !== 'number' || !(limit >= 1))) throw new TypeErrorCtor('kv.list: limit must be a number of at least 1.');
        return hostRequest('kv.list', stringify(limit === undefined ? { prefix } : { prefix, limit })).then((text) => {
          const answer = parse(text) as { keys: string[]; truncated: boolean };
          return freeze({ keys: answer.keys, truncated: answer.truncated === true });
        });
      }),
  };
  for (const method of Object.values(kv)) freeze(method);
  return freeze(kv);
}

/**
 * `ctx.secret(name)`: the placeholder the server substitutes with the secret's value on
 * requests to the secret's hosts. The value never enters the sandbox process; the placeholder
 * is plain text the tool may put in a header.
 */
export function createSecret(placeholders: () => ReadonlyArray<readonly [string, string]>, tool: () => string): (name: string) => string {
  return (name: string) => {
    if (typeof name !== 'string') throw new TypeErrorCtor('ctx.secret(name): the name must be a string.');
    for (const [declared, placeholder] of placeholders()) if (declared === name) return placeholder;
    throw new ErrorCtor(
      `ctx.secret(${stringify(name.slice(0, 100))}): tool ${tool()} does not declare this secret. Add it to the tool's capabilities.secrets (update_tool); the host must also configure it under \`secrets\` in its config.`,
    );
  };
}
