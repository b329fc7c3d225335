/*
 * The handler's return value as the JSON text of a success envelope, or an `invalid_result`
 * failure that names the first value JSON would refuse or silently change, with its path.
 */
import { stringify } from './intrinsics.js';
import { failureEnvelope, invalidResult } from './envelope.js';
import { inspectArgument } from './inspect.js';
import { findJsonProblem } from './json-check.js';
import { isError, safeGet } from './values.js';

/** Nodes of a result that are checked; past them JSON.stringify still refuses cycles and BigInts. */
const MAX_WALK_NODES = 200_000;

export function serializeResult(value: unknown, maxResultChars: number, consoleText: string): string {
  let found: ReturnType<typeof findJsonProblem>;
  try {
    found = findJsonProblem(value, 'result', MAX_WALK_NODES);
  } catch (err) {
    // A result whose traps or getters throw while it is inspected (a revoked Proxy, say) is
    // a bad result, not an exception with the prelude's frames in its stack.
    return failureEnvelope(invalidResult(`The result could not be inspected: ${reasonOf(err)}.`), consoleText);
  }
  if (found !== null) {
    return failureEnvelope(invalidResult(`The result must be JSON-serialisable, but ${found.path} ${found.problem}.`), consoleText);
  }
  let json: string | undefined;
  try {
    json = stringify(value === undefined ? null : value);
  } catch (err) {
    return failureEnvelope(invalidResult(`The result could not be converted to JSON: ${reasonOf(err)}.`), consoleText);
  }
  if (json === undefined) json = 'null';
  if (json.length > maxResultChars) {
    return failureEnvelope(
      invalidResult(`The result is ${json.length} characters of JSON; the limit is ${maxResultChars}. Return less data (page it, or summarise).`),
      consoleText,
    );
  }
  return `{"ok":true,"console":${stringify(consoleText)},"result":${json}}`;
}

function reasonOf(err: unknown): string {
  return inspectArgument(isError(err) ? safeGet(err, 'message') : err, 500);
}
