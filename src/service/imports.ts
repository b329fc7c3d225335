/**
 * What a compile of one persona's tool may import (issue 15): its libraries, at their active
 * versions now, and the packages the host's config allows (compiler/imports.ts).
 */
import type { ImportContext } from '../compiler/imports.js';
import { packagesDir, type Config } from '../config.js';
import { AppError } from '../errors.js';
import type { ToolKind } from '../model.js';
import type { Store } from '../store/index.js';

export function importContext(store: Store, config: Pick<Config, 'dbPath' | 'packages'>, persona: string, kind: ToolKind): ImportContext {
  return {
    kind,
    packages: { dir: packagesDir(config), allow: config.packages.allow, maxBundleBytes: config.packages.maxBundleBytes },
    library(name) {
      const missing = { problem: `import "lib:${name}": there is no library \`${name}\`. Create it with create_tool and kind "library", or call list_tools to see your libraries` };
      if (store.tools.get(persona, name) === undefined) return missing;
      let version;
      try {
        version = store.tools.getVersion(persona, name);
      } catch (err) {
        if (err instanceof AppError && err.code === 'TOOL_NOT_FOUND') return missing;
        throw err;
      }
      if (version.kind !== 'library') {
        return { problem: `import "lib:${name}": \`${name}\` is a tool, not a library (tools are called, libraries are imported). Put the code to share in a library (create_tool with kind "library") and import that` };
      }
      return { name, version: version.version, hash: version.hash, language: version.language, source: version.source };
    },
  };
}
