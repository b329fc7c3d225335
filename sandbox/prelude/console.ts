/*
 * A call's console output: its lines, bounded to `limit` characters in all. Once the buffer is
 * full, further writes cost nothing (nothing is rendered).
 */
import { inspectArgument } from './inspect.js';

export interface ConsoleBuffer {
  write(prefix: string, args: unknown[]): void;
  text(): string;
}

export function createConsoleBuffer(limit: number): ConsoleBuffer {
  const lines: string[] = [];
  let used = 0;
  let full = false;
  const write = (prefix: string, args: unknown[]): void => {
    if (full) return;
    let line = prefix;
    for (let i = 0; i < args.length; i++) {
      line += (i === 0 ? '' : ' ') + inspectArgument(args[i], limit);
      if (line.length > limit) break;
    }
    const room = limit - used;
    if (line.length + 1 > room) {
      lines.push(`${line.slice(0, Math.max(0, room))}…[console output cut at ${limit} characters]`);
      full = true;
      used = limit;
      return;
    }
    lines.push(line);
    used += line.length + 1;
  };
  return { write, text: (): string => lines.join('\n') };
}
