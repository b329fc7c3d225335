/**
 * The README and the pages in docs/ link to source files, tests, screenshots and each other's
 * headings: a link that stops resolving (a file renamed, a heading reworded or moved to another
 * page) fails here instead of on GitHub.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const DOCS = path.resolve('docs');
const pages = [path.resolve('README.md'), ...fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => path.join(DOCS, f))];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Markdown links `[text](target)` and the HTML `<img src="...">` the README uses for screenshots. */
function targetsOf(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1]!);
}

it.each(pages.map((p) => path.relative(process.cwd(), p)))('every relative link and anchor in %s resolves', (page) => {
  const file = path.resolve(page);
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const target of targetsOf(text)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [rel, anchor] = target.split('#') as [string, string | undefined];
    const resolved = rel === '' ? file : path.resolve(path.dirname(file), rel);
    if (!fs.existsSync(resolved)) broken.push(`${target}: no such file`);
    else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${target}: no such heading`);
  }
  expect(broken).toEqual([]);
});
