/**
 * Reads a response body under a byte cap, decoding gzip, deflate and brotli itself so that
 * the cap applies to the DECODED size: a 1 MB gzip bomb that inflates to 1 GB stops at the
 * cap, holding at most the cap plus one decoder chunk in memory.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';

export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; kind: 'too-large'; bytes: number }
  | { ok: false; kind: 'decode'; bytes: number; message: string }
  | { ok: false; kind: 'network'; bytes: number; message: string };

/**
 * Compressed input beyond this is refused even when its output would fit: otherwise a stream
 * of empty gzip members could run on without ever producing a byte. Compressed data is smaller
 * than its output except for a few bytes of framing per block.
 */
export function rawLimitFor(limit: number): number {
  return limit + Math.max(64 * 1024, Math.ceil(limit / 64));
}

function decoderFor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

/** The decoders for a Content-Encoding list, in the order to apply them (the last applied is first undone). */
function decoders(contentEncoding: string | undefined): Transform[] | null {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  const chain = codings.reverse().map(decoderFor);
  // An encoding we cannot decode: hand over the bytes as they came, as fetch does.
  if (chain.some((d) => d === null)) return null;
  return chain as Transform[];
}

/**
 * Reads `response` to its end or until `limit` decoded bytes are exceeded. Never rejects; the
 * caller destroys the response (and its socket) when the result is not ok or the call ends.
 */
export function readBody(response: IncomingMessage, limit: number): Promise<BodyResult> {
  const chain = decoders(response.headers['content-encoding']) ?? [];
  const rawLimit = chain.length > 0 ? rawLimitFor(limit) : limit;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let decoded = 0;
    let raw = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      for (const stream of chain) stream.destroy();
      if (!result.ok) response.destroy();
      resolve(result);
    };

    let output: Readable = response;
    for (const decoder of chain) {
      output.pipe(decoder);
      decoder.on('error', (error: Error) => finish({ ok: false, kind: 'decode', bytes: decoded, message: `could not decode the response body (${error.message})` }));
      output = decoder;
    }

    response.on('data', (chunk: Buffer) => {
      raw += chunk.length;
      if (raw > rawLimit) finish({ ok: false, kind: 'too-large', bytes: decoded });
    });
    response.on('error', (error: Error) => finish({ ok: false, kind: 'network', bytes: decoded, message: error.message }));
    response.on('close', () => {
      if (!response.complete) finish({ ok: false, kind: 'network', bytes: decoded, message: 'the connection closed before the body ended' });
    });
    output.on('data', (chunk: Buffer) => {
      if (settled) return;
      decoded += chunk.length;
      if (decoded > limit) finish({ ok: false, kind: 'too-large', bytes: decoded - chunk.length });
      else chunks.push(chunk);
    });
    output.on('end', () => finish({ ok: true, body: Buffer.concat(chunks, decoded) }));
  });
}
