/**
 * Where in the text an engine's error points, when the engine gives a name but no offset.
 * SQLite's messages carry no position: `near "orders": syntax error` names a token, and
 * `no such column: o.idd` a name. The syntax error is found exactly by preparing prefixes of
 * the statement (sqlite-child.ts: the first prefix the parser refuses ends at the token it
 * refused); a name is found here, as the first place the text uses it.
 */
import { significant, type Token } from './sql-text.js';

/** Messages that name the thing they are about: `<prefix>: <name>`. */
const NAMED = [/^no such (?:table|column|function|collation|module|window function): (.+)$/, /^ambiguous column name: (.+)$/, /^unknown database (.+)$/, /^no such table column: (.+)$/];

/** The offset of the first use of the name an SQLite message is about, or undefined. */
export function offsetOfNamed(message: string, tokens: readonly Token[]): number | undefined {
  for (const pattern of NAMED) {
    const match = pattern.exec(message);
    if (match) return offsetOfName(match[1]!, tokens);
  }
  const near = /^near "(.*)": syntax error$/s.exec(message);
  if (near) return significant(tokens).find((t) => t.text === near[1])?.start;
  const unrecognized = /^unrecognized token: "(.*)"$/s.exec(message);
  if (unrecognized) return significant(tokens).find((t) => t.text.startsWith(unrecognized[1]!.slice(0, 20)) || unrecognized[1]!.startsWith(t.text))?.start;
  return undefined;
}

/** `o.idd` matches the tokens `o`, `.`, `idd` (each part also "quoted"); case does not matter. */
export function offsetOfName(name: string, tokens: readonly Token[]): number | undefined {
  const parts = name.split('.').map((p) => p.toLowerCase());
  const words = significant(tokens);
  for (let i = 0; i < words.length; i++) {
    let j = i;
    let matched = true;
    for (let p = 0; p < parts.length; p++) {
      if (p > 0) {
        if (words[j]?.text !== '.') {
          matched = false;
          break;
        }
        j++;
      }
      const word = words[j];
      if (word === undefined || identifier(word) !== parts[p]) {
        matched = false;
        break;
      }
      j++;
    }
    if (matched) return words[i]!.start;
  }
  // Qualified names are sometimes reported bare, or the other way round: try the last part.
  return parts.length > 1 ? offsetOfName(parts[parts.length - 1]!, tokens) : undefined;
}

function identifier(token: Token): string | null {
  if (token.kind === 'word') return token.text.toLowerCase();
  if (token.kind === 'quoted') return token.text.slice(1, -1).toLowerCase();
  return null;
}

/** True for the messages SQLite gives when the text does not parse. */
export function isSqliteSyntaxError(message: string): boolean {
  return /: syntax error$/.test(message) || message.startsWith('unrecognized token') || message === 'incomplete input';
}
