import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Sandbox processes always run the built worker in dist/, also when the host code itself is
 * loaded from src/ by vitest: Node 20 cannot run TypeScript, and the test globalSetup builds
 * dist/ first.
 */
export function workerEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.resolve(path.dirname(here), '../../dist/sandbox-host/worker/main.js');
  return path.resolve(path.dirname(here), 'worker/main.js');
}
