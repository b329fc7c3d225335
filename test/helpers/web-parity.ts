/**
 * Runs one piece of JavaScript twice: as a tool in the real engine (sandbox process, hardened
 * realm, the Web APIs of sandbox/web/) and in this Node process, whose URL, TextDecoder,
 * crypto, Headers... are the reference. The body is an async function body over `args`; it
 * returns JSON. `attempt`/`attemptAsync` turn a throw into `{ threw: name }` (error messages
 * differ between implementations; names are the contract), `bytesOf` lists a buffer's bytes.
 */
import type { PersonaScope } from '../../src/service/index.js';

const HELPERS = `
const attempt = (f) => { try { return { value: f() }; } catch (e) { return { threw: e && e.name }; } };
const attemptAsync = async (f) => { try { return { value: await f() }; } catch (e) { return { threw: e && e.name }; } };
const bytesOf = (b) => Array.from(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
`;

// The constructor of async functions, to compile the body as the tool's handler is compiled.
// eslint-disable-next-line @typescript-eslint/require-await
const AsyncFunction = (async () => undefined).constructor as new (...params: string[]) => (args: unknown) => Promise<unknown>;

export interface ParityRun {
  /** What the tool returned in the sandbox. */
  realm: unknown;
  /** What the same code returned in Node. */
  node: unknown;
}

export function createParity(scope: PersonaScope) {
  let count = 0;
  /** Runs `body` in both; throws if the tool failed to run (a failure is not a result). */
  async function both(body: string, args: Record<string, unknown> = {}): Promise<ParityRun> {
    return { realm: await inRealm(body, args), node: await inNode(body, args) };
  }
  async function inRealm(body: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const name = `parity_${++count}`;
    const code = `${HELPERS}\nmodule.exports = async function (args) {\n${body}\n};`;
    const created = await scope.createTool({ name, description: 'web API parity', code, language: 'javascript' });
    if (!created.ok) throw new Error(`create_tool ${name} failed: ${JSON.stringify(created.failure)}`);
    const out = await scope.runTool(name, args);
    if (!out.ok) throw new Error(`${name} failed: ${JSON.stringify(out.failure)}`);
    return out.result;
  }
  async function inNode(body: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const value = await new AsyncFunction('args', `${HELPERS}\n${body}`)(args);
    return JSON.parse(JSON.stringify(value ?? null)) as unknown;
  }
  return { both, inRealm, inNode };
}
