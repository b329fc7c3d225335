/**
 * The pages in docs/ link to source files, tests and each other's headings: a link that stops
 * resolving (a file renamed, a heading reworded) fails here instead of on GitHub.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const DOCS = path.resolve('docs');
const pages = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md'));

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

it.each(pages)('every relative link and anchor in docs/%s resolves', (page) => {
  const file = path.join(DOCS, page);
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    const [rel, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = rel === '' ? file : path.resolve(DOCS, rel);
    if (!fs.existsSync(resolved)) broken.push(`${target}: no such file`);
    else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${target}: no such heading`);
  }
  expect(broken).toEqual([]);
});
