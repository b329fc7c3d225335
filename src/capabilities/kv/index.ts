/** Server side of `ctx.kv`: the per-call session the channel handler drives, and its wire checks. */
export { kvNamespace, SHARED_NAMESPACE } from './namespace.js';
export { MAX_KEY_BYTES } from './keys.js';
export { createKvSession, type KvAnswer, type KvSession, type KvSessionOptions } from './session.js';
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, parseRequest, type KvRefusal, type KvRequest } from './wire.js';
