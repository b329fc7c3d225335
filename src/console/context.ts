/** What every page and endpoint of the console is given. */
import type { ReadOnlyStore } from '../store/read-only.js';

/** One persona (`--persona`), or every persona in the file (`--all-personas`). */
export type ConsoleScope = { persona: string } | { all: true };

export interface ConsoleContext {
  /** Where the console is mounted: `/ui`. */
  base: string;
  store: ReadOnlyStore;
  scope: ConsoleScope;
  now(): number;
}

/** The personas a request may see: the scope's one, or all of them narrowed by `?persona=`. */
export function personasFor(ctx: ConsoleContext, query: URLSearchParams): string[] {
  if ('persona' in ctx.scope) return [ctx.scope.persona];
  const all = ctx.store.console.personas();
  const asked = query.get('persona');
  return asked !== null && asked !== '' ? all.filter((p) => p === asked) : all;
}

export function scopeLabel(scope: ConsoleScope): string {
  return 'persona' in scope ? `persona ${scope.persona}` : 'all personas';
}

export const showsPersonas = (scope: ConsoleScope): boolean => !('persona' in scope);
