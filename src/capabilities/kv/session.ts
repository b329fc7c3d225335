/**
 * One call's view of its kv namespace: the committed entries with this call's own writes laid
 * over them (read-your-writes; a delete hides the committed entry). Nothing reaches the table
 * until the call's log row is inserted: the channel handler takes writes() into the record
 * (for a success only), and the store applies them in the same transaction (kv-writes.ts).
 *
 * Calls of one namespace do not see each other's uncommitted writes, and the last to commit
 * wins per key: a read-modify-write (a counter) can lose an update under concurrent calls.
 *
 * Quotas are checked at each operation against committed usage plus this call's overlay, and
 * the namespace ones again at commit. handle() never rejects: every refusal, and a fault of the
 * host's store, is an `{ ok: false }` answer the guest turns into an error.
 *
 * The store answers by promise, so operations run one after another in the order they were
 * asked for: each reads and lays its write over the overlay before the next one starts, as
 * when they were synchronous (a set's quota check and its write cannot be split by another set).
 */
import type { Effect, KvOperation, KvQuotas, KvWrite } from '../../model.js';
import type { StoreContract } from '../../store/contract.js';
import { compareKeys, entryBytes, MAX_KV_LIST_LIMIT } from '../../store/index.js';
import { thousands } from '../../thousands.js';
import { keyLabel } from './keys.js';
import { parseRequest, type KvRefusal, type KvRequest } from './wire.js';

export type KvAnswer = { ok: true; body: string } | { ok: false; name: string; message: string };

export interface KvSessionOptions {
  persona: string;
  /** `tool:<name>` or `persona` (kvNamespace()). */
  namespace: string;
  executionId: string;
  quotas: Readonly<KvQuotas>;
  now: () => Date;
  /** Told of a fault of the host's store (the guest is told only that the host failed). */
  onHostFault?: (error: unknown) => void;
}

export interface KvSession {
  /** Admitted (or refused) at once, answered in order; an operation admitted before end() still runs. */
  handle(op: KvOperation, bodyJson: string): Promise<KvAnswer>;
  /** The final state of every key this call wrote, for ExecutionRecord.kvWrites. */
  writes(): KvWrite[];
  /** Every operation, in order (refused ones too), for ExecutionRecord.effects. */
  effects(): Effect[];
  /** Refuses every later operation: the call is over, a straggler must not add writes. */
  end(): void;
}

/** A key this call wrote: its value now (null: deleted) and its entry bytes (undefined: absent). */
interface Overlaid {
  valueJson: string | null;
  bytes: number | undefined;
  at: string;
}

const OPERATIONS: ReadonlySet<string> = new Set<KvOperation>(['kv.get', 'kv.set', 'kv.delete', 'kv.list']);

