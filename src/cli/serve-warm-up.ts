import { SourceMapConsumer } from 'source-map';

/**
 * The first source map a process parses loads source-map's WebAssembly decoder: that blocks the
 * event loop for 30-65 ms on a 2-core machine (the next parse takes ~1 ms). Without this warm-up
 * the first guest exception after start-up pays it inside a tool call, and an attacker's first
 * `throw` stalls the server past its 50 ms bound (test/security/*-memory-bomb.test.ts saw
 * 60-70 ms). Called once, right after the server starts serving.
 */
export async function warmUpTracebacks(): Promise<void> {
  const consumer = await new SourceMapConsumer({ version: 3, file: 'warm-up.js', sources: ['warm-up.ts'], names: [], mappings: 'AAAA' });
  try {
    consumer.originalPositionFor({ line: 1, column: 0 });
  } finally {
    consumer.destroy();
  }
}
