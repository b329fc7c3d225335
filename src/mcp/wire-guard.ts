/**
 * Checks on raw JSON-RPC messages before anything parses them, shared by the stdio and HTTP
 * transports, and the error replies for messages that fail them.
 *
 * Why before parsing: V8's JSON.parse is iterative, but deeply nested input is slow to parse
 * (a 100,000-deep argument took 140-380 ms, stalling every other session), and the
 * service's own depth check (64 levels, service/arguments.ts) runs only after the parse. A
 * single pass over the bytes finds the depth for a fraction of the parse's cost.
 */

/** Deeper than this, a message is refused unparsed. Tool arguments may nest 64 levels; MCP adds a few. */
export const MAX_MESSAGE_DEPTH = 1_000;

/** JSON-RPC 2.0 error codes used here. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

export type RpcId = string | number | null;

export interface RpcErrorReply {
  jsonrpc: '2.0';
  id: RpcId;
  error: { code: number; message: string };
}

export function rpcError(id: RpcId, code: number, message: string): RpcErrorReply {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/**
 * True when the JSON text in `bytes[0, end)` nests arrays/objects deeper than `max`. Works on
 * UTF-8 bytes: every byte of a multi-byte character is >= 0x80, so brackets, quotes and
 * backslashes are never mistaken. Malformed text gives some answer; JSON.parse rejects it later.
 */
export function nestedDeeperThan(bytes: Buffer, end: number, max: number): boolean {
  // Each level needs at least one byte: shorter text cannot be too deep.
  if (end <= max) return false;
  let depth = 0;
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x22) {
      // A string: jump to its closing quote (native search; strings are most of a big message).
      // A quote preceded by an odd number of backslashes is escaped.
      let close = i;
      for (;;) {
        close = bytes.indexOf(0x22, close + 1);
        if (close === -1 || close >= end) return false;
        let backslashes = 0;
        while (bytes[close - 1 - backslashes] === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      i = close;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The id of a parsed message, if it has a valid one. */
export function idOf(value: unknown): RpcId {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
}

const TRAILING_ID = /"id"\s*:\s*(-?\d{1,16}|"(?:[^"\\]|\\.){0,128}")\s*\}\s*$/;

/**
 * The id of a message that is not parsed (too large or too deep), read from its last bytes:
 * clients written with JSON.stringify put `id` last (`{method, params, jsonrpc, id}`), and only
 * the top-level object can end with `"id": <value>}`. The caller then gets an error reply for
 * its request instead of waiting for a reply that never comes. Null when it is not there.
 */
export function idFromTail(tail: string): RpcId {
  const match = TRAILING_ID.exec(tail);
  if (!match) return null;
  try {
    const id = JSON.parse(match[1]!) as unknown;
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

/**
 * Says what happened to refused messages on stderr without letting a flood of them flood the
 * log: the first refusal is logged at once, later ones are counted and logged at most once a
 * second. Message contents are never logged (they may hold secrets or terminal controls).
 */
export function createRefusalLog(warn: (message: string) => void, now: () => number = Date.now) {
  let lastLogged = -Infinity;
  let unlogged = 0;
  let lastReason = '';
  return (reason: string): void => {
    lastReason = reason;
    if (now() - lastLogged < 1_000) {
      unlogged++;
      return;
    }
    const more = unlogged > 0 ? ` (and ${unlogged} more refused since the last report)` : '';
    unlogged = 0;
    lastLogged = now();
    warn(`${lastReason}${more}`);
  };
}
