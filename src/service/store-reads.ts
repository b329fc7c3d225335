/**
 * Reads of the store that several rules share. Each is a few awaits: another write may land
 * between them (a tool deleted after it was found), which each one answers as if it had
 * landed before.
 */
import { ANY_TOOL } from '../capabilities/manifest.js';
import { isAppError } from '../errors.js';
import type { Capabilities, VersionRecord } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import { MAX_DECLARED_TOOLS, toolsDeclaration } from './tool-declarations.js';

/**
 * The active version of the live tool `name`, or undefined when there is none. For names that
 * may well not exist: a missing tool costs one cheap lookup, no error.
 */
export async function activeVersionOrNone(tools: Pick<StoreContract['tools'], 'get' | 'getVersion'>, persona: string, name: string): Promise<VersionRecord | undefined> {
  if ((await tools.get(persona, name)) === undefined) return undefined;
  return liveVersionOrNone(tools, persona, name);
}

/** The active version of `name`, which is expected to exist, or undefined when it was deleted meanwhile. */
export async function liveVersionOrNone(tools: Pick<StoreContract['tools'], 'getVersion'>, persona: string, name: string): Promise<VersionRecord | undefined> {
  try {
    return await tools.getVersion(persona, name);
  } catch (error) {
    if (isAppError(error) && error.code === 'TOOL_NOT_FOUND') return undefined;
    throw error;
  }
}

/** A version of any tool (deleted ones too), or undefined when it cannot be read. */
export async function versionOrNone(tools: Pick<StoreContract['tools'], 'getVersion'>, persona: string, name: string, version: number): Promise<VersionRecord | undefined> {
  try {
    return await tools.getVersion(persona, name, version);
  } catch {
    return undefined;
  }
}

/**
 * The declaration of ctx.tools (tool-declarations.ts) for a version of `name` with these
 * capabilities: the callees' active versions read from the store first.
 */
export async function toolsDeclarationOf(store: Pick<StoreContract, 'tools'>, persona: string, name: string, capabilities: Capabilities): Promise<string | null> {
  const declared = capabilities.tools;
  if (declared === undefined || declared.length === 0) return null;
  const names = declared.includes(ANY_TOOL) ? (await store.tools.list(persona, { after: '', limit: MAX_DECLARED_TOOLS + 1 })).map((t) => t.name).filter((n) => n !== name) : declared;
  const callees = new Map<string, VersionRecord | undefined>();
  for (const callee of names.slice(0, MAX_DECLARED_TOOLS)) callees.set(callee, await activeVersionOrNone(store.tools, persona, callee));
  return toolsDeclaration(
    capabilities,
    (callee) => callees.get(callee),
    () => [...names],
  );
}