export function createKvSession(store: Pick<StoreContract['kv'], 'get' | 'list' | 'entryBytes' | 'usage'>, options: KvSessionOptions): KvSession {
  const { persona, namespace, quotas } = options;
  const overlay = new Map<string, Overlaid>();
  const effects: Effect[] = [];
  let operations = 0;
  /** Refusals past maxOperationsPerCall after the first: not each in the audit, only counted. */
  let uncounted = 0;
  let ended = false;
  /** Committed usage, read at the first write; plus what the overlay changes. */
  let committed: { keys: number; bytes: number } | null = null;
  const change = { keys: 0, bytes: 0 };
  /** The last operation admitted: the next one runs after it. Never rejects. */
  let previous: Promise<KvAnswer> = Promise.resolve({ ok: true, body: '{}' });

  function refuse(op: KvOperation, refusal: KvRefusal, audit = true): KvAnswer {
    if (audit) effects.push({ op, namespace, ...(refusal.key === undefined ? {} : { key: refusal.key }), refused: refusal.reason });
    return { ok: false, name: refusal.name, message: refusal.message };
  }

  /**
   * The key's entry bytes now, as this call sees it (undefined: absent). Read from the table
   * when the call first touches the key; another call may commit between two such reads, which
   * the check at commit catches.
   */
  function current(key: string): Promise<number | undefined> {
    const own = overlay.get(key);
    return own !== undefined ? Promise.resolve(own.bytes) : store.entryBytes(persona, namespace, key);
  }

  async function run(request: KvRequest): Promise<KvAnswer> {
    switch (request.op) {
      case 'kv.get': {
        const own = overlay.get(request.key);
        const valueJson = own !== undefined ? own.valueJson : ((await store.get(persona, namespace, request.key))?.valueJson ?? null);
        if (valueJson === null) {
          effects.push({ op: 'kv.get', namespace, key: request.key, found: false });
          return { ok: true, body: '{"found":false}' };
        }
        effects.push({ op: 'kv.get', namespace, key: request.key, found: true, bytes: Buffer.byteLength(valueJson, 'utf8') });
        // valueJson was checked to be JSON when it was written: it can be spliced in as is.
        return { ok: true, body: `{"found":true,"value":${valueJson}}` };
      }
      case 'kv.set':
        return set(request.key, request.valueJson, request.valueBytes);
      case 'kv.delete': {
        const before = await current(request.key);
        const found = before !== undefined;
        write(request.key, null, before);
        effects.push({ op: 'kv.delete', namespace, key: request.key, found });
        return { ok: true, body: `{"deleted":${String(found)}}` };
      }
      case 'kv.list':
        return list(request.prefix, request.limit);
    }
  }

  async function set(key: string, valueJson: string, valueBytes: number): Promise<KvAnswer> {
    const now = await current(key);
    const next = entryBytes(key, valueJson);
    committed ??= await store.usage(persona, namespace);
    const keys = committed.keys + change.keys + (now === undefined ? 1 : 0);
    const bytes = committed.bytes + change.bytes + next - (now ?? 0);
    const at = `kv.set(${keyLabel(key)})`;
    // Only growth past a limit is refused: a namespace over a lowered limit may still shrink.
    if (now === undefined && keys > quotas.maxKeysPerNamespace) {
      return refuse('kv.set', {
        name: 'KvQuotaError',
        reason: 'maxKeysPerNamespace',
        key,
        message: `${at}: namespace ${JSON.stringify(namespace)} holds ${thousands(keys - 1)} keys; the limit is ${thousands(quotas.maxKeysPerNamespace)} (kv.maxKeysPerNamespace in the host's config). Delete keys you no longer need, or keep more in each value.`,
      });
    }
    if (next > (now ?? 0) && bytes > quotas.maxBytesPerNamespace) {
      return refuse('kv.set', {
        name: 'KvQuotaError',
        reason: 'maxBytesPerNamespace',
        key,
        message: `${at}: namespace ${JSON.stringify(namespace)} would hold ${thousands(bytes)} bytes (keys and values); the limit is ${thousands(quotas.maxBytesPerNamespace)} (kv.maxBytesPerNamespace in the host's config). Delete keys you no longer need, or store less.`,
      });
    }
    write(key, valueJson, now);
    effects.push({ op: 'kv.set', namespace, key, bytes: valueBytes });
    return { ok: true, body: '{}' };
  }

  /** Lays the write over the table; `before` is current(key), read once by the caller. */
  function write(key: string, valueJson: string | null, before: number | undefined): void {
    const bytes = valueJson === null ? undefined : entryBytes(key, valueJson);
    change.keys += (bytes === undefined ? 0 : 1) - (before === undefined ? 0 : 1);
    change.bytes += (bytes ?? 0) - (before ?? 0);
    overlay.set(key, { valueJson, bytes, at: options.now().toISOString() });
  }

  async function list(prefix: string, limit: number): Promise<KvAnswer> {
    // Enough committed keys that, once this call's deletes are taken out, the first `limit + 1`
    // of the merged list are among them (each delete can hide at most one): bounded by
    // MAX_LIST_LIMIT + maxOperationsPerCall.
    // The store reads at most MAX_KV_LIST_LIMIT: past it (a call with thousands of deletes)
    // the page may come out shorter than `limit`, still in order and marked truncated.
    const wanted = Math.min(limit + 1 + overlay.size, MAX_KV_LIST_LIMIT);
    const read = await store.list(persona, namespace, { prefix, limit: wanted });
    const keys = new Set(read.map((e) => e.key));
    for (const [key, own] of overlay) {
      if (own.valueJson === null) keys.delete(key);
      else if (key.startsWith(prefix)) keys.add(key);
    }
    const sorted = [...keys].sort(compareKeys);
    // A key beyond the last one read may be missing from the committed part, so the merged
    // list is cut there: keys the overlay adds past it are not in order with unread ones.
    const complete = read.length < wanted;
    const lastRead = read[read.length - 1]?.key;
    const known = complete || lastRead === undefined ? sorted : sorted.filter((k) => compareKeys(k, lastRead) <= 0);
    const page = known.slice(0, limit);
    effects.push({ op: 'kv.list', namespace, ...(prefix === '' ? {} : { prefix }), count: page.length });
    return { ok: true, body: JSON.stringify({ keys: page, truncated: known.length > limit || !complete }) };
  }

  /** The request to run, or the answer when it is refused before reaching the store. */
  function admit(op: KvOperation, bodyJson: string): KvRequest | KvAnswer {
    if (!OPERATIONS.has(op)) return { ok: false, name: 'TypeError', message: `kv: unknown operation ${JSON.stringify(String(op)).slice(0, 40)}.` };
    // Not audited: the call's row may already be written.
    if (ended) return { ok: false, name: 'Error', message: `${op}(): the call has ended; kv is not available to work it left running.` };
    operations += 1;
    if (operations > quotas.maxOperationsPerCall) {
      // The first refusal is audited; a loop that keeps trying is only counted.
      const first = operations === quotas.maxOperationsPerCall + 1;
      if (!first) uncounted += 1;
      const message = `${op}(): this call has made ${thousands(quotas.maxOperationsPerCall)} kv operations; the limit is ${thousands(quotas.maxOperationsPerCall)} per call (kv.maxOperationsPerCall in the host's config). Make fewer: one value can hold a whole object.`;
      return refuse(op, { name: 'KvQuotaError', reason: 'maxOperationsPerCall', message }, first);
    }
    const request = parseRequest(op, bodyJson, quotas);
    return 'op' in request ? request : refuse(op, request);
  }

  async function runGuarded(request: KvRequest): Promise<KvAnswer> {
    try {
      return await run(request);
    } catch (error) {
      options.onHostFault?.(error);
      const key = 'key' in request ? request.key : undefined;
      const message = `${request.op}(${key === undefined ? '' : keyLabel(key)}): the host's store failed; this is the host's fault, not your tool's. Call again later.`;
      return refuse(request.op, { name: 'Error', reason: 'host fault', message, ...(key === undefined ? {} : { key }) });
    }
  }

  return {
    handle(op, bodyJson) {
      const admitted = admit(op, bodyJson);
      if ('ok' in admitted) return Promise.resolve(admitted);
      const answer = previous.then(() => runGuarded(admitted));
      previous = answer;
      return answer;
    },
    writes() {
      return [...overlay.entries()]
        .sort(([a], [b]) => compareKeys(a, b))
        .map(([key, own]) => ({ namespace, key, valueJson: own.valueJson, at: own.at }));
    },
    effects() {
      return uncounted === 0 ? [...effects] : [...effects, { op: 'omitted', count: uncounted }];
    },
    end() {
      ended = true;
    },
  };
}
