/**
 * Reads another process's memory as bytes, to look for a string in it: every readable mapping
 * of /proc/<pid>/maps, read through /proc/<pid>/mem (the suite runs as root; gVisor and Linux
 * both serve it). Mappings that cannot be read (guard pages, [vvar]) are counted, not fatal.
 * The process keeps running meanwhile: a string it holds for the whole scan is found.
 */
import fs from 'node:fs';

const CHUNK = 8 * 1024 * 1024;

export interface MemoryScan {
  /** For each needle, whether it was found. */
  found: boolean[];
  bytesRead: number;
  regions: number;
  unreadableRegions: number;
  ms: number;
}

/** The forms a JavaScript string can take in memory: one byte per character (V8's one-byte strings, UTF-8 for ASCII) and UTF-16LE. */
export function stringForms(text: string): Buffer[] {
  return [Buffer.from(text, 'latin1'), Buffer.from(text, 'utf16le')];
}

export function scanMemory(pid: number, needles: readonly Buffer[]): MemoryScan {
  const started = performance.now();
  const overlap = Math.max(...needles.map((n) => n.length)) - 1;
  const found = needles.map(() => false);
  let bytesRead = 0;
  let regions = 0;
  let unreadableRegions = 0;
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter(Boolean);
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  const buffer = Buffer.alloc(CHUNK + overlap);
  try {
    for (const line of maps) {
      const [range = '', perms = ''] = line.split(/\s+/);
      if (!perms.startsWith('r')) continue;
      const [start, end] = range.split('-').map((h) => parseInt(h, 16)) as [number, number];
      regions++;
      let carried = 0;
      for (let at = start; at < end; at += CHUNK) {
        const length = Math.min(CHUNK, end - at);
        let read: number;
        try {
          read = fs.readSync(fd, buffer, carried, length, at);
        } catch {
          unreadableRegions++;
          break;
        }
        bytesRead += read;
        const view = buffer.subarray(0, carried + read);
        needles.forEach((needle, i) => {
          if (!found[i] && view.includes(needle)) found[i] = true;
        });
        // Keep the tail, so a needle that straddles two chunks is still seen whole.
        carried = Math.min(overlap, view.length);
        view.copy(buffer, 0, view.length - carried);
        if (read < length) break;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { found, bytesRead, regions, unreadableRegions, ms: performance.now() - started };
}
