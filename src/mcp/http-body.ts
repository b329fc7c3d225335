import type { IncomingMessage } from 'node:http';
import { idFromTail, INVALID_REQUEST, MAX_MESSAGE_DEPTH, nestedDeeperThan, PARSE_ERROR } from './wire-guard.js';

/**
 * The request body as JSON, refused (without parsing) when it is larger than `maxBytes` (by its
 * Content-Length, before reading it, or as it arrives) or nested deeper than MAX_MESSAGE_DEPTH.
 * See wire-guard.ts; test/security/http-malformed-and-oversize-requests.test.ts.
 */
export async function readJson(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ value: unknown } | { error: string; status: number; code: number; id: string | number | null; size: number }> {
  const tooLarge = (size: number) => ({ error: `Request too large: the body is ${size} bytes or more; the limit is ${maxBytes} bytes. Send less data.`, status: 413, code: INVALID_REQUEST, id: null, size });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(declared);
  // Not `for await`: leaving that loop early destroys the request, and with it the socket.
  const read = await new Promise<Buffer | number>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return; // past the limit: the rest is discarded as it arrives
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        resolve(size);
      } else chunks.push(chunk);
    });
    req.once('end', () => !done && resolve(Buffer.concat(chunks, size)));
    req.once('error', (err) => !done && reject(err));
  });
  if (typeof read === 'number') return tooLarge(read);
  const bytes = read;
  if (nestedDeeperThan(bytes, bytes.length, MAX_MESSAGE_DEPTH)) {
    const tail = bytes.toString('utf8', Math.max(0, bytes.length - 256));
    return { error: `Invalid Request: the message is nested deeper than ${MAX_MESSAGE_DEPTH} levels (tool arguments may nest at most 64).`, status: 400, code: INVALID_REQUEST, id: idFromTail(tail), size: bytes.length };
  }
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return { error: 'Parse error: the request body is not JSON.', status: 400, code: PARSE_ERROR, id: null, size: bytes.length };
  }
}
