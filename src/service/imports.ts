/**
 * What a compile of one persona's tool may import (issue 15): its libraries, at their active
 * versions now, and the packages the host's config allows (compiler/imports.ts).
 */
import type { ImportContext } from '../compiler/imports.js';
import { packagesDir, type Config } from '../config.js';
import type { ToolKind } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import { activeVersionOrNone } from './store-reads.js';

export function importContext(store: Pick<StoreContract, 'tools'>, config: Pick<Config, 'dbPath' | 'packages'>, persona: string, kind: ToolKind): ImportContext {
  return {
    kind,
    packages: { dir: packagesDir(config), allow: config.packages.allow, maxBundleBytes: config.packages.maxBundleBytes },
    async library(name) {
      const version = await activeVersionOrNone(store.tools, persona, name);
      if (version === undefined) return { problem: `import "lib:${name}": there is no library \`${name}\`. Create it with create_tool and kind "library", or call list_tools to see your libraries` };
      if (version.kind !== 'library') {
        return { problem: `import "lib:${name}": \`${name}\` is a tool, not a library (tools are called, libraries are imported). Put the code to share in a library (create_tool with kind "library") and import that` };
      }
      return { name, version: version.version, hash: version.hash, language: version.language, source: version.source };
    },
  };
}
