/**
 * The narration of `chameleon demo`: numbered steps, short sentences, indented evidence, and
 * colour only when the output is a colour terminal. What comes from the server is printed
 * through terminalSafe like everything else the CLI shows.
 */
import type { Writable } from 'node:stream';

import type { Palette } from './table.js';
import { indent, terminalSafe } from '../terminal-text.js';

export interface Story {
  title(text: string): void;
  step(title: string): void;
  say(text: string): void;
  /** Evidence from the server (guest-controlled text), shown as an indented block. */
  show(text: string): void;
  ok(text: string): void;
  fail(text: string): void;
  blank(): void;
}

const PAD = '      ';

export function createStory(out: Writable, palette: Palette, totalSteps: number): Story {
  let n = 0;
  const write = (text: string) => out.write(`${text}\n`);
  return {
    title: (text) => write(palette.paint('bold', text)),
    step(title) {
      n += 1;
      write('');
      write(`${palette.paint('cyan', `[${n}/${totalSteps}]`)} ${palette.paint('bold', title)}`);
    },
    say: (text) => write(indent(text, PAD)),
    show: (text) => write(palette.paint('dim', indent(terminalSafe(text, { multiline: true, max: 8_000 }), `${PAD}  `))),
    ok: (text) => write(`${PAD}${palette.paint('green', '✓')} ${text}`),
    fail: (text) => write(`${PAD}${palette.paint('red', '✗')} ${text}`),
    blank: () => write(''),
  };
}

/** `+`/`-` lines of a one-line patch, for the story. */
export function diffLines(before: string, after: string, palette: Palette): string {
  return [palette.paint('red', `- ${before.trim()}`), palette.paint('green', `+ ${after.trim()}`)].join('\n');
}

/** Source with line numbers, the marked line highlighted (and pointed at when no colour). */
export function listing(source: string, mark: number | null, palette: Palette): string {
  const lines = source.replace(/\n$/, '').split('\n');
  const width = String(lines.length).length;
  return lines
    .map((line, i) => {
      const no = i + 1;
      const marked = no === mark;
      const gutter = `${marked ? '>' : ' '} ${String(no).padStart(width)} | `;
      const text = `${gutter}${terminalSafe(line, { max: 200 })}`;
      return (marked ? palette.paint('yellow', text) : palette.paint('dim', gutter) + terminalSafe(line, { max: 200 })).trimEnd();
    })
    .join('\n');
}
