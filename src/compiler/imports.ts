/**
 * What a compile may import (issue 15): the persona's libraries (`import { x } from
 * "lib:text_utils"`) and the packages the host installed and allows (`import { parse } from
 * "csv-parse/sync"`). The service builds this from the store and the config
 * (service/imports.ts); the compiler only asks it.
 */
import type { Language, ToolKind } from '../model.js';

/** A library version to bundle: its source is compiled into the importer, not its compiled code. */
export interface LibrarySource {
  name: string;
  version: number;
  hash: string;
  language: Language;
  source: string;
}

export interface PackagesPolicy {
  /** An absolute path: the node_modules folder packages are bundled from. */
  dir: string;
  /** Package names tools may import (`csv-parse`, `@scope/name`). Their own dependencies come with them. */
  allow: readonly string[];
  /** The largest compiled bundle (the tool, its libraries and packages), in UTF-8 bytes. */
  maxBundleBytes: number;
}

export interface ImportContext {
  /** What is being compiled: a library may not import itself, even through others. */
  kind: ToolKind;
  /**
   * The library `name` at the version to bundle, or a sentence saying why it cannot be (no
   * such library, it is a tool, it was deleted), written for the agent. By promise when it is
   * read from a store.
   */
  library(name: string): LibrarySource | { problem: string } | Promise<LibrarySource | { problem: string }>;
  packages: PackagesPolicy;
}

/**
 * Whether a source may import anything: the word `import`, or `from` before a quote (`export
 * { x } from "y"`). A hint only: a source that has neither cannot import (its compile takes
 * the fast path); one that has them is bundled, and falls back to the fast path when nothing
 * was imported after all (the word in a comment, `import type`).
 */
export function mayImport(source: string): boolean {
  return /\bimport\b|\bfrom\s*["'`]/.test(source);
}

/** `lodash/fp` -> `lodash`, `@scope/pkg/x` -> `@scope/pkg`; null for what is no package name. */
export function packageNameOf(specifier: string): string | null {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (name === undefined || !/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name) || name.length > 214) return null;
  return name;
}
