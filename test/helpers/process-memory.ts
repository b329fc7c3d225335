import fs from 'node:fs';

const CHUNK = 4 * 1024 * 1024;

/**
 * Which of `needles` occur anywhere in the readable memory of process `pid` (Linux: the
 * mappings /proc/<pid>/maps lists as readable, read through /proc/<pid>/mem; the caller
 * must be allowed to trace it: same user, or root). Regions that refuse to be read (guard
 * pages, [vvar]) are skipped. Returns one boolean per needle, and the bytes read.
 */
export function memoryHolds(pid: number, needles: readonly Buffer[]): { found: boolean[]; bytesRead: number } {
  const found = needles.map(() => false);
  const overlap = Math.max(...needles.map((n) => n.length)) - 1;
  const regions = fs
    .readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .filter((line) => line.split(' ')[1]?.startsWith('r'))
    .map((line) => line.split(' ')[0]!.split('-').map((hex) => parseInt(hex, 16)) as [number, number]);
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  const buffer = Buffer.alloc(CHUNK + overlap);
  let bytesRead = 0;
  try {
    for (const [start, end] of regions) {
      // Each chunk starts `overlap` bytes before the previous one ended: a needle across the cut is seen whole.
      for (let at = start; at < end; at += CHUNK) {
        const from = Math.max(start, at - overlap);
        let n: number;
        try {
          n = fs.readSync(fd, buffer, 0, Math.min(end, at + CHUNK) - from, from);
        } catch {
          break; // unreadable region
        }
        bytesRead += n;
        const view = buffer.subarray(0, n);
        needles.forEach((needle, i) => {
          if (!found[i] && view.includes(needle)) found[i] = true;
        });
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { found, bytesRead };
}

/** A string as V8 may hold it: one byte per character, or two (UTF-16LE). */
export function heapForms(text: string): Buffer[] {
  return [Buffer.from(text, 'latin1'), Buffer.from(text, 'utf16le')];
}
