/**
 * The filename (V8 ScriptOrigin) under which each compiled tool version runs in the isolate:
 * `chameleon/<persona>/<tool>@<version>.js`. Every stack frame therefore says which version's
 * source map explains it, and frames of anything else (the prelude, isolated-vm, natives) are
 * recognisable by not matching.
 */
import { AppError } from '../errors.js';
import { NAME_PATTERN } from '../model.js';

/** The sandbox prelude's script name: its frames are ours, never the agent's. */
export const PRELUDE_FILENAME = 'chameleon-prelude.js';

export interface VirtualFile {
  persona: string;
  tool: string;
  version: number;
}

// Names as in NAME_PATTERN; versions are positive integers without leading zeros, at most 15
// digits so that every match is a safe integer. Anchored, no nested quantifiers: linear time.
const VIRTUAL_FILENAME =
  /^chameleon\/([a-z][a-z0-9_]{0,63})\/([a-z][a-z0-9_]{0,63})@([1-9][0-9]{0,14})\.js$/;

// Longest possible match: "chameleon/" + 64 + "/" + 64 + "@" + 15 + ".js".
const MAX_VIRTUAL_FILENAME_LENGTH = 10 + 64 + 1 + 64 + 1 + 15 + 3;

export function virtualFilename(persona: string, tool: string, version: number): string {
  if (!NAME_PATTERN.test(persona) || !NAME_PATTERN.test(tool)) {
    throw new AppError('INTERNAL', `Cannot name a script for persona "${persona}", tool "${tool}".`);
  }
  if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999_999_999) {
    throw new AppError('INTERNAL', `Cannot name a script for version ${String(version)}.`);
  }
  return `chameleon/${persona}/${tool}@${version}.js`;
}

/** The persona, tool and version a script name stands for, or null if it is not one of ours. */
export function parseVirtualFilename(s: string): VirtualFile | null {
  if (typeof s !== 'string' || s.length > MAX_VIRTUAL_FILENAME_LENGTH) return null;
  const match = VIRTUAL_FILENAME.exec(s);
  if (match === null) return null;
  const [, persona, tool, version] = match;
  if (persona === undefined || tool === undefined || version === undefined) return null;
  return { persona, tool, version: Number(version) };
}
