/**
 * The console's one script and one stylesheet, read from console-assets/ in the package (no
 * CDN: the console works offline) once, on first use.
 */
import fs from 'node:fs';

const FILES = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

export type AssetName = keyof typeof FILES;

export const isAsset = (name: string): name is AssetName => Object.hasOwn(FILES, name);

const cache = new Map<AssetName, Buffer>();

/** console-assets/ is beside src/ and dist/: one level up from this module's folder's parent. */
export function readAsset(name: AssetName): { body: Buffer; type: string } {
  let body = cache.get(name);
  if (body === undefined) {
    body = fs.readFileSync(new URL(`../../console-assets/${name}`, import.meta.url));
    cache.set(name, body);
  }
  return { body, type: FILES[name] };
}
